"""The bulk load over HTTP: upload, start now or later, follow the transaction, cancel."""

from __future__ import annotations

import datetime
import uuid
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.catalog.models import InformatieObjectType
from docload.dialects.bulkload.models import Load
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.imports import committing
from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.jobs import delete_expired_jobs
from docload.imports.models import Job, StagedFile
from tests.conftest import client_for, run_worker
from tests.factories import metadata_row, write_files
from tests.workbooks import documents_workbook, workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True)
START = "/api/tool/BulkLoad/?method=bulkload_spreadsheet&nowait=true&format=json"
TRANSACTIONS = "/api/tool/Transaction/"


def upload(api: APIClient, *files: tuple[str, bytes], query: str = "") -> Any:
    parts = [SimpleUploadedFile(name, content) for name, content in files]
    return api.post(f"/api/uploadfiles/{query}", {"uploadedfile": parts}, format="multipart")


def start(api: APIClient, **body: Any) -> Any:
    body.setdefault("bulkload_file", "load.xlsx")
    body.setdefault("execute_immediately", True)
    return api.post(START, body, format="json")


def loaded(api: APIClient, data: bytes, *more: tuple[str, bytes], **body: Any) -> str:
    assert upload(api, ("load.xlsx", data), *more).status_code == 202
    response = start(api, **body)
    assert response.status_code == 200, response.json()
    return str(response.json()["transaction_id"])


def error(response: Any) -> tuple[int, str]:
    body = response.json()
    assert body["success"] is False and body["message"]
    return response.status_code, body["code"]


def test_upload_answers_the_files_and_keeps_the_hierarchy(api: APIClient) -> None:
    response = upload(api, ("load.xlsx", b"x"), ("a.pdf", b"a"), query="?hierarchy=sys.org")
    assert response.status_code == 202
    files = response.json()["uploadedfiles"]
    assert [f["name"] for f in files] == ["load.xlsx", "a.pdf"]
    staged = StagedFile.objects.get(uuid=files[1]["id"])
    assert (staged.status, staged.client_key, staged.size) == ("UPLOADED", "sys.org", 1)
    assert error(api.post("/api/uploadfiles/", {}, format="multipart")) == (400, "no-file")


def test_two_files_of_one_name_in_an_upload_are_a_400(api: APIClient) -> None:
    # Found by schemathesis: this was a 500 (IntegrityError) with nothing to tell the client.
    response = upload(api, ("a.pdf", b"1"), ("a.pdf", b"2"))
    assert error(response) == (400, "names-taken")
    assert not StagedFile.objects.exists()


def test_the_walk_through_loads_every_row(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 5)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    transaction_id = loaded(api, documents_workbook(rows))
    poll = api.get(f"{TRANSACTIONS}poll/?transactions={transaction_id}").json()
    assert poll[transaction_id]["status"] == "Queued"
    assert poll[transaction_id]["href"] == f"/api/tool/Transaction/{transaction_id}"

    run_worker()

    poll = api.get(f"{TRANSACTIONS}poll/?transactions={transaction_id}").json()
    assert poll[transaction_id]["status"] == "Success"
    assert api.get(f"{TRANSACTIONS}{transaction_id}/poll/").json() == poll
    detail = api.get(f"{TRANSACTIONS}{transaction_id}/?limit=2&offset=1").json()
    assert (detail["status"], detail["action"], detail["rolled_back"]) == (
        "Success", "Execute Bulk Load", "No",
    )  # fmt: skip
    assert detail["sub_transactions_count"] == 5
    assert [s["pkid"] for s in detail["sub_transactions"]] == [
        f"{transaction_id}-3", f"{transaction_id}-4",
    ]  # fmt: skip
    assert {s["status"] for s in detail["sub_transactions"]} == {"Success"}
    assert all(s["completed_time"] >= detail["started_time"] for s in detail["sub_transactions"])
    assert {log["severity"] for log in detail["logs"]} == {"info"}
    assert EnkelvoudigInformatieObject.objects.count() == 5
    listed = api.get(TRANSACTIONS).json()
    assert listed["count"] == 1 and listed["transactions"][0]["pkid"] == transaction_id


def test_a_bad_row_fails_the_transaction_alone(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 3)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    rows[1]["bronorganisatie"] = "123"
    transaction_id = loaded(api, documents_workbook(rows))
    run_worker()
    detail = api.get(f"{TRANSACTIONS}{transaction_id}/").json()
    assert detail["status"] == "Fail"
    failed = [s for s in detail["sub_transactions"] if s["status"] == "Fail"]
    assert len(failed) == 1 and "bronorganisatie" in failed[0]["detail"]
    errors = [log["message"] for log in detail["logs"] if log["severity"] == "error"]
    assert any(m.startswith("enkelvoudiginformatieobjecten row 3:") for m in errors)
    assert EnkelvoudigInformatieObject.objects.count() == 2


