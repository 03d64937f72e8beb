"""Rolling back an import: what it created goes, with its content; nothing else; once."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from docload.catalog.models import InformatieObjectType
from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.services import delete_documents
from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.errors import ImportProblem
from docload.imports.jobs import create_job, store_source
from docload.imports.models import Job, JobStatus, RollbackStatus
from docload.imports.rollback import roll_back
from docload.imports.scheduling import requeue_stalled_jobs, resume_job, roll_back_job, start_job
from tests.conftest import run_worker
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import
from tests.storage import stored_keys
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def content_files(data_dir: Path) -> list[str]:
    """The stored content's keys (local files or S3 objects alike)."""
    return stored_keys("documenten")


def imported(document_type_url: str, base_dir: Path, rows: int, prefix: str = "files") -> Job:
    paths = write_files(base_dir, rows, size=64, prefix=prefix)
    job = run(start_import([metadata_row(document_type_url, bestandspad=p) for p in paths]))
    assert (job.status, job.succeeded) == (JobStatus.FINISHED, rows)
    return job


def test_a_rollback_removes_exactly_what_the_import_created(
    document_type_url: str, base_dir: Path, data_dir: Path
) -> None:
    before = imported(document_type_url, base_dir, 3, prefix="before")
    files_before = set(content_files(data_dir))
    trail_before = AuditTrail.objects.count()
    job = imported(document_type_url, base_dir, 1000)
    assert EnkelvoudigInformatieObject.objects.count() == 1003
    assert AuditTrail.objects.count() > trail_before

    assert roll_back_job(job) is True
    job.refresh_from_db()
    assert job.rollback == RollbackStatus.ROLLING_BACK
    run_worker()

    job.refresh_from_db()
    assert (job.rollback, job.status) == (RollbackStatus.ROLLED_BACK, JobStatus.FINISHED)
    assert job.rolled_back_on is not None and "Rolled back." in job.comment
    remaining = EnkelvoudigInformatieObject.objects.all()
    assert {d.import_job_id for d in remaining} == {before.pk} and remaining.count() == 3
    assert set(content_files(data_dir)) == files_before
    assert AuditTrail.objects.count() == trail_before

    # A second rollback is a no-op: nothing is queued, nothing changes.
    rolled_back_on = job.rolled_back_on
    assert roll_back_job(job) is False
    run_worker()
    job.refresh_from_db()
    assert job.rolled_back_on == rolled_back_on
    assert EnkelvoudigInformatieObject.objects.count() == 3


def test_the_rollback_command_queues_it_once(
    document_type_url: str, base_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = imported(document_type_url, base_dir, 2)
    call_command("rollback", str(job.uuid))
    run_worker()
    call_command("rollback", str(job.uuid))
    assert "rolled back already" in capsys.readouterr().out
    assert not EnkelvoudigInformatieObject.objects.exists()
    with pytest.raises(CommandError, match="No import"):
        call_command("rollback", str(uuid.uuid4()))


def test_a_running_import_is_not_rolled_back(document_type_url: str, base_dir: Path) -> None:
    paths = write_files(base_dir, 2)
    job = start_import([metadata_row(document_type_url, bestandspad=p) for p in paths])
    with pytest.raises(ImportProblem) as refused:
        roll_back_job(job)
    assert refused.value.code == "import-running"
    job.refresh_from_db()
    assert job.rollback == RollbackStatus.NONE


def test_a_rolled_back_import_does_not_resume(document_type_url: str, base_dir: Path) -> None:
    job = imported(document_type_url, base_dir, 2)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.ERROR)
    roll_back_job(job)
    run_worker()
    job.refresh_from_db()
    with pytest.raises(ImportProblem):
        resume_job(job)


def test_a_rollback_whose_worker_died_is_finished_by_another(
    document_type_url: str, base_dir: Path, data_dir: Path
) -> None:
    job = imported(document_type_url, base_dir, 1200)
    roll_back_job(job)
    # A worker took it, deleted a first chunk and died: its lease ran out, its task is gone.
    first = list(
        EnkelvoudigInformatieObject.objects.filter(import_job=job).values_list("pk", flat=True)
    )[:500]
    delete_documents(first)
    DBTaskResult.objects.all().delete()
    later = timezone.now() + datetime.timedelta(seconds=30)
    Job.objects.filter(pk=job.pk).update(lease_owner="dead-worker", lease_expires=later)
    roll_back(job.uuid, "another-worker")  # its lease still runs: not taken
    assert requeue_stalled_jobs() == []
    assert EnkelvoudigInformatieObject.objects.count() == 700
    Job.objects.filter(pk=job.pk).update(lease_expires=timezone.now())
    assert requeue_stalled_jobs() == [job.uuid]
    run_worker()
    job.refresh_from_db()
    assert job.rollback == RollbackStatus.ROLLED_BACK
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not content_files(data_dir)


def test_content_left_by_a_dead_rollback_is_swept(
    document_type_url: str, base_dir: Path, data_dir: Path
) -> None:
    job = imported(document_type_url, base_dir, 3)
    orphan = f"documenten/import-{job.uuid.hex}/000000/orphan"
    storages["default"].save(orphan, ContentFile(b"left behind"))
    assert orphan in content_files(data_dir)
    roll_back_job(job)
    run_worker()
    assert not content_files(data_dir)


def test_a_workbook_rollback_removes_its_types_and_links(
    document_type_url: str, base_dir: Path, data_dir: Path
) -> None:
    other = imported(document_type_url, base_dir, 1, prefix="other")
    other_document = EnkelvoudigInformatieObject.objects.get()
    types = [uuid.uuid4(), uuid.uuid4()]
    type_url = "http://testserver/catalogi/api/v1/informatieobjecttypen/"
    paths = write_files(base_dir, 2)
    headers = list(REQUIRED_HEADERS)
    documents = [headers] + [
        [row.get(name, "") for name in headers]
        for row in (metadata_row(f"{type_url}{types[0]}", bestandspad=p) for p in paths)
    ]
    other_url = (
        f"http://testserver/documenten/api/v1/enkelvoudiginformatieobjecten/{other_document.uuid}"
    )
    data = workbook_bytes(
        {
            "informatieobjecttypen": [
                ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
                *([str(u), "T", "openbaar", "2024-01-01"] for u in types),
            ],
            "enkelvoudiginformatieobjecten": documents,
            "objectinformatieobjecten": [
                ["informatieobject", "object", "objectType"],
                [other_url, "https://zaken.example.org/zaken/1", "zaak"],
            ],
        }
    )
    job = create_job("bulkload", batch_size=100)
    key = store_source(job, [data], "xlsx")
    start_job(job, key, {"kind": "base_dir", "path": str(base_dir)}, enqueue=False)
    job = run(job)
    assert (job.status, job.succeeded, job.invalid) == (JobStatus.FINISHED, 5, 0)
    # Someone else's document uses the second type meanwhile: that type stays.
    EnkelvoudigInformatieObject.objects.filter(pk=other_document.pk).update(
        informatieobjecttype=InformatieObjectType.objects.get(uuid=types[1])
    )
    roll_back_job(job)
    run_worker()
    job.refresh_from_db()
    assert (
        job.rollback == RollbackStatus.ROLLED_BACK and "1 informatieobjecttypen stay" in job.comment
    )
    assert list(EnkelvoudigInformatieObject.objects.values_list("pk", flat=True)) == [
        other_document.pk
    ]
    assert not ObjectInformatieObject.objects.exists()
    assert list(
        InformatieObjectType.objects.filter(uuid__in=types).values_list("uuid", flat=True)
    ) == [types[1]]
    assert other.rollback == RollbackStatus.NONE
