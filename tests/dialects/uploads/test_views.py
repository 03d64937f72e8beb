"""Upload definitions through HTTP: every endpoint, status transition and error of the spec."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.models import Job, StagedFile, StagingArea
from tests.conftest import client_for, run_worker
from tests.factories import csv_text, metadata_row
from tests.storage import stored_bytes, stored_keys
from tests.workbooks import documents_workbook

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/data-import/uploadDefinitions"


def create(api: APIClient, *names: str) -> dict[str, Any]:
    response = api.post(BASE, {"fileDefinitions": [{"name": name} for name in names]}, "json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def file_id(definition: dict[str, Any], name: str) -> str:
    return next(f["id"] for f in definition["fileDefinitions"] if f["name"] == name)


def file_of(definition: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in definition["fileDefinitions"] if f["name"] == name)


def file_url(definition: dict[str, Any], name: str) -> str:
    return f"{BASE}/{definition['id']}/files/{file_id(definition, name)}"


def upload(
    api: APIClient, definition: dict[str, Any], name: str, content: bytes, **extra: Any
) -> Any:
    extra.setdefault("CONTENT_LENGTH", str(len(content)))
    return api.generic(
        "POST", file_url(definition, name), content, "application/octet-stream", **extra
    )


def process(api: APIClient, definition_id: str, body: Any = None) -> Any:
    if body is None:
        body = {"uploadDefinition": {"id": definition_id}}
    return api.post(f"{BASE}/{definition_id}/processFiles", body, "json")


def errors(response: Any) -> list[tuple[str, str]]:
    """(message, code) of each FOLIO error, after checking the shape."""
    body = response.json()
    assert set(body) == {"errors", "total_records"}
    assert body["total_records"] == len(body["errors"]) > 0
    for error in body["errors"]:
        assert set(error) == {"message", "type", "code", "parameters"}
        assert all(set(parameter) == {"key", "value"} for parameter in error["parameters"])
    return [(error["message"], error["code"]) for error in body["errors"]]


def codes(response: Any) -> list[str]:
    return [code for _, code in errors(response)]


def staged_files(data_dir: Path) -> list[str]:
    return [key.removeprefix("staging/") for key in stored_keys("staging")]


class SlowInput(io.BytesIO):
    """A request body that runs `during` once its first chunk has been read."""

    def __init__(self, content: bytes, during: Callable[[], None]) -> None:
        super().__init__(content)
        self.during: Callable[[], None] | None = during

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self.during is not None and self.tell() > 0:
            during, self.during = self.during, None
            during()
        return chunk


class FailingInput(io.BytesIO):
    """A request body whose connection breaks after some bytes."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() > 0:
            raise OSError("connection reset by peer")
        return super().read(4)


# --- create, read, list ------------------------------------------------------------------------


def test_create_answers_201_with_location_files_and_metadata(api: APIClient) -> None:
    response = api.post(
        BASE,
        {
            "fileDefinitions": [
                {"name": "metadata.csv", "uiKey": "k1", "size": 2},
                {"name": "a.pdf"},
            ]
        },
        "json",
    )
    assert response.status_code == 201
    definition = response.json()
    assert response["Location"] == f"http://testserver{BASE}/{definition['id']}"
    assert definition["status"] == "NEW"
    assert definition["metaJobExecutionId"] is None and definition["importStatus"] is None
    assert definition["metadata"]["createdByUserId"] == "docload"  # the token's user_id
    assert definition["metadata"]["createdDate"] == definition["createDate"]
    first = definition["fileDefinitions"][0]
    assert first["name"] == "metadata.csv" and first["uiKey"] == "k1" and first["size"] == 2
    assert first["status"] == "NEW" and first["uploadDefinitionId"] == definition["id"]
    assert first["sourcePath"] is None and first["uploadedDate"] is None
    assert [f["name"] for f in definition["fileDefinitions"]] == ["metadata.csv", "a.pdf"]
    assert api.get(response["Location"]).json() == definition


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"fileDefinitions": [{"size": 1}]}, "required"),
        ({"fileDefinitions": [{"name": ""}]}, "blank"),
        ({"fileDefinitions": [{"name": "../a.pdf"}]}, "invalid"),
        ({"fileDefinitions": [{"name": "dir\\a.pdf"}]}, "invalid"),
        ({"fileDefinitions": [{"name": ".."}]}, "invalid"),
        ({"fileDefinitions": [{"name": 7}]}, "invalid"),
        ({"fileDefinitions": [{"name": "a.pdf", "uiKey": 1}]}, "invalid"),
        ({"fileDefinitions": [{"name": "é" * 128 + ".pdf"}]}, "max_length"),
        ({"fileDefinitions": [{"name": "a.pdf", "size": -1}]}, "min_value"),
        ({"fileDefinitions": [{"name": "a.pdf"}, {"name": "a.pdf"}]}, "unique"),
        ([{"name": "a.pdf"}], "invalid"),
    ],
)
def test_create_refuses_malformed_bodies(api: APIClient, body: Any, code: str) -> None:
    response = api.post(BASE, body, "json")
    assert response.status_code == 422
    assert codes(response) == [code]
    assert not StagingArea.objects.exists()