TYPES = "http://testserver/catalogi/api/v1/informatieobjecttypen/"
DOCUMENTS = "http://testserver/documenten/api/v1/enkelvoudiginformatieobjecten/"
ZAAK = "https://zaken.example.org/api/v1/zaken/"


def three_sheets(base_dir: Path, documents: int, types: int = 2) -> tuple[bytes, list[uuid.UUID]]:
    """Types, documents of those types with content, and a link for every other document."""
    type_uuids = [uuid.uuid4() for _ in range(types)]
    type_rows = [
        ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
        *(
            [str(u), f"Type {i}", "openbaar", datetime.date(2024, 1, 1)]
            for i, u in enumerate(type_uuids)
        ),
    ]
    document_uuids = [uuid.uuid4() for _ in range(documents)]
    paths = write_files(base_dir, documents)
    rows = [
        metadata_row(f"{TYPES}{type_uuids[i % types]}", bestandspad=paths[i], uuid=str(document))
        for i, document in enumerate(document_uuids)
    ]
    links = [["informatieobject", "object", "objectType"]]
    links += [[f"{DOCUMENTS}{d}", f"{ZAAK}{i}", "zaak"] for i, d in enumerate(document_uuids[::2])]
    data = workbook_bytes(
        {
            "informatieobjecttypen": type_rows,
            "enkelvoudiginformatieobjecten": [
                list(REQUIRED_HEADERS),
                *([row.get(h, "") for h in REQUIRED_HEADERS] for row in rows),
            ],
            "objectinformatieobjecten": links,
        }
    )
    return data, document_uuids


def test_three_sheets_load_left_to_right(api: APIClient, base_dir: Path) -> None:
    data, document_uuids = three_sheets(base_dir, 200)
    transaction_id = loaded(api, data)
    run_worker()
    detail = api.get(f"{TRANSACTIONS}{transaction_id}/?limit=1000").json()
    assert detail["status"] == "Success", detail["message"]
    assert detail["sub_transactions_count"] == 2 + 200 + 100
    actions = [s["action"] for s in detail["sub_transactions"]]
    assert actions[:3] == [
        "Load informatieobjecttypen row 2",
        "Load informatieobjecttypen row 3",
        "Load enkelvoudiginformatieobjecten row 2",
    ]
    assert actions[-1] == "Load objectinformatieobjecten row 101"
    assert InformatieObjectType.objects.filter(concept=False).count() == 2
    assert set(EnkelvoudigInformatieObject.objects.values_list("uuid", flat=True)) == set(
        document_uuids
    )
    assert ObjectInformatieObject.objects.filter(object__startswith=ZAAK).count() == 100
    linked = api.get(
        "/documenten/api/v1/objectinformatieobjecten",
        {"informatieobject": f"{DOCUMENTS}{document_uuids[0]}"},
    ).json()
    assert [link["object"] for link in linked] == [f"{ZAAK}0"]


def test_a_load_rolls_back(api: APIClient, base_dir: Path) -> None:
    data, _ = three_sheets(base_dir, 4)
    transaction_id = loaded(api, data)
    refused = api.post(f"{TRANSACTIONS}{transaction_id}/rollback")
    assert error(refused) == (409, "import-running")
    run_worker()
    response = api.post(f"{TRANSACTIONS}{transaction_id}/rollback")
    assert response.status_code == 202
    run_worker()
    detail = api.get(f"{TRANSACTIONS}{transaction_id}/").json()
    assert (detail["rolled_back"], detail["message"]) == ("Yes", "Rolled back.")
    assert detail["logs"][-1]["message"] == "Load rolled back."
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not ObjectInformatieObject.objects.exists()
    assert not InformatieObjectType.objects.exists()
    assert api.post(f"{TRANSACTIONS}{transaction_id}/rollback").status_code == 200


