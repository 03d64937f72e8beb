"""JSON payloads through the engine: types, documents and links with lookups, a failed lookup
stopping at its batch, and resuming from there with the payload fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.imports.jobs import create_job, replace_source, store_source
from docload.imports.models import Job, JobStatus
from docload.imports.scheduling import resume_job, roll_back_job, start_job
from tests.conftest import run_worker
from tests.factories import VALID_RSIN, write_files
from tests.imports.conftest import outcomes, run

pytestmark = pytest.mark.django_db(transaction=True)


def payload(import_type: str, key: str, records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"import_type": import_type, key: records}).encode()


def imported(data: bytes, base_dir: Path, name: str, batch_size: int = 100) -> Job:
    job = create_job("jsonimport", batch_size=batch_size)
    key = store_source(job, [data], "json", name)
    start_job(job, key, {"kind": "base_dir", "path": str(base_dir)}, enqueue=False)
    return run(job)


TYPES = payload(
    "informatieobjecttype",
    "informatieobjecttypen",
    [
        {
            "reference": reference,
            "omschrijving": omschrijving,
            "vertrouwelijkheidaanduiding": "openbaar",
            "beginGeldigheid": "2024-01-01",
        }
        for reference, omschrijving in (("brief", "Brief"), ("besluit", "Besluit"))
    ],
)


def documents(paths: list[str], reference: str = "brief") -> list[dict[str, Any]]:
    return [
        {
            "identificatie": f"DOC-{n}",
            "bronorganisatie": VALID_RSIN,
            "creatiedatum": "2024-05-01",
            "titel": f"Document {n}",
            "auteur": "Gemeente",
            "taal": "nld",
            "trefwoorden": ["migratie"],
            "lookup:informatieobjecttype": {"reference": reference},
            "inhoud": {"eas:path": path},
        }
        for n, path in enumerate(paths)
    ]


def test_types_documents_and_links_import_with_lookups(base_dir: Path) -> None:
    paths = write_files(base_dir, 10)
    assert imported(TYPES, base_dir, "types.json").succeeded == 2
    docs = imported(payload("document", "documents", documents(paths)), base_dir, "docs.json", 4)
    assert (docs.status, docs.succeeded, docs.invalid) == (JobStatus.FINISHED, 10, 0)
    links = [
        {
            "lookup:informatieobject": {"identificatie": f"DOC-{n}", "bronorganisatie": VALID_RSIN},
            "object": f"https://zaken.example.org/zaken/{n}",
            "objectType": "zaak",
        }
        for n in range(10)
    ]
    assert imported(payload("link", "links", links), base_dir, "links.json").succeeded == 10

    brief = InformatieObjectType.objects.get(reference="brief")
    assert not brief.concept  # published: the documents after it use it
    stored = EnkelvoudigInformatieObject.objects.order_by("identificatie")
    assert [d.informatieobjecttype_id for d in stored] == [brief.pk] * 10
    assert stored[0].trefwoorden == ["migratie"] and stored[0].content_key
    assert ObjectInformatieObject.objects.count() == 10
    assert outcomes(docs)[2] == (True, "")


def test_a_failed_lookup_stops_at_its_batch_and_resumes_there_once_fixed(base_dir: Path) -> None:
    imported(TYPES, base_dir, "types.json")
    paths = write_files(base_dir, 9)
    records = documents(paths)
    records[4]["lookup:informatieobjecttype"] = {"reference": "brfie"}  # the second batch
    job = imported(payload("document", "documents", records), base_dir, "docs.json", 3)

    assert job.status == JobStatus.ERROR
    assert "LookupNotFound" in job.comment and "'brfie'" in job.comment
    assert (job.processed, job.succeeded) == (3, 3)  # the first batch committed
    failed = outcomes(job)
    assert [number for number, (done, _) in failed.items() if not done] == [5, 6, 7]
    assert all("lookup:informatieobjecttype" in failed[n][1] for n in (5, 6, 7))

    records[4]["lookup:informatieobjecttype"] = {"reference": "brief"}
    replace_source(job, [payload("document", "documents", records)], "docs.json")
    resume_job(job)
    job = run(job)
    assert (job.status, job.succeeded, job.invalid) == (JobStatus.FINISHED, 9, 0)
    assert EnkelvoudigInformatieObject.objects.count() == 9


def test_a_fixed_source_must_be_of_the_same_kind(base_dir: Path) -> None:
    paths = write_files(base_dir, 1)
    records = documents(paths, reference="missing")
    job = imported(payload("document", "documents", records), base_dir, "docs.json")
    assert job.status == JobStatus.ERROR
    with pytest.raises(Exception, match="json:link, not json:document"):
        replace_source(job, [payload("link", "links", [])], "links.json")
    job.refresh_from_db()
    assert job.source_format == "json:document"


def test_records_with_an_id_update_and_their_rollback_restores(base_dir: Path) -> None:
    imported(TYPES, base_dir, "types.json")
    paths = write_files(base_dir, 3)
    imported(payload("document", "documents", documents(paths)), base_dir, "docs.json")
    second = EnkelvoudigInformatieObject.objects.get(identificatie="DOC-1")
    updates = [
        {"lookup:_id": {"identificatie": "DOC-0", "bronorganisatie": VALID_RSIN},
         "_version": 2, "titel": "Nieuwe titel"},
        {"_id": str(second.uuid), "_version": 5, "titel": "x"},
        {"_id": "http://testserver/documenten/api/v1/enkelvoudiginformatieobjecten/"
                "5f0d4c1e-7c53-4b8a-9a63-0d8c2b8b8f11", "_version": 2},
        {"_id": str(second.uuid), "_version": 2, "taal": "nederlands"},
    ]  # fmt: skip
    job = imported(payload("document", "documents", updates), base_dir, "updates.json")
    assert (job.succeeded, job.invalid) == (1, 3)
    comments = [comment for _, (_, comment) in sorted(outcomes(job).items())]
    assert comments[0] == "Updated to versie 2."
    assert comments[1].startswith("VersionMismatch: _version 5, but the stored versie is 1")
    assert "does_not_exist" in comments[2] and "taal" in comments[3]
    first = EnkelvoudigInformatieObject.objects.get(identificatie="DOC-0")
    assert (first.titel, first.versie, first.earlier_versions.count()) == ("Nieuwe titel", 2, 1)
    assert EnkelvoudigInformatieObject.objects.get(pk=second.pk).versie == 1

    roll_back_job(job)
    run_worker()
    first.refresh_from_db()
    assert (first.titel, first.versie, first.earlier_versions.count()) == ("Document 0", 1, 0)
    assert EnkelvoudigInformatieObject.objects.count() == 3  # created by another import


def test_the_import_command_takes_a_payload(base_dir: Path, tmp_path: Path) -> None:
    imported(TYPES, base_dir, "types.json")
    files = tmp_path / "files"
    paths = write_files(files, 3)
    metadata = tmp_path / "docs.json"
    metadata.write_bytes(payload("document", "documents", documents(paths)))
    call_command("import", str(metadata), "--base-dir", str(files))
    assert EnkelvoudigInformatieObject.objects.count() == 3
    report = (tmp_path / "docs.report.csv").read_text(encoding="utf-8")
    assert report.splitlines()[0].startswith("_id,reference,uuid,identificatie")
    assert report.count("Geïmporteerd") == 3
