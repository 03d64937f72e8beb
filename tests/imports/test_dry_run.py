"""Dry runs (prepare): every row checked as for real, nothing kept but the report."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject
from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.jobs import create_job, store_source
from docload.imports.models import Job, JobStatus
from docload.imports.report import IMPORTABLE, IMPORTED, NOT_IMPORTED, stream_report
from docload.imports.runner import source_for
from docload.imports.scheduling import start_job
from tests.conftest import run_worker
from tests.factories import csv_text, metadata_row, write_files
from tests.imports.conftest import outcomes, run
from tests.storage import stored_keys
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def content_files(data_dir: Path) -> list[str]:
    """The stored content's keys (local files or S3 objects alike)."""
    return stored_keys("documenten")


def rows_with_problems(document_type_url: str, base_dir: Path) -> list[dict[str, str]]:
    """Ten rows; four fail: a bad RSIN, a missing file, a wrong digest, a repeated identificatie
    two batches after its first use."""
    paths = write_files(base_dir, 10)
    rows = [
        metadata_row(document_type_url, bestandspad=p, identificatie=f"DOC-{i}")
        for i, p in enumerate(paths)
    ]
    rows[1]["bronorganisatie"] = "123"
    rows[3]["bestandspad"] = "files/missing.bin"
    digest = hashlib.sha256((base_dir / paths[5]).read_bytes()).hexdigest()
    rows[5].update({"integriteit.algoritme": "sha_256", "integriteit.datum": "2024-01-01"})
    rows[5]["integriteit.waarde"] = digest[::-1]
    rows[8]["identificatie"] = "DOC-0"
    return rows


def csv_job(rows: list[dict[str, str]], base_dir: Path, dry_run: bool) -> Job:
    job = create_job("openzaak", batch_size=2)
    key = store_source(job, [csv_text(rows).encode()], "csv")
    start_job(job, key, {"kind": "base_dir", "path": str(base_dir)}, enqueue=False, dry_run=dry_run)
    return run(job)


def test_a_dry_run_finds_what_the_real_run_refuses_and_keeps_nothing(
    document_type_url: str, base_dir: Path, data_dir: Path
) -> None:
    rows = rows_with_problems(document_type_url, base_dir)
    files_before = content_files(data_dir)
    prepared = csv_job(rows, base_dir, dry_run=True)
    assert (prepared.status, prepared.succeeded, prepared.invalid) == (JobStatus.FINISHED, 6, 4)
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not AuditTrail.objects.exists()
    assert content_files(data_dir) == files_before  # its copies are gone again

    report = list(
        csv.DictReader("".join(stream_report(prepared, source_for(prepared))).splitlines())
    )
    assert [r["resultaat"] for r in report].count(IMPORTABLE) == 6
    assert {r["resultaat"] for r in report} == {IMPORTABLE, NOT_IMPORTED}

    real = csv_job(rows, base_dir, dry_run=False)
    assert (real.succeeded, real.invalid) == (6, 4)
    assert outcomes(real) == outcomes(prepared)
    assert EnkelvoudigInformatieObject.objects.count() == 6


def test_a_dry_run_of_a_workbook_lets_rows_use_the_types_it_would_create(
    base_dir: Path, data_dir: Path
) -> None:
    type_uuid = "5f0d4c1e-7c53-4b8a-9a63-0d8c2b8b8f11"
    type_url = f"http://testserver/catalogi/api/v1/informatieobjecttypen/{type_uuid}"
    paths = write_files(base_dir, 2)
    document_uuids = [
        "0b7e3c2a-9d0e-4c4e-8a55-6b5f1f1a2c01",
        "0b7e3c2a-9d0e-4c4e-8a55-6b5f1f1a2c02",
    ]
    documents = [list(REQUIRED_HEADERS)] + [
        [metadata_row(type_url, bestandspad=p, uuid=u).get(h, "") for h in REQUIRED_HEADERS]
        for p, u in zip(paths, document_uuids, strict=True)
    ]
    document_url = "http://testserver/documenten/api/v1/enkelvoudiginformatieobjecten/"
    data = workbook_bytes(
        {
            "informatieobjecttypen": [
                ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
                [type_uuid, "Brief", "openbaar", "2024-01-01"],
            ],
            "enkelvoudiginformatieobjecten": documents,
            "objectinformatieobjecten": [
                ["informatieobject", "object", "objectType"],
                [f"{document_url}{document_uuids[0]}", "https://zaken.example.org/z/1", "zaak"],
                [f"{document_url}{document_uuids[0]}x", "https://zaken.example.org/z/2", "zaak"],
            ],
        }
    )
    job = create_job("bulkload", batch_size=10)
    key = store_source(job, [data], "xlsx")
    start_job(job, key, {"kind": "base_dir", "path": str(base_dir)}, enqueue=False, dry_run=True)
    job = run(job)
    assert (job.status, job.succeeded, job.invalid) == (JobStatus.FINISHED, 4, 1)
    assert "bad-url" in outcomes(job)[6][1]
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not content_files(data_dir)


def test_the_import_api_runs_a_dry_run_on_request(
    api: APIClient, document_type_url: str, base_dir: Path
) -> None:
    rows = rows_with_problems(document_type_url, base_dir)
    created = api.post("/documenten/api/v1/import/create").json()
    refused = api.post(
        created["uploadUrl"] + "?dryRun=maybe", csv_text(rows), content_type="text/csv"
    )
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["name"] == "dryRun"
    response = api.post(
        created["uploadUrl"] + "?dryRun=true", csv_text(rows), content_type="text/csv"
    )
    assert response.status_code == 200
    run_worker()
    status = api.get(created["statusUrl"]).json()
    assert (status["status"], status["dryRun"], status["processedInvalid"]) == (
        "finished", True, 4,
    )  # fmt: skip
    report = b"".join(api.get(created["reportUrl"]).streaming_content).decode()
    assert report.count(IMPORTABLE) == 6 and IMPORTED not in report
    assert not EnkelvoudigInformatieObject.objects.exists()


def test_the_import_command_has_a_dry_run(document_type_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    rows = rows_with_problems(document_type_url, files)
    metadata = tmp_path / "metadata.csv"
    metadata.write_text(csv_text(rows))
    with pytest.raises(SystemExit):  # rows would fail
        call_command("import", str(metadata), "--base-dir", str(files), "--dry-run")
    report = (tmp_path / "metadata.report.csv").read_text(encoding="utf-8")
    assert report.count(IMPORTABLE) == 6
    assert not EnkelvoudigInformatieObject.objects.exists()
