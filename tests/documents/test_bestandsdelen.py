"""Content uploaded in parts (bestandsdelen), through the Documenten API."""

import io
import os
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.documents.models import BestandsDeel, EnkelvoudigInformatieObject
from tests.documents.test_api import DOCUMENTS, create, lock
from tests.documents.test_locks_and_versions import app_with, download, refusal, stored_files
from tests.factories import document_body

pytestmark = pytest.mark.django_db
PART = 1000


@pytest.fixture(autouse=True)
def small_parts(settings: Any) -> None:
    settings.DOCLOAD_BESTANDSDEEL_SIZE = PART


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


def create_in_parts(api: APIClient, type_url: str, size: int) -> dict:
    return create(api, type_url, content=None, bestandsomvang=size)


def upload(api: APIClient, part: dict, data: bytes, lock: str | None) -> Any:
    body: dict[str, Any] = {"inhoud": io.BytesIO(data)}
    if lock is not None:
        body["lock"] = lock
    return api.put(part["url"], body, format="multipart")


def test_upload_in_parts_unlock_download(
    api: APIClient, document_type_url: str, data_dir: Path, on_commit: Any
) -> None:
    content = os.urandom(3 * PART + 123)
    created = create_in_parts(api, document_type_url, len(content))
    token = created["lock"]
    assert len(token) == 32 and created["locked"] is True
    assert created["inhoud"] is None and created["bestandsomvang"] == len(content)
    parts = created["bestandsdelen"]
    assert [(p["volgnummer"], p["omvang"], p["voltooid"]) for p in parts] == [
        (1, PART, False),
        (2, PART, False),
        (3, PART, False),
        (4, 123, False),
    ]
    assert {p["lock"] for p in parts} == {token}
    assert parts[0]["url"].startswith("http://testserver/documenten/api/v1/bestandsdelen/")
    # Reads do not show the lock.
    read = api.get(created["url"]).json()
    assert [p["lock"] for p in read["bestandsdelen"]] == [""] * 4

    for number, part in enumerate(parts):
        response = upload(api, part, content[number * PART : (number + 1) * PART], token)
        assert response.status_code == 200, response.json()
        answer = response.json()
        assert answer["url"] == part["url"] and answer["voltooid"] is True
        assert answer["lock"] == token and answer["volgnummer"] == number + 1
    assert [p["voltooid"] for p in api.get(created["url"]).json()["bestandsdelen"]] == [True] * 4
    assert len(stored_files(data_dir)) == 4

    with on_commit(execute=True):
        unlocked = api.post(f"{created['url']}/unlock", {"lock": token}, format="json")
    assert unlocked.status_code == 204
    document = api.get(created["url"]).json()
    assert document["bestandsdelen"] == [] and document["locked"] is False
    assert document["versie"] == 1 and document["bestandsomvang"] == len(content)
    assert download(api, document["inhoud"]) == content
    assert not BestandsDeel.objects.exists()
    assert len(stored_files(data_dir)) == 1  # the parts' bytes are gone