def test_a_bad_type_or_link_row_fails_alone(api: APIClient, base_dir: Path) -> None:
    data, document_uuids = three_sheets(base_dir, 4)
    bad = workbook_bytes(
        {
            "informatieobjecttypen": [
                ["omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid", "concept"],
                ["Goed", "openbaar", "2024-01-01", ""],
                ["Fout", "heel geheim", "gisteren", "misschien"],
            ],
            "objectinformatieobjecten": [
                ["informatieobject", "object", "objectType"],
                [f"{DOCUMENTS}{document_uuids[0]}", f"{ZAAK}x", "zaak"],
                [f"{DOCUMENTS}{uuid.uuid4()}", f"{ZAAK}y", "zaak"],
                [f"{DOCUMENTS}{document_uuids[0]}", f"{ZAAK}x", "zaak"],
            ],
        }
    )
    first = loaded(api, data)
    run_worker()
    assert api.get(f"{TRANSACTIONS}{first}/").json()["status"] == "Success"
    transaction_id = loaded(api, bad)
    run_worker()
    detail = api.get(f"{TRANSACTIONS}{transaction_id}/").json()
    assert detail["status"] == "Fail"
    outcome = {s["action"]: (s["status"], s["detail"]) for s in detail["sub_transactions"]}
    assert outcome["Load informatieobjecttypen row 2"][0] == "Success"
    status, why = outcome["Load informatieobjecttypen row 3"]
    assert status == "Fail"
    assert all(
        field in why for field in ("vertrouwelijkheidaanduiding", "beginGeldigheid", "concept")
    )
    assert outcome["Load objectinformatieobjecten row 2"][0] == "Success"
    assert "does_not_exist" in outcome["Load objectinformatieobjecten row 3"][1]
    assert "already linked" in outcome["Load objectinformatieobjecten row 4"][1]
    assert InformatieObjectType.objects.filter(omschrijving="Goed", concept=False).exists()
    assert not InformatieObjectType.objects.filter(omschrijving="Fout").exists()
    assert ObjectInformatieObject.objects.filter(object=f"{ZAAK}x").count() == 1
    errors = [log["message"] for log in detail["logs"] if log["severity"] == "error"]
    assert any(m.startswith("objectinformatieobjecten row 3:") for m in errors)


def test_content_uploaded_with_the_workbook_is_used(api: APIClient, document_type_url: str) -> None:
    rows = [metadata_row(document_type_url, bestandspad="a.pdf", titel="staged")]
    transaction_id = loaded(api, documents_workbook(rows), ("a.pdf", b"content of a"))
    run_worker()
    assert api.get(f"{TRANSACTIONS}{transaction_id}/poll/").json()[transaction_id]["status"] == (
        "Success"
    )
    document = EnkelvoudigInformatieObject.objects.get()
    download = api.get(f"/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}/download")
    assert b"".join(download.streaming_content) == b"content of a"


def _zip_bomb() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is a text file", "not-xlsx"),
        (_zip_bomb(), "xlsx-too-large"),
        (workbook_bytes({"Blad1": [["titel"]]}), "unknown-sheet"),
        (documents_workbook([], headers=["uuid", "titel"]), "missing-import-headers"),
        (
            documents_workbook([], objectinformatieobjecten=[["informatieobject", "object"]]),
            "missing-import-headers",
        ),
        (workbook_bytes({}), "sheet-missing"),
    ],
)
def test_a_workbook_that_cannot_be_loaded_is_a_400(
    api: APIClient, settings: Any, data: bytes, code: str
) -> None:
    settings.DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = 100_000
    assert upload(api, ("load.xlsx", data)).status_code == 202
    assert error(start(api)) == (400, code)
    assert not Job.objects.exists()


def _later(minutes: int, offset: int) -> dict[str, Any]:
    local = timezone.now() + datetime.timedelta(minutes=minutes + offset)
    return {
        "execute_immediately": False,
        "execute_date": local.date().isoformat(),
        "execute_time": local.time().replace(microsecond=0).isoformat(),
        "execute_timezone": str(offset),
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"bulkload_file": "nope.xlsx"}, "file-not-found"),
        ({"bulkload_file": "a.pdf"}, "not-xlsx"),
        (_later(-5, 120), "schedule-in-past"),
        ({**_later(5, 0), "execute_timezone": "CET"}, "invalid-timezone"),
        ({**_later(5, 0), "execute_timezone": "900"}, "invalid-timezone"),
        ({**_later(5, 0), "execute_date": "03-12-2099"}, "invalid-schedule"),
        ({"execute_immediately": False}, "required"),
    ],
)
def test_a_bad_request_is_a_400(api: APIClient, body: dict[str, Any], code: str) -> None:
    assert upload(api, ("load.xlsx", documents_workbook([])), ("a.pdf", b"a")).status_code == 202
    assert error(start(api, **body)) == (400, code)
    assert not Job.objects.exists()


def test_an_unknown_method_is_a_400(api: APIClient) -> None:
    response = api.post(START.replace("bulkload_spreadsheet", "other"), {}, format="json")
    assert error(response) == (400, "invalid-method")