def test_a_body_that_is_not_json_is_422(api: APIClient) -> None:
    response = api.generic("POST", BASE, b"{not json", "application/json")
    assert response.status_code == 422
    assert codes(response) == ["parse_error"]


def test_create_refuses_declared_sizes_beyond_free_space(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("docload.imports.areas.free_staging_bytes", lambda: 3 * 1024**2)
    files = [{"name": "a.pdf", "size": 1024}, {"name": "b.pdf", "size": 2048}, {"name": "c.pdf"}]
    response = api.post(BASE, {"fileDefinitions": files}, "json")
    assert response.status_code == 422
    # FOLIO counts the sizes up: the second file no longer fits.
    assert errors(response) == [("upload.fileSize.invalid", "b.pdf")]
    assert not StagingArea.objects.exists()


def test_create_refuses_blocked_extensions(api: APIClient, settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe", ".bat"]
    names = ["metadata.csv", "setup.EXE", "run.bat"]
    response = api.post(BASE, {"fileDefinitions": [{"name": n} for n in names]}, "json")
    assert response.status_code == 422
    assert errors(response) == [
        ("validation.uploadDefinition.fileExtension.blocked", "setup.EXE"),
        ("validation.uploadDefinition.fileExtension.blocked", "run.bat"),
    ]


def test_file_extensions_lists_the_rules(api: APIClient, settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe"]
    body = api.get("/data-import/fileExtensions").json()
    assert body["totalRecords"] == 3
    assert [(r["extension"], r["importBlocked"]) for r in body["fileExtensions"]] == [
        (".csv", False),
        (".xlsx", False),
        (".exe", True),
    ]


def test_list_pages_with_offset_and_limit(api: APIClient) -> None:
    ids = [create(api, f"{n}.pdf")["id"] for n in range(12)]
    first = api.get(BASE).json()
    assert first["totalRecords"] == 12
    assert [d["id"] for d in first["uploadDefinitions"]] == ids[:10]
    rest = api.get(BASE, {"offset": 10, "limit": 5}).json()
    assert [d["id"] for d in rest["uploadDefinitions"]] == ids[10:]
    assert api.get(BASE, {"limit": 0}).json() == {"uploadDefinitions": [], "totalRecords": 12}
    for bad in ({"offset": "-1"}, {"limit": "ten"}):
        response = api.get(BASE, bad)
        assert response.status_code == 422 and codes(response) == ["invalid"]


def test_list_filters_with_cql(api: APIClient, document_type_url: str) -> None:
    new = create(api, "a.pdf")
    loaded = create(api, "b.pdf")
    assert upload(api, loaded, "b.pdf", b"b").status_code == 200
    done = create(api, "metadata.csv")
    rows = [metadata_row(document_type_url)]
    assert upload(api, done, "metadata.csv", csv_text(rows).encode()).status_code == 200
    assert process(api, done["id"]).status_code == 204
    job_uuid = StagingArea.objects.get(uuid=done["id"]).job_uuid

    def found(query: str) -> list[str]:
        response = api.get(BASE, {"query": query})
        assert response.status_code == 200, response.content
        return [d["id"] for d in response.json()["uploadDefinitions"]]

    assert found("status==NEW") == [new["id"]]
    assert found('status==("LOADED" or "COMPLETED")') == [loaded["id"], done["id"]]
    assert found(f"id=={new['id']} or id=={done['id']}") == [new["id"], done["id"]]
    assert found(f"(status==NEW or status==LOADED) and id=={loaded['id']}") == [loaded["id"]]
    assert found(f"metaJobExecutionId=={job_uuid}") == [done["id"]]
    assert found("id==not-a-uuid") == []
    assert found("cql.allRecords=1 sortBy createDate/sort.descending") == [
        done["id"],
        loaded["id"],
        new["id"],
    ]
    response = api.get(BASE, {"query": "status==NEW and"})
    assert response.status_code == 422
    assert codes(response) == ["invalid-query"]
    assert response.json()["errors"][0]["parameters"] == [
        {"key": "query", "value": "status==NEW and"}
    ]


def test_unknown_definitions_and_paths_are_404_in_folio_shape(api: APIClient) -> None:
    missing = "6b1a2f8e-3c7d-4a55-9b0e-0d2f3a4b5c6d"
    definition = create(api, "a.pdf")
    for response in (
        api.get(f"{BASE}/{missing}"),
        api.put(f"{BASE}/{missing}", {}, "json"),
        api.delete(f"{BASE}/{missing}"),
        api.post(f"{BASE}/{missing}/files", {"name": "b.pdf"}, "json"),
        api.delete(f"{BASE}/{definition['id']}/files/{missing}"),
        api.generic("POST", f"{BASE}/{definition['id']}/files/{missing}", b"x"),
        api.generic("POST", f"{BASE}/{missing}/files/{file_id(definition, 'a.pdf')}", b"x"),
        process(api, missing),
        api.get(f"{BASE}/not-a-uuid"),
        api.get("/data-import/nothing/here"),
    ):
        assert response.status_code == 404
        assert codes(response) == ["not_found"]


def test_put_records_the_change_and_keeps_the_rest(api: APIClient) -> None:
    definition = create(api, "a.pdf")
    other = Applicatie.objects.create(client_id="other", heeft_alle_autorisaties=True)
    response = client_for(other).put(
        f"{BASE}/{definition['id']}", {**definition, "status": "COMPLETED"}, "json"
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["status"] == "NEW"
    assert updated["fileDefinitions"] == definition["fileDefinitions"]
    assert updated["metadata"]["updatedDate"] > definition["metadata"]["updatedDate"]
    assert updated["metadata"]["updatedByUserId"] == "docload"
    assert updated["metadata"]["createdDate"] == definition["metadata"]["createdDate"]

    wrong_id = api.put(f"{BASE}/{definition['id']}", {"id": create(api, "b.pdf")["id"]}, "json")
    not_object = api.put(f"{BASE}/{definition['id']}", [1], "json")
    no_body = api.generic("PUT", f"{BASE}/{definition['id']}", b"", "application/json")
    codes_seen = (wrong_id.status_code, not_object.status_code, no_body.status_code)
    assert codes_seen == (422, 422, 422)


# --- files: add, upload, delete ---------------------------------------------------------------


def test_upload_walks_the_file_and_definition_statuses(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "a.pdf", "b.pdf")
    seen: list[tuple[str, str]] = []

    def observe() -> None:
        file = StagedFile.objects.get(uuid=file_id(definition, "a.pdf"))
        seen.append((file.status, file.area.status))

    content = os.urandom(3 * 1024 * 1024)
    response = upload(
        api,
        definition,
        "a.pdf",
        b"",
        **{"wsgi.input": SlowInput(content, observe), "CONTENT_LENGTH": str(len(content))},
    )
    assert response.status_code == 200
    assert seen == [("UPLOADING", "IN_PROGRESS")]
    after_one = response.json()
    a = file_of(after_one, "a.pdf")
    assert after_one["status"] == "IN_PROGRESS"
    assert a["status"] == "UPLOADED" and a["uploadedDate"]
    assert a["sha256"] == hashlib.sha256(content).hexdigest()
    assert a["sourcePath"].startswith(f"{definition['id']}/")  # the definition's staging area
    assert stored_bytes(f"staging/{a['sourcePath']}") == content

    after_two = upload(api, definition, "b.pdf", b"bee").json()
    assert after_two["status"] == "LOADED"
    assert {f["status"] for f in after_two["fileDefinitions"]} == {"UPLOADED"}
    assert staged_files(data_dir) == sorted(f["sourcePath"] for f in after_two["fileDefinitions"])


def test_uploading_again_replaces_the_bytes(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "a.txt")
    upload(api, definition, "a.txt", b"a long first version")
    replaced = file_of(upload(api, definition, "a.txt", b"short").json(), "a.txt")
    assert replaced["sha256"] == hashlib.sha256(b"short").hexdigest()
    assert stored_bytes(f"staging/{replaced['sourcePath']}") == b"short"
    assert len(staged_files(data_dir)) == 1
    assert StagedFile.objects.get().sha256 == replaced["sha256"]


def test_an_empty_file_can_be_uploaded(api: APIClient) -> None:
    definition = create(api, "empty.txt")
    response = upload(api, definition, "empty.txt", b"")
    assert response.status_code == 200
    assert file_of(response.json(), "empty.txt")["sha256"] == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize(
    "body",
    [
        {"wsgi.input": io.BytesIO(b"only ten b"), "CONTENT_LENGTH": "1000"},
        {"wsgi.input": FailingInput(b"x" * 100), "CONTENT_LENGTH": "100"},
    ],
    ids=["short-body", "read-error"],
)
def test_an_interrupted_upload_is_error_400_and_leaves_no_bytes(
    api: APIClient, data_dir: Path, body: dict[str, Any]
) -> None:
    definition = create(api, "a.pdf", "b.pdf")
    assert upload(api, definition, "a.pdf", b"complete earlier version").status_code == 200
    assert upload(api, definition, "b.pdf", b"b").json()["status"] == "LOADED"

    response = upload(api, definition, "a.pdf", b"", **body)

    assert response.status_code == 400
    assert codes(response) == ["upload-interrupted"]
    current = api.get(f"{BASE}/{definition['id']}").json()
    a = file_of(current, "a.pdf")
    assert (a["status"], a["sha256"], a["sourcePath"]) == ("ERROR", "", None)
    assert current["status"] == "IN_PROGRESS"
    assert staged_files(data_dir) == [file_of(current, "b.pdf")["sourcePath"]]
    assert list(StagedFile.objects.exclude(key="").values_list("name", flat=True)) == ["b.pdf"]
    # Uploading again recovers the file.
    assert upload(api, definition, "a.pdf", b"again").json()["status"] == "LOADED"


def test_a_definition_whose_every_file_failed_is_error(api: APIClient) -> None:
    definition = create(api, "a.pdf")
    short = {"wsgi.input": io.BytesIO(b"abc"), "CONTENT_LENGTH": "10"}
    assert upload(api, definition, "a.pdf", b"", **short).status_code == 400
    assert api.get(f"{BASE}/{definition['id']}").json()["status"] == "ERROR"


def test_an_older_upload_never_overwrites_a_newer_one(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "a.txt")
    newer: list[Any] = []

    def upload_newer() -> None:
        newer.append(upload(api, definition, "a.txt", b"newer"))

    older = upload(
        api,
        definition,
        "a.txt",
        b"",
        **{"wsgi.input": SlowInput(b"older", upload_newer), "CONTENT_LENGTH": "5"},
    )

    assert newer[0].status_code == 200
    assert older.status_code == 409 and codes(older) == ["superseded"]
    file = file_of(api.get(f"{BASE}/{definition['id']}").json(), "a.txt")
    assert file["sha256"] == hashlib.sha256(b"newer").hexdigest()
    assert stored_bytes(f"staging/{file['sourcePath']}") == b"newer"
    assert len(staged_files(data_dir)) == 1


def test_an_upload_to_a_definition_deleted_meanwhile_is_404_and_leaves_nothing(
    api: APIClient, data_dir: Path
) -> None:
    definition = create(api, "a.txt")

    def delete_definition() -> None:
        assert api.delete(f"{BASE}/{definition['id']}").status_code == 204

    body = {"wsgi.input": SlowInput(b"bytes", delete_definition), "CONTENT_LENGTH": "5"}
    response = upload(api, definition, "a.txt", b"", **body)

    assert response.status_code == 404
    assert staged_files(data_dir) == []


def test_an_upload_needs_a_content_length(api: APIClient) -> None:
    definition = create(api, "a.pdf")
    response = api.generic("POST", file_url(definition, "a.pdf"), b"")
    assert response.status_code == 411 and codes(response) == ["length-required"]


def test_an_upload_over_the_size_limit_is_413_in_folio_shape(api: APIClient, settings: Any) -> None:
    settings.DOCLOAD_MAX_UPLOAD_BYTES = 10
    definition = create(api, "a.pdf")
    response = upload(api, definition, "a.pdf", b"x" * 11)
    assert response.status_code == 413 and response["Connection"] == "close"
    assert errors(response) == [
        ("The request body is 11 bytes; the limit is 10 bytes.", "request_too_large")
    ]
    assert file_of(api.get(f"{BASE}/{definition['id']}").json(), "a.pdf")["status"] == "NEW"
    assert not StagedFile.objects.exclude(key="").exists()


def test_a_json_body_over_its_limit_is_413_in_folio_shape(api: APIClient, settings: Any) -> None:
    settings.DOCLOAD_MAX_JSON_BYTES = 100
    response = api.post(BASE, {"fileDefinitions": [{"name": "x" * 200}]}, "json")
    assert response.status_code == 413 and codes(response) == ["request_too_large"]
    assert not StagingArea.objects.exists()


def test_a_server_error_is_500_in_folio_shape(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("docload.dialects.uploads.views.extension_rules", fail)
    api.raise_request_exception = False
    response = api.get("/data-import/fileExtensions")
    assert response.status_code == 500
    assert errors(response) == [("A server error occurred.", "error")]


def test_add_file_returns_the_definition_and_reopens_it(api: APIClient, settings: Any) -> None:
    definition = create(api, "a.pdf")
    upload(api, definition, "a.pdf", b"a")
    response = api.post(f"{BASE}/{definition['id']}/files", {"name": "b.pdf", "uiKey": "u"}, "json")
    assert response.status_code == 201
    assert response.json()["status"] == "IN_PROGRESS"
    assert file_of(response.json(), "b.pdf")["status"] == "NEW"

    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe"]
    for body, code in (
        ({"name": "b.pdf"}, "unique"),
        ({"name": "x.exe"}, "x.exe"),
        ({"name": "a/b.pdf"}, "invalid"),
        ({}, "required"),
    ):
        refused = api.post(f"{BASE}/{definition['id']}/files", body, "json")
        assert refused.status_code == 422 and codes(refused) == [code]


def test_delete_file_removes_its_bytes_and_recomputes_the_status(
    api: APIClient, data_dir: Path
) -> None:
    definition = create(api, "a.pdf", "b.pdf")
    upload(api, definition, "a.pdf", b"a")
    upload(api, definition, "b.pdf", b"b")
    assert api.get(f"{BASE}/{definition['id']}").json()["status"] == "LOADED"
    api.post(f"{BASE}/{definition['id']}/files", {"name": "c.pdf"}, "json")

    assert api.delete(file_url(definition, "a.pdf")).status_code == 204
    assert len(staged_files(data_dir)) == 1
    assert sorted(StagedFile.objects.values_list("name", flat=True)) == ["b.pdf", "c.pdf"]
    c_url = f"{BASE}/{definition['id']}/files/" + file_id(
        api.get(f"{BASE}/{definition['id']}").json(), "c.pdf"
    )
    assert api.delete(c_url).status_code == 204
    current = api.get(f"{BASE}/{definition['id']}").json()
    assert [f["name"] for f in current["fileDefinitions"]] == ["b.pdf"]
    assert current["status"] == "LOADED"
    assert api.delete(file_url(definition, "a.pdf")).status_code == 404


def test_delete_definition_removes_its_staged_files(api: APIClient, data_dir: Path) -> None:
    kept = create(api, "k.pdf")
    upload(api, kept, "k.pdf", b"k")
    definition = create(api, "a.pdf", "b.pdf")
    upload(api, definition, "a.pdf", b"a")
    assert api.delete(f"{BASE}/{definition['id']}").status_code == 204
    assert api.get(f"{BASE}/{definition['id']}").status_code == 404
    assert staged_files(data_dir) == [
        file_of(api.get(f"{BASE}/{kept['id']}").json(), "k.pdf")["sourcePath"]
    ]
    assert [str(area) for area in StagedFile.objects.values_list("area", flat=True)] == [kept["id"]]


# --- processFiles ------------------------------------------------------------------------------


def loaded_definition(api: APIClient, files: dict[str, bytes]) -> dict[str, Any]:
    definition = create(api, *files)
    for name, content in files.items():
        assert upload(api, definition, name, content).status_code == 200
    return dict(api.get(f"{BASE}/{definition['id']}").json())


@pytest.mark.parametrize(
    "body",
    [{}, {"uploadDefinition": {}}, {"uploadDefinition": {"id": "x"}}, {"uploadDefinition": 1}],
)
def test_process_files_refuses_a_malformed_body(api: APIClient, body: Any) -> None:
    definition = loaded_definition(api, {"a.pdf": b"a"})
    response = process(api, definition["id"], body)
    assert response.status_code == 422
    assert errors(response)


def test_process_files_refuses_another_definitions_id(api: APIClient) -> None:
    definition = loaded_definition(api, {"a.pdf": b"a"})
    other = create(api, "b.pdf")
    response = process(api, definition["id"], {"uploadDefinition": {"id": other["id"]}})
    assert response.status_code == 422


def test_process_files_needs_every_file_uploaded(api: APIClient) -> None:
    empty = api.post(BASE, {"fileDefinitions": []}, "json").json()
    response = process(api, empty["id"])
    assert response.status_code == 400 and codes(response) == ["files-not-uploaded"]

    definition = create(api, "metadata.csv", "a.pdf")
    upload(api, definition, "metadata.csv", b"header\n")
    response = process(api, definition["id"])
    assert response.status_code == 400
    assert errors(response) == [("These files are not uploaded: a.pdf.", "files-not-uploaded")]
    assert api.get(f"{BASE}/{definition['id']}").json()["status"] == "IN_PROGRESS"


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ({"a.pdf": b"a"}, "metadata-file-count"),
        ({"one.csv": b"x", "two.csv": b"y"}, "metadata-file-count"),
        ({"sheet.xlsx": b"PK"}, "not-xlsx"),
        ({"manifest.json": b"{}"}, "metadata-format-not-supported"),
        ({"metadata.csv": b""}, "empty-file"),
        ({"metadata.csv": b"\xff\xfe\x00binary"}, "parse_error"),
        ({"metadata.csv": b"uuid,titel\n,a\n"}, "missing-import-headers"),
    ],
)
def test_a_definition_that_cannot_be_processed_is_error(
    api: APIClient, data_dir: Path, files: dict[str, bytes], code: str
) -> None:
    definition = loaded_definition(api, files)
    response = process(api, definition["id"])
    assert response.status_code == 400 and codes(response) == [code]
    current = api.get(f"{BASE}/{definition['id']}").json()
    assert (current["status"], current["metaJobExecutionId"]) == ("ERROR", None)
    assert not Job.objects.exists()
    assert not stored_keys("imports")


def test_process_files_refuses_a_definition_that_changed_meanwhile(
    api: APIClient, monkeypatch: pytest.MonkeyPatch, document_type_url: str
) -> None:
    csv_bytes = csv_text([metadata_row(document_type_url)]).encode()
    definition = loaded_definition(api, {"metadata.csv": csv_bytes})

    def check_and_add_a_file(header: list[str]) -> None:
        api.post(f"{BASE}/{definition['id']}/files", {"name": "late.pdf"}, "json")

    monkeypatch.setattr("docload.imports.jobs.check_headers", check_and_add_a_file)
    response = process(api, definition["id"])

    assert response.status_code == 409 and codes(response) == ["changed"]
    assert api.get(f"{BASE}/{definition['id']}").json()["status"] == "IN_PROGRESS"
    assert not Job.objects.exists()


def test_walk_through(api: APIClient, data_dir: Path, document_type_url: str) -> None:
    contents = {f"doc-{n}.bin": os.urandom(1000 + n) for n in range(5)}
    rows = [metadata_row(document_type_url, bestandspad=name, titel=name) for name in contents]
    rows.append(metadata_row(document_type_url, bestandspad="not-uploaded.pdf", titel="x"))
    definition = loaded_definition(api, {"metadata.csv": csv_text(rows).encode(), **contents})
    assert definition["status"] == "LOADED"

    # FOLIO clients send the whole definition and a job profile.
    body = {"uploadDefinition": definition, "jobProfileInfo": {"id": "p", "dataType": "MARC"}}
    response = process(api, definition["id"], body)
    assert response.status_code == 204

    current = api.get(f"{BASE}/{definition['id']}").json()
    job_uuid = current["metaJobExecutionId"]
    assert current["status"] == "COMPLETED"
    assert {f["jobExecutionId"] for f in current["fileDefinitions"]} == {job_uuid}
    assert current["importStatus"]["status"] == "active"
    status_url = f"/documenten/api/v1/import/{job_uuid}/status"
    assert current["importStatus"]["statusUrl"] == f"http://testserver{status_url}"
    job = Job.objects.get(uuid=job_uuid)
    assert job.dialect == "uploads"
    # Content is looked up in the definition's staging area, not listed in the job.
    assert job.content_source == {"kind": "staged", "area": definition["id"]}
    assert api.delete(f"{BASE}/{definition['id']}").status_code == 400  # the import runs
    for refused in (
        process(api, definition["id"]),
        upload(api, definition, "doc-0.bin", b"late"),
        api.delete(file_url(definition, "doc-0.bin")),
        api.post(f"{BASE}/{definition['id']}/files", {"name": "late.pdf"}, "json"),
    ):
        assert refused.status_code == 409 and codes(refused) == ["processing-started"]

    run_worker()

    status = api.get(status_url).json()
    assert (status["status"], status["total"], status["processedSuccessfully"]) == (
        "finished",
        6,
        5,
    )
    report = api.get(f"/documenten/api/v1/import/{job_uuid}/report")
    lines = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert [line["resultaat"] for line in lines] == ["Geïmporteerd"] * 5 + ["Niet geïmporteerd"]
    assert "not the name of an uploaded file" in lines[5]["opmerking"]
    for document in EnkelvoudigInformatieObject.objects.all():
        download = api.get(
            f"/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}/download"
        )
        assert b"".join(download.streaming_content) == contents[document.titel]
    assert api.get(f"{BASE}/{definition['id']}").json()["importStatus"]["status"] == "finished"

    assert api.delete(f"{BASE}/{definition['id']}").status_code == 204
    assert staged_files(data_dir) == []
    # The job keeps its own copy of the metadata: the report outlives the definition.
    assert api.get(f"/documenten/api/v1/import/{job_uuid}/report").status_code == 200


# --- auth --------------------------------------------------------------------------------------


def test_only_applications_with_all_authorizations_may_use_the_endpoints(
    api: APIClient, superuser_app: Applicatie
) -> None:
    definition = create(api, "a.pdf")
    limited = client_for(
        Applicatie.objects.create(client_id="limited", heeft_alle_autorisaties=False)
    )
    anonymous = APIClient()
    for client, code, error in (
        (limited, 403, "permission_denied"),
        (anonymous, 401, "not_authenticated"),
    ):
        for response in (
            client.get(BASE),
            client.post(BASE, {"fileDefinitions": [{"name": "b.pdf"}]}, "json"),
            client.get(f"{BASE}/{definition['id']}"),
            client.delete(f"{BASE}/{definition['id']}"),
            client.generic("POST", file_url(definition, "a.pdf"), b"bytes"),
            client.post(f"{BASE}/{definition['id']}/processFiles", {}, "json"),
            client.get("/data-import/fileExtensions"),
        ):
            assert response.status_code == code
            assert codes(response) == [error]
            if code == 401:
                assert response["WWW-Authenticate"] == 'Bearer realm="docload"'
    assert StagingArea.objects.count() == 1
    assert file_of(api.get(f"{BASE}/{definition['id']}").json(), "a.pdf")["status"] == "NEW"


def test_process_files_takes_a_workbook_as_the_metadata_file(
    api: APIClient, document_type_url: str
) -> None:
    rows = [metadata_row(document_type_url, bestandspad="a.pdf", titel="from a sheet")]
    definition = loaded_definition(
        api, {"load.xlsx": documents_workbook(rows), "a.pdf": b"content of a"}
    )
    assert process(api, definition["id"]).status_code == 204
    run_worker()
    job = Job.objects.get()
    assert (job.source_format, job.status, job.succeeded) == ("xlsx", "finished", 1)
    assert EnkelvoudigInformatieObject.objects.get().titel == "from a sheet"
