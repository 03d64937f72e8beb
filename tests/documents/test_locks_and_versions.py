"""Locking, the definitief status and versions of documents, through the Documenten API."""

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import EnkelvoudigInformatieObject, EnkelvoudigInformatieObjectVersie
from docload.documents.storage import content_storage
from tests.conftest import client_for
from tests.documents.test_api import create, lock
from tests.factories import document_body
from tests.storage import stored_bytes, stored_keys

pytestmark = pytest.mark.django_db


def app_with(*scopes: str, client_id: str = "app") -> APIClient:
    return client_for(Applicatie.objects.create(client_id=client_id, scopes=list(scopes)))


def refusal(response: Any) -> tuple[int, str, str]:
    """(status, invalidParams name, code) of a refused request."""
    assert response["Content-Type"] == "application/problem+json"
    (param,) = response.json()["invalidParams"]
    return response.status_code, param["name"], param["code"]


def stored_files(data_dir: Path) -> list[str]:
    """The keys in the content storage (the test's own `data_dir`/content, or prefix on S3)."""
    return stored_keys()


def download(api: APIClient, url: str) -> bytes:
    response = api.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_lock_patch_unlock(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    assert created["locked"] is False
    token = lock(api, created)
    assert len(token) == 32 and int(token, 16) >= 0
    assert api.get(created["url"]).json()["locked"] is True
    assert "lock" not in api.get(created["url"]).json()  # write only

    patched = api.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["titel"] == "Nieuw" and patched.json()["locked"] is True

    unlocked = api.post(f"{created['url']}/unlock", {"lock": token}, format="json")
    assert unlocked.status_code == 204
    assert api.get(created["url"]).json()["locked"] is False
    assert EnkelvoudigInformatieObject.objects.get().lock == ""


def test_each_lock_is_new(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    first = lock(api, created)
    assert api.post(f"{created['url']}/unlock", {"lock": first}, format="json").status_code == 204
    assert lock(api, created) != first


def test_locking_a_locked_document_is_refused(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    token = lock(api, created)
    assert refusal(api.post(f"{created['url']}/lock")) == (400, "lock", "existing-lock")
    assert EnkelvoudigInformatieObject.objects.get().lock == token


def test_patch_without_lock_with_a_wrong_lock_or_unlocked(
    api: APIClient, document_type_url: str, data_dir: Path
) -> None:
    created = create(api, document_type_url, content=b"v1")
    body = {"titel": "Nieuw", "inhoud": "djI="}  # new content, "v2"
    assert refusal(api.patch(created["url"], body, format="json")) == (400, "lock", "unlocked")
    assert refusal(api.patch(created["url"], {**body, "lock": "abc"}, format="json")) == (
        400,
        "lock",
        "unlocked",
    )

    token = lock(api, created)
    assert refusal(api.patch(created["url"], body, format="json")) == (
        400,
        "lock",
        "missing-lock-id",
    )
    assert refusal(api.patch(created["url"], {**body, "lock": ""}, format="json")) == (
        400,
        "lock",
        "missing-lock-id",
    )
    assert refusal(api.patch(created["url"], {**body, "lock": token[::-1]}, format="json")) == (
        400,
        "lock",
        "incorrect-lock-id",
    )
    put = api.put(created["url"], document_body(document_type_url, lock="wrong"), format="json")
    assert refusal(put) == (400, "lock", "incorrect-lock-id")

    document = EnkelvoudigInformatieObject.objects.get()
    assert document.titel == "Besluit" and document.versie == 1
    assert not EnkelvoudigInformatieObjectVersie.objects.exists()
    assert len(stored_files(data_dir)) == 1  # no refused upload left bytes behind


def test_unlock_needs_the_lock_unless_forced(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    token = lock(api, created)
    locker = app_with("documenten.lock", client_id="locker")
    unlock = f"{created['url']}/unlock"
    assert refusal(locker.post(unlock, {}, format="json")) == (400, "lock", "incorrect-lock-id")
    assert refusal(locker.post(unlock, {"lock": "x" + token}, format="json")) == (
        400,
        "lock",
        "incorrect-lock-id",
    )
    assert EnkelvoudigInformatieObject.objects.get().lock == token

    forcer = app_with("documenten.geforceerd-unlock", client_id="forcer")
    assert forcer.post(unlock, {}, format="json").status_code == 204
    assert EnkelvoudigInformatieObject.objects.get().lock == ""


def test_all_authorizations_unlock_without_the_lock(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    lock(api, created)
    assert api.post(f"{created['url']}/unlock").status_code == 204
    assert api.get(created["url"]).json()["locked"] is False


def test_unlocking_an_unlocked_document_needs_a_lock(
    document_type_url: str, api: APIClient
) -> None:
    created = create(api, document_type_url)
    locker = app_with("documenten.lock")
    response = locker.post(f"{created['url']}/unlock", {"lock": ""}, format="json")
    assert refusal(response) == (400, "lock", "incorrect-lock-id")


def test_lock_scopes(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    writer = app_with("documenten.lezen", "documenten.bijwerken", client_id="writer")
    assert writer.post(f"{created['url']}/lock").status_code == 403
    token = lock(app_with("documenten.lock", client_id="locker"), created)
    assert (
        writer.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 403
    )
    patched = writer.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert patched.status_code == 200, patched.json()
    reader = app_with("documenten.lezen", client_id="reader")
    assert reader.patch(created["url"], {"lock": token}, format="json").status_code == 403


def test_definitief_is_refused_without_the_scope(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url, status="definitief")
    writer = app_with("documenten.bijwerken", "documenten.lock", client_id="writer")
    token = lock(writer, created)
    response = writer.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert refusal(response) == (400, "status", "modify-status-definitief")
    put = writer.put(created["url"], document_body(document_type_url, lock=token), format="json")
    assert refusal(put) == (400, "status", "modify-status-definitief")
    assert EnkelvoudigInformatieObject.objects.get().titel == "Besluit"


@pytest.mark.parametrize(
    "scopes", [["documenten.geforceerd-bijwerken"], ["documenten.bijwerken", "all"]]
)
def test_definitief_is_allowed_with_the_scope(
    api: APIClient, document_type_url: str, scopes: list[str]
) -> None:
    created = create(api, document_type_url, status="definitief")
    token = lock(api, created)
    # "all": heeft_alle_autorisaties
    forcer = api if "all" in scopes else app_with(*scopes, client_id="forcer")
    response = forcer.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["titel"] == "Nieuw" and response.json()["versie"] == 2


def test_a_document_becoming_definitief_is_refused_afterwards(
    api: APIClient, document_type_url: str
) -> None:
    created = create(api, document_type_url)
    writer = app_with("documenten.bijwerken", "documenten.lock")
    token = lock(writer, created)
    body = {"status": "definitief", "lock": token}
    assert writer.patch(created["url"], body, format="json").status_code == 200
    again = writer.patch(created["url"], {"titel": "Later", "lock": token}, format="json")
    assert refusal(again) == (400, "status", "modify-status-definitief")


def test_versions(api: APIClient, document_type_url: str) -> None:
    contents = [os.urandom(50_000), os.urandom(70_000)]
    created = create(api, document_type_url, content=contents[0], titel="Een")
    assert created["versie"] == 1
    token = lock(api, created)
    second = api.patch(
        created["url"],
        document_body(document_type_url, content=contents[1], titel="Twee", lock=token),
        format="json",
    ).json()
    third = api.patch(created["url"], {"titel": "Drie", "lock": token}, format="json").json()
    assert (second["versie"], third["versie"]) == (2, 3)
    assert EnkelvoudigInformatieObjectVersie.objects.count() == 2

    versions = {n: api.get(created["url"], {"versie": n}).json() for n in (1, 2, 3)}
    assert [versions[n]["titel"] for n in (1, 2, 3)] == ["Een", "Twee", "Drie"]
    assert [versions[n]["versie"] for n in (1, 2, 3)] == [1, 2, 3]
    assert [versions[n]["bestandsomvang"] for n in (1, 2, 3)] == [50_000, 70_000, 70_000]
    assert versions[1]["beginRegistratie"] == created["beginRegistratie"]
    assert versions[3] == api.get(created["url"]).json() == third
    assert all(versions[n]["url"] == created["url"] for n in (1, 2, 3))
    assert versions[1]["informatieobjecttype"] == document_type_url
    assert versions[1]["locked"] is True  # the lock belongs to the document, not a version

    assert download(api, versions[1]["inhoud"]) == contents[0]
    assert versions[1]["inhoud"].endswith("?versie=1")
    assert download(api, f"{created['url']}/download?versie=1") == contents[0]
    assert download(api, f"{created['url']}/download?versie=2") == contents[1]
    assert download(api, f"{created['url']}/download?versie=3") == contents[1]
    assert download(api, f"{created['url']}/download") == contents[1]


def test_registratie_op(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url, content=b"one", titel="Een")
    token = lock(api, created)
    second = api.patch(
        created["url"],
        document_body(document_type_url, content=b"two", titel="Twee", lock=token),
        format="json",
    ).json()
    v1_at = datetime.datetime.fromisoformat(created["beginRegistratie"])
    v2_at = datetime.datetime.fromisoformat(second["beginRegistratie"])
    assert v1_at < v2_at

    def at(moment: datetime.datetime) -> Any:
        return api.get(created["url"], {"registratieOp": moment.isoformat()})

    assert at(v1_at).json()["titel"] == "Een"
    assert at(v1_at + (v2_at - v1_at) / 2).json()["titel"] == "Een"
    assert at(v2_at).json()["titel"] == "Twee"
    assert at(v2_at + datetime.timedelta(days=1)).json()["titel"] == "Twee"
    assert at(v1_at - datetime.timedelta(seconds=1)).status_code == 404
    between = (v1_at + (v2_at - v1_at) / 2).isoformat()
    content = api.get(f"{created['url']}/download", {"registratieOp": between})
    assert b"".join(content.streaming_content) == b"one"
    bad = api.get(created["url"], {"registratieOp": "gisteren"})
    assert refusal(bad) == (400, "registratieOp", "invalid")


def test_unknown_version_is_404(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    assert api.get(created["url"], {"versie": 1}).status_code == 200
    for versie in ("2", "99"):
        assert api.get(created["url"], {"versie": versie}).status_code == 404
        assert api.get(f"{created['url']}/download", {"versie": versie}).status_code == 404
    assert refusal(api.get(created["url"], {"versie": "een"})) == (400, "versie", "invalid")
    assert refusal(api.get(created["url"], {"versie": "0"})) == (400, "versie", "invalid")


def test_an_earlier_more_confidential_version_stays_invisible(
    api: APIClient, document_type_url: str
) -> None:
    created = create(api, document_type_url, vertrouwelijkheidaanduiding="geheim")
    token = lock(api, created)
    body = {"vertrouwelijkheidaanduiding": "openbaar", "lock": token}
    assert api.patch(created["url"], body, format="json").status_code == 200
    reader = app_with("documenten.lezen")
    assert reader.get(created["url"]).status_code == 200
    assert reader.get(created["url"], {"versie": 1}).status_code == 404
    assert api.get(created["url"], {"versie": 1}).json()["vertrouwelijkheidaanduiding"] == "geheim"


def test_delete_removes_the_content_of_every_version(
    api: APIClient,
    document_type_url: str,
    data_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = create(api, document_type_url, content=b"other", identificatie="OTHER")
    created = create(api, document_type_url, content=b"one")
    token = lock(api, created)
    patched = api.patch(created["url"], {"titel": "Twee", "lock": token}, format="json")
    assert patched.json()["versie"] == 2  # shares version 1's content
    for content in (b"two", b"three"):  # the current version's content is its own
        body = document_body(document_type_url, content=content, lock=token)
        assert api.put(created["url"], body, format="json").status_code == 200
    assert api.get(created["url"]).json()["versie"] == 4
    assert sorted(stored_bytes(key) for key in stored_files(data_dir)) == [
        b"one",
        b"other",
        b"three",
        b"two",
    ]

    assert api.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(created["url"]).status_code == 204
    assert [stored_bytes(key) for key in stored_files(data_dir)] == [b"other"]
    assert not EnkelvoudigInformatieObjectVersie.objects.exists()
    assert api.get(other["url"]).status_code == 200
    key = EnkelvoudigInformatieObject.objects.get().content_key
    assert content_storage().exists(key)


def test_a_new_document_has_no_earlier_versions(api: APIClient, document_type_url: str) -> None:
    """A new document is version 1, in its own row: the history table stays empty."""
    created = create(api, document_type_url)
    assert created["versie"] == 1
    assert not EnkelvoudigInformatieObjectVersie.objects.exists()
    assert api.get(created["url"], {"versie": 1}).json() == api.get(created["url"]).json()
