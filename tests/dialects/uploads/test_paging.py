"""Definitions with many files: embedded files capped, counts, files paged, many added at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from docload.imports.models import Job
from tests.conftest import run_worker
from tests.dialects.uploads.test_views import BASE, codes, create, process, upload
from tests.factories import csv_text, metadata_row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def embed_three(settings: Any) -> None:
    settings.UPLOAD_EMBEDDED_FILES = 3


def names(count: int) -> list[str]:
    return [f"doc-{n:03}.bin" for n in range(count)]


def files_page(api: APIClient, definition_id: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"{BASE}/{definition_id}/files", params)
    assert response.status_code == 200, response.content
    return dict(response.json())


def upload_by_id(api: APIClient, definition_id: str, file_id: str, content: bytes) -> Any:
    """Upload to a file found by paging, not among the embedded ones."""
    url = f"{BASE}/{definition_id}/files/{file_id}"
    return api.generic(
        "POST", url, content, "application/octet-stream", CONTENT_LENGTH=str(len(content))
    )


def test_a_small_definition_embeds_every_file_as_folio_does(api: APIClient) -> None:
    definition = create(api, "metadata.csv", "a.pdf")
    assert [f["name"] for f in definition["fileDefinitions"]] == ["metadata.csv", "a.pdf"]
    assert definition["totalFiles"] == 2
    assert definition["fileStatusCounts"] == {"NEW": 2, "UPLOADING": 0, "UPLOADED": 0, "ERROR": 0}


def test_a_large_definition_embeds_the_first_files_and_counts_them_all(api: APIClient) -> None:
    definition = create(api, *names(10))
    assert [f["name"] for f in definition["fileDefinitions"]] == names(3)
    assert definition["totalFiles"] == 10
    uploaded = upload(api, definition, "doc-001.bin", b"x")
    assert uploaded.status_code == 200
    body = uploaded.json()
    assert len(body["fileDefinitions"]) == 3 and body["totalFiles"] == 10
    assert body["fileStatusCounts"] == {"NEW": 9, "UPLOADING": 0, "UPLOADED": 1, "ERROR": 0}
    assert body["status"] == "IN_PROGRESS"
    listed = api.get(BASE).json()["uploadDefinitions"]
    assert [len(d["fileDefinitions"]) for d in listed] == [3]


def test_files_page_with_offset_limit_and_status_query(api: APIClient) -> None:
    definition = create(api, *names(10))
    every = files_page(api, definition["id"], limit=100)
    assert [f["name"] for f in every["fileDefinitions"]] == names(10)
    assert every["totalRecords"] == 10
    page = files_page(api, definition["id"], offset=4, limit=3)
    assert [f["name"] for f in page["fileDefinitions"]] == names(10)[4:7]
    assert page["totalRecords"] == 10

    by_name = {f["name"]: f for f in every["fileDefinitions"]}
    for name in ("doc-002.bin", "doc-007.bin"):
        response = upload_by_id(api, definition["id"], by_name[name]["id"], b"bytes")
        assert response.status_code == 200
    done = files_page(api, definition["id"], query="status==UPLOADED")
    assert [f["name"] for f in done["fileDefinitions"]] == ["doc-002.bin", "doc-007.bin"]
    assert done["totalRecords"] == 2
    assert all(f["status"] == "UPLOADED" and f["sha256"] for f in done["fileDefinitions"])
    waiting = files_page(api, definition["id"], query="status==NEW sortBy name/sort.descending")
    assert waiting["totalRecords"] == 8
    assert waiting["fileDefinitions"][0]["name"] == "doc-009.bin"


def test_files_page_refuses_bad_queries_and_unknown_definitions(api: APIClient) -> None:
    definition = create(api, "a.pdf")
    bad = api.get(f"{BASE}/{definition['id']}/files", {"query": "size==3"})
    assert bad.status_code == 422 and codes(bad) == ["invalid-query"]
    bad = api.get(f"{BASE}/{definition['id']}/files", {"limit": "-1"})
    assert bad.status_code == 422
    missing = api.get(f"{BASE}/00000000-0000-4000-8000-000000000000/files")
    assert missing.status_code == 404 and codes(missing) == ["not_found"]


@pytest.mark.parametrize(
    "parameters",
    [
        {"offset": "99999999999999999999"},
        {"limit": str(2**63)},
        {"offset": "2147483648"},
        {"limit": "1e3"},
        {"offset": "+1"},
        {"limit": "٣"},  # a digit, but not an ASCII one
        {"limit": ["1", "2"]},  # given twice
    ],
)
def test_paging_parameters_out_of_range_are_422(api: APIClient, parameters: dict[str, str]) -> None:
    definition = create(api, "a.pdf")
    for url in (BASE, f"{BASE}/{definition['id']}/files"):
        api.raise_request_exception = False
        response = api.get(url, parameters)
        assert response.status_code == 422, (url, response.content)
        assert codes(response) == ["invalid"]
    assert api.get(BASE, {"offset": "2147483647", "limit": "2147483647"}).status_code == 200


def test_many_files_are_added_in_one_call(api: APIClient) -> None:
    definition = create(api, "metadata.csv")
    body = {"fileDefinitions": [{"name": name} for name in names(50)]}
    response = api.post(f"{BASE}/{definition['id']}/files", body, "json")
    assert response.status_code == 201, response.content
    assert response.json()["totalFiles"] == 51
    assert files_page(api, definition["id"])["totalRecords"] == 51

    # One name already there: nothing of the call is added, and the error names it.
    again = {"fileDefinitions": [{"name": "new.bin"}, {"name": "doc-004.bin"}]}
    refused = api.post(f"{BASE}/{definition['id']}/files", again, "json")
    assert refused.status_code == 422 and codes(refused) == ["unique"]
    assert refused.json()["errors"][0]["parameters"] == [{"key": "name", "value": "doc-004.bin"}]
    assert files_page(api, definition["id"])["totalRecords"] == 51
    twice = {"fileDefinitions": [{"name": "x.bin"}, {"name": "x.bin"}]}
    assert api.post(f"{BASE}/{definition['id']}/files", twice, "json").status_code == 422
    empty = api.post(f"{BASE}/{definition['id']}/files", {"fileDefinitions": []}, "json")
    assert empty.status_code == 422


def test_an_upload_makes_the_same_number_of_queries_however_many_files(api: APIClient) -> None:
    def queries_of_one_upload(count: int) -> int:
        definition = create(api, *names(count))
        with CaptureQueriesContext(connection) as captured:
            assert upload(api, definition, "doc-000.bin", b"x").status_code == 200
        area_updates = [
            q["sql"] for q in captured if q["sql"].startswith('UPDATE "imports_stagingarea"')
        ]
        # Writing the area's uuid, which its files refer to, makes SQLite check every file.
        assert area_updates and not [
            sql for sql in area_updates if '"uuid" =' in sql.split("WHERE")[0]
        ]
        return len(captured)

    assert queries_of_one_upload(5) == queries_of_one_upload(200)


def test_a_definition_with_more_files_than_embedded_is_processed_whole(
    api: APIClient, document_type_url: str
) -> None:
    contents = {name: name.encode() * 10 for name in names(8)}
    rows = [metadata_row(document_type_url, bestandspad=name, titel=name) for name in contents]
    definition = create(api, *contents, "metadata.csv")
    every = files_page(api, definition["id"])["fileDefinitions"]
    for file in every:
        content = contents.get(file["name"]) or csv_text(rows).encode()
        assert upload_by_id(api, definition["id"], file["id"], content).status_code == 200
    assert process(api, definition["id"]).status_code == 204
    run_worker()
    job = Job.objects.get(uuid=api.get(f"{BASE}/{definition['id']}").json()["metaJobExecutionId"])
    assert (job.status, job.total, job.succeeded) == ("finished", 8, 8)