def test_every_document_answer_has_bestandsdelen(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    assert created["bestandsdelen"] == [] and created["lock"] == ""
    assert created["locked"] is False  # a base64 create is not locked
    assert api.get(created["url"]).json()["bestandsdelen"] == []
    assert api.get(DOCUMENTS).json()["results"][0]["bestandsdelen"] == []
    # No size, or size 0: no parts, no lock.
    empty = create(api, document_type_url, content=None, bestandsomvang=0)
    assert empty["bestandsdelen"] == [] and empty["locked"] is False


def test_part_count_and_sizes_follow_the_setting(
    api: APIClient, document_type_url: str, settings: Any
) -> None:
    settings.DOCLOAD_BESTANDSDEEL_SIZE = 500
    created = create_in_parts(api, document_type_url, 1500)
    assert [p["omvang"] for p in created["bestandsdelen"]] == [500, 500, 500]
    settings.DOCLOAD_BESTANDSDEEL_SIZE = 2000
    created = create_in_parts(api, document_type_url, 1)
    assert [p["omvang"] for p in created["bestandsdelen"]] == [1]


def test_too_many_parts_are_refused(api: APIClient, document_type_url: str, settings: Any) -> None:
    settings.DOCLOAD_MAX_BESTANDSDELEN = 3
    body = document_body(document_type_url, content=None, bestandsomvang=3 * PART + 1)
    assert refusal(api.post(DOCUMENTS, body, format="json")) == (400, "bestandsomvang", "max_value")
    assert not EnkelvoudigInformatieObject.objects.exists()


def test_wrong_size_and_wrong_or_missing_lock(
    api: APIClient, document_type_url: str, data_dir: Path
) -> None:
    created = create_in_parts(api, document_type_url, PART + 10)
    token = created["lock"]
    first, last = created["bestandsdelen"]
    assert refusal(upload(api, first, b"x" * (PART - 1), token)) == (400, "inhoud", "file-size")
    assert refusal(upload(api, first, b"x" * (PART + 1), token)) == (400, "inhoud", "file-size")
    assert refusal(upload(api, last, b"x" * 10, "wrong")) == (400, "lock", "incorrect-lock-id")
    assert refusal(upload(api, last, b"x" * 10, None)) == (400, "lock", "missing-lock-id")
    assert refusal(upload(api, last, b"x" * 10, "")) == (400, "lock", "missing-lock-id")
    response = api.put(last["url"], {"lock": token}, format="multipart")
    assert refusal(response) == (400, "inhoud", "required")
    assert not any(p.voltooid for p in BestandsDeel.objects.all())
    assert stored_files(data_dir) == []  # refused uploads leave no bytes
    # Only multipart bodies.
    assert api.put(last["url"], {"lock": token}, format="json").status_code == 415


def test_a_part_may_be_uploaded_again(
    api: APIClient, document_type_url: str, data_dir: Path, on_commit: Any
) -> None:
    created = create_in_parts(api, document_type_url, 5)
    token = created["lock"]
    (part,) = created["bestandsdelen"]
    assert upload(api, part, b"aaaaa", token).status_code == 200
    with on_commit(execute=True):
        assert upload(api, part, b"bbbbb", token).status_code == 200
    assert len(stored_files(data_dir)) == 1
    assert api.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 204
    assert download(api, api.get(created["url"]).json()["inhoud"]) == b"bbbbb"


def test_unlock_with_a_part_missing_is_refused(api: APIClient, document_type_url: str) -> None:
    created = create_in_parts(api, document_type_url, 2 * PART)
    token = created["lock"]
    unlock = f"{created['url']}/unlock"
    first, _ = created["bestandsdelen"]
    # Nothing uploaded: the document cannot be unlocked without content of its size.
    assert refusal(api.post(unlock, {"lock": token}, format="json")) == (
        400,
        "nonFieldErrors",
        "file-size",
    )
    assert upload(api, first, b"1" * PART, token).status_code == 200
    assert refusal(api.post(unlock, {"lock": token}, format="json")) == (
        400,
        "nonFieldErrors",
        "incomplete-upload",
    )
    locker = app_with("documenten.lock", client_id="locker")  # no forced unlock
    assert refusal(locker.post(unlock, {"lock": "wrong"}, format="json")) == (
        400,
        "lock",
        "incorrect-lock-id",
    )
    document = EnkelvoudigInformatieObject.objects.get()
    assert document.lock == token and not document.content_key
    assert BestandsDeel.objects.count() == 2


def test_forced_unlock_drops_incomplete_parts(
    document_type_url: str, api: APIClient, data_dir: Path, on_commit: Any
) -> None:
    created = create_in_parts(api, document_type_url, 2 * PART)
    first, _ = created["bestandsdelen"]
    assert upload(api, first, b"1" * PART, created["lock"]).status_code == 200
    forcer = app_with("documenten.geforceerd-unlock", "documenten.lezen", client_id="forcer")
    # The right lock is no force: refused.
    unlock = f"{created['url']}/unlock"
    assert refusal(api.post(unlock, {"lock": created["lock"]}, format="json"))[2] == (
        "incomplete-upload"
    )
    with on_commit(execute=True):
        assert forcer.post(unlock, {}, format="json").status_code == 204
    document = api.get(created["url"]).json()
    assert document["locked"] is False and document["bestandsdelen"] == []
    assert document["inhoud"] is None and document["bestandsomvang"] is None
    assert stored_files(data_dir) == []


def test_update_with_a_new_size_starts_new_parts(
    api: APIClient, document_type_url: str, data_dir: Path
) -> None:
    created = create(api, document_type_url, content=b"v1", bestandsomvang=2)
    token = lock(api, created)
    # Without inhoud null, or with the same size: the content stays.
    body: dict[str, Any] = {"inhoud": None, "bestandsomvang": 2, "lock": token}
    same = api.patch(created["url"], body, format="json")
    assert same.status_code == 200 and same.json()["bestandsdelen"] == []
    assert same.json()["inhoud"] is not None

    content = os.urandom(PART + 1)
    body = {"inhoud": None, "bestandsomvang": len(content), "lock": token}
    patched = api.patch(created["url"], body, format="json")
    assert patched.status_code == 200, patched.json()
    answer = patched.json()
    assert answer["versie"] == 3 and answer["inhoud"] is None
    parts = answer["bestandsdelen"]
    assert [(p["omvang"], p["lock"]) for p in parts] == [(PART, token), (1, token)]
    assert "lock" not in answer
    # A metadata update keeps the parts.
    titled = api.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert [p["url"] for p in titled.json()["bestandsdelen"]] == [p["url"] for p in parts]

    assert upload(api, parts[0], content[:PART], token).status_code == 200
    assert upload(api, parts[1], content[PART:], token).status_code == 200
    assert api.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 204
    document = api.get(created["url"]).json()
    assert document["versie"] == 4 and download(api, document["inhoud"]) == content
    # Earlier versions keep their content.
    assert download(api, f"{created['url']}/download?versie=1") == b"v1"
    assert api.get(f"{created['url']}?versie=3").json()["bestandsdelen"] == []


def test_new_content_replaces_parts(api: APIClient, document_type_url: str, data_dir: Path) -> None:
    created = create_in_parts(api, document_type_url, 10)
    token = created["lock"]
    assert upload(api, created["bestandsdelen"][0], b"0123456789", token).status_code == 200
    body = document_body(document_type_url, content=b"whole", lock=token)
    put = api.put(created["url"], body, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["bestandsdelen"] == [] and not BestandsDeel.objects.exists()
    # An upload to a part that is gone.
    old = upload(api, created["bestandsdelen"][0], b"0123456789", token)
    assert old.status_code == 404
    assert api.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 204
    assert download(api, api.get(created["url"]).json()["inhoud"]) == b"whole"


def test_upload_scope_and_visibility(api: APIClient, document_type_url: str) -> None:
    created = create_in_parts(api, document_type_url, 3)
    (part,) = created["bestandsdelen"]
    reader = app_with("documenten.lezen", client_id="reader")
    assert upload(reader, part, b"abc", created["lock"]).status_code == 403
    writer = app_with("documenten.bijwerken", client_id="writer")
    assert upload(writer, part, b"abc", created["lock"]).status_code == 200
    assert api.patch(part["url"], {}, format="json").status_code == 405


def test_a_document_with_parts_is_locked_so_not_deleted(
    api: APIClient, document_type_url: str
) -> None:
    created = create_in_parts(api, document_type_url, 3)
    (part,) = created["bestandsdelen"]
    assert upload(api, part, b"abc", created["lock"]).status_code == 200
    assert api.delete(created["url"]).json()["code"] == "destroy-locked"