def test_a_scheduled_load_waits_for_its_time_then_runs(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 2)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    transaction_id = loaded(api, documents_workbook(rows), **_later(2, 120))
    job = Job.objects.get(uuid=transaction_id)
    assert job.run_after is not None
    assert abs((job.run_after - timezone.now()).total_seconds() - 120) < 5

    run_worker()  # not yet its time: nothing runs

    assert api.get(f"{TRANSACTIONS}{transaction_id}/").json()["status"] == "Scheduled"
    schedule = api.get("/api/data/Schedule/").json()
    assert schedule["count"] == 1
    entry = schedule["schedules"][0]
    assert (entry["pkid"], entry["state"], entry["execute_timezone"]) == (
        transaction_id, "Scheduled", 120,
    )  # fmt: skip
    assert entry["name"].startswith("load.xlsx -- ")
    assert not EnkelvoudigInformatieObject.objects.exists()

    # Its time comes: the persisted task and job are due.
    past = timezone.now() - datetime.timedelta(seconds=1)
    Job.objects.filter(uuid=transaction_id).update(run_after=past)
    assert DBTaskResult.objects.update(run_after=past) == 1
    run_worker()

    assert api.get(f"{TRANSACTIONS}{transaction_id}/").json()["status"] == "Success"
    assert EnkelvoudigInformatieObject.objects.count() == 2


def test_a_canceled_load_fails_and_loads_nothing(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 2)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    transaction_id = loaded(api, documents_workbook(rows), **_later(2, 0))
    canceled = api.post(f"{TRANSACTIONS}{transaction_id}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "Fail"
    assert canceled.json()["description"] == "Transaction canceled"
    assert error(api.post(f"{TRANSACTIONS}{transaction_id}/cancel")) == (400, "invalid-status")

    past = timezone.now() - datetime.timedelta(seconds=1)
    Job.objects.filter(uuid=transaction_id).update(run_after=past)
    DBTaskResult.objects.update(run_after=past)
    run_worker()

    detail = api.get(f"{TRANSACTIONS}{transaction_id}/").json()
    assert (detail["status"], detail["message"]) == ("Fail", "Transaction canceled")
    assert not EnkelvoudigInformatieObject.objects.exists()


def test_unknown_transactions_are_404s(api: APIClient) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert error(api.get(f"{TRANSACTIONS}{missing}/")) == (404, "not-found")
    assert error(api.get(f"{TRANSACTIONS}poll/?transactions=x")) == (404, "not-found")
    assert error(api.get(f"{TRANSACTIONS}poll/")) == (400, "no-transactions")
    # Outside the views (Django's 404) the shape is the bulk load's too.
    assert error(api.get("/api/tool/Nope/")) == (404, "not_found")


def test_only_applications_with_every_authorization_may_load(db: None) -> None:
    limited = Applicatie.objects.create(client_id="some", label="some")
    for client in (APIClient(), client_for(limited)):
        response = client.get(TRANSACTIONS)
        assert response.status_code in (401, 403)
        assert response.json()["success"] is False


def test_retention_deletes_a_load_with_its_job(
    api: APIClient, base_dir: Path, document_type_url: str, settings: Any
) -> None:
    rows = [metadata_row(document_type_url, bestandspad=p) for p in write_files(base_dir, 1)]
    transaction_id = loaded(api, documents_workbook(rows))
    run_worker()
    later = timezone.now() + datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS + 1)
    assert delete_expired_jobs(later) == 1
    assert not Load.objects.exists()
    assert error(api.get(f"{TRANSACTIONS}{transaction_id}/")) == (404, "not-found")
    assert api.get(TRANSACTIONS).json() == {"count": 0, "transactions": []}


def test_a_load_canceled_while_it_runs_keeps_the_rows_done(
    api: APIClient, base_dir: Path, document_type_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [metadata_row(document_type_url, bestandspad=p) for p in write_files(base_dir, 6)]
    transaction_id = loaded(api, documents_workbook(rows))
    Job.objects.filter(uuid=transaction_id).update(batch_size=2)
    commit_batch = committing.commit_batch
    commits = []

    def cancel_after_the_first_batch(*args: Any, **kwargs: Any) -> Any:
        if commits:  # the second batch: the client cancels while it is written
            assert (
                client_for(Applicatie.objects.get())
                .post(f"{TRANSACTIONS}{transaction_id}/cancel")
                .status_code
                == 200
            )
        commits.append(1)
        return commit_batch(*args, **kwargs)

    monkeypatch.setattr("docload.imports.writer.commit_batch", cancel_after_the_first_batch)
    run_worker()

    detail = api.get(f"{TRANSACTIONS}{transaction_id}/").json()
    assert (detail["status"], detail["message"]) == ("Fail", "Transaction canceled")
    assert EnkelvoudigInformatieObject.objects.count() == 2
    assert detail["sub_transactions_count"] == 2
