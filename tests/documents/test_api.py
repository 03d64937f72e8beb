import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import EnkelvoudigInformatieObject
from docload.documents.storage import content_storage
from tests.conftest import client_for
from tests.factories import VALID_RSIN, document_body
from tests.storage import stored_keys

pytestmark = pytest.mark.django_db
DOCUMENTS = "/documenten/api/v1/enkelvoudiginformatieobjecten"


def create(api: APIClient, type_url: str, **kwargs: Any) -> dict:
    response = api.post(DOCUMENTS, document_body(type_url, **kwargs), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def lock(api: APIClient, document: dict) -> str:
    response = api.post(f"{document['url']}/lock")
    assert response.status_code == 200, response.json()
    token: str = response.json()["lock"]
    return token


def test_create_list_download_patch_delete(
    api: APIClient, document_type_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    content = os.urandom(300_000)
    created = create(api, document_type_url, content=content)
    assert created["identificatie"].startswith("DOCUMENT-")
    assert created["bestandsomvang"] == len(content)
    assert created["url"].startswith("http://testserver/documenten/api/v1/")

    listed = api.get(DOCUMENTS).json()
    assert listed["count"] == 1 and listed["results"][0]["url"] == created["url"]

    download = api.get(created["inhoud"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert "besluit.txt" in download["Content-Disposition"]

    token = lock(api, created)
    patched = api.patch(created["url"], {"titel": "Nieuw", "lock": token}, format="json")
    assert patched.status_code == 200
    assert patched.json()["titel"] == "Nieuw" and patched.json()["versie"] == 2

    document = EnkelvoudigInformatieObject.objects.get()
    assert content_storage().exists(document.content_key)
    refused = api.delete(created["url"])
    assert refused.status_code == 400 and refused.json()["code"] == "destroy-locked"
    assert api.post(f"{created['url']}/unlock", {"lock": token}, format="json").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(created["url"]).status_code == 204
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not content_storage().exists(document.content_key)


def test_put_replaces_content_and_keeps_the_old_bytes_as_version_1(
    api: APIClient, document_type_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    created = create(api, document_type_url, content=b"old")
    old_key = EnkelvoudigInformatieObject.objects.get().content_key
    body = document_body(
        document_type_url, content=b"brand new", titel="Vervangen", lock=lock(api, created)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(created["url"], body, format="json")
    assert response.status_code == 200, response.json()
    assert b"".join(api.get(created["inhoud"]).streaming_content) == b"brand new"
    assert content_storage().exists(old_key)
    old = api.get(f"{created['inhoud']}?versie=1")
    assert b"".join(old.streaming_content) == b"old"


def test_document_without_content(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url, content=None)
    assert created["inhoud"] is None
    assert api.get(f"{created['url']}/download").status_code == 404


def test_invalid_rsin_is_refused_with_invalid_params(
    api: APIClient, document_type_url: str, data_dir: Path
) -> None:
    response = api.post(
        DOCUMENTS, document_body(document_type_url, bronorganisatie="123456789"), format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "code", "title", "status", "detail", "instance"} <= problem.keys()
    assert [p["name"] for p in problem["invalidParams"]] == ["bronorganisatie"]
    assert not stored_keys()


def test_duplicate_identificatie_is_refused(api: APIClient, document_type_url: str) -> None:
    create(api, document_type_url, identificatie="ZAAK-1")
    response = api.post(
        DOCUMENTS, document_body(document_type_url, identificatie="ZAAK-1"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "identificatie-niet-uniek"


@pytest.mark.django_db(transaction=True)
def test_an_identificatie_taken_between_check_and_insert_is_the_same_400(
    api: APIClient, document_type_url: str, data_dir: Path
) -> None:
    """Two creates race: the other one commits right after this one checked uniqueness."""
    body = document_body(document_type_url, identificatie="RACE-1")
    raced = False

    def after_the_check(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal raced
        result = execute(sql, params, many, context)
        if not raced and sql.startswith("SELECT") and '"identificatie"' in sql:
            raced = True  # the other create, committed now (this request is in autocommit)
            assert (
                client_for(Applicatie.objects.get())
                .post(DOCUMENTS, body, format="json")
                .status_code
                == 201
            )
        return result

    with connection.execute_wrapper(after_the_check):
        response = api.post(DOCUMENTS, body, format="json")
    assert raced
    assert response.status_code == 400, response.content
    assert response.json()["invalidParams"][0]["code"] == "identificatie-niet-uniek"
    assert EnkelvoudigInformatieObject.objects.filter(identificatie="RACE-1").count() == 1
    stored = stored_keys()
    assert len(stored) == 1  # the loser's bytes are gone


def test_bad_base64_is_refused(api: APIClient, document_type_url: str) -> None:
    body = document_body(document_type_url, inhoud="not base64!!")
    response = api.post(DOCUMENTS, body, format="json")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "inhoud"


def test_filters(api: APIClient, document_type_url: str) -> None:
    create(api, document_type_url, identificatie="A", creatiedatum="2024-01-01")
    create(api, document_type_url, identificatie="B", creatiedatum="2024-06-01")

    def identificaties(query: str) -> list[str]:
        return [d["identificatie"] for d in api.get(f"{DOCUMENTS}?{query}").json()["results"]]

    assert identificaties("identificatie=B") == ["B"]
    assert identificaties("creatiedatum__gte=2024-03-01") == ["B"]
    assert identificaties("creatiedatum__lte=2024-03-01") == ["A"]
    assert identificaties(f"informatieobjecttype={document_type_url}") == ["A", "B"]
    assert identificaties(f"bronorganisatie={VALID_RSIN}") == ["A", "B"]
    bad = api.get(f"{DOCUMENTS}?creatiedatum__gte=gisteren")
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "creatiedatum__gte"


def test_pagination_is_by_hundred(api: APIClient, document_type_url: str) -> None:
    for number in range(101):
        create(api, document_type_url, content=None, identificatie=f"D{number}")
    first = api.get(DOCUMENTS).json()
    assert first["count"] == 101 and len(first["results"]) == 100 and first["next"]
    assert len(api.get(first["next"]).json()["results"]) == 1


def test_confidential_documents_are_invisible_above_the_maximum(
    api: APIClient, document_type_url: str
) -> None:
    create(api, document_type_url, identificatie="OPEN")
    secret = create(
        api, document_type_url, identificatie="SECRET", vertrouwelijkheidaanduiding="geheim"
    )
    reader = client_for(
        Applicatie.objects.create(
            client_id="reader",
            scopes=["documenten.lezen"],
            max_vertrouwelijkheidaanduiding="intern",
        )
    )
    assert [d["identificatie"] for d in reader.get(DOCUMENTS).json()["results"]] == ["OPEN"]
    assert reader.get(secret["url"]).status_code == 404
    assert reader.get(f"{secret['url']}/download").status_code == 404


def test_scope_is_required(document_type_url: str) -> None:
    reader = client_for(Applicatie.objects.create(client_id="reader", scopes=["documenten.lezen"]))
    response = reader.post(DOCUMENTS, document_body(document_type_url), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert reader.get(DOCUMENTS).status_code == 200


def test_errors_are_problem_json(api: APIClient) -> None:
    for response, status in (
        (APIClient().get(DOCUMENTS), 401),
        (api.get(f"{DOCUMENTS}/00000000-0000-0000-0000-000000000000"), 404),
        (api.get("/no/such/path"), 404),
        (api.put(DOCUMENTS, {}, format="json"), 405),
        (api.post(DOCUMENTS, "x", content_type="text/plain"), 415),
    ):
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == status


def test_body_over_the_limit_gets_413(api: APIClient, settings: Any) -> None:
    settings.DOCLOAD_MAX_JSON_BYTES = 1000
    response = api.post(DOCUMENTS, {"titel": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_object_links(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    zaak = "https://zaken.example/api/v1/zaken/1"
    body = {"informatieobject": created["url"], "object": zaak, "objectType": "zaak"}
    link = api.post("/documenten/api/v1/objectinformatieobjecten", body, format="json")
    assert link.status_code == 201, link.json()
    again = api.post("/documenten/api/v1/objectinformatieobjecten", body, format="json")
    assert again.status_code == 400
    listed = api.get(f"/documenten/api/v1/objectinformatieobjecten?object={zaak}").json()
    assert [item["informatieobject"] for item in listed] == [created["url"]]  # a plain array
    refused = api.delete(created["url"])
    assert refused.status_code == 400 and refused.json()["code"] == "pending-relations"
    assert api.delete(link.json()["url"]).status_code == 204
    assert api.delete(created["url"]).status_code == 204


def test_put_without_identificatie_keeps_it(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url, content=None)
    body = document_body(
        document_type_url, content=None, titel="Vervangen", lock=lock(api, created)
    )
    replaced = api.put(created["url"], body, format="json").json()
    assert replaced["identificatie"] == created["identificatie"]
    assert replaced["titel"] == "Vervangen"
    assert replaced["ondertekening"] == {"soort": "", "datum": None}


@pytest.mark.parametrize(
    "page", ["99999999999999999999", str(2**63), "-1", "abc", "0", "", "٣", ["1", "2"]]
)
def test_a_page_out_of_range_is_404_not_500(api: APIClient, page: str | list[str]) -> None:
    api.raise_request_exception = False
    for url in (DOCUMENTS, "/catalogi/api/v1/informatieobjecttypen"):
        response = api.get(url, {"page": page})
        # No such page (404), or a page parameter empty or given twice (400).
        expected = 400 if page == "" or isinstance(page, list) else 404
        assert response.status_code == (404 if "catalogi" in url else expected), url
        assert response["Content-Type"] == "application/problem+json"


def test_a_body_that_is_not_json_is_a_validation_error(api: APIClient) -> None:
    response = api.generic("POST", DOCUMENTS, b"{not json", "application/json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "parse_error"
    assert [p["name"] for p in problem["invalidParams"]] == ["nonFieldErrors"]
    assert "JSON parse error" in problem["detail"]
