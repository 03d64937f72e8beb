"""One import in parts: split on PostgreSQL, each part a task, every row exactly once.

On SQLite an import stays in one piece; these tests lift that rule (`parts_allowed`) to test the
parts' logic there too, in one process. `make test-scale` runs them on PostgreSQL as they are.
"""

import csv
import datetime
import io
import logging
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports import parts
from docload.imports.jobs import cancel_job
from docload.imports.models import Job, JobPart, RowResult
from docload.imports.report import IMPORTED, stream_report
from docload.imports.runner import run_job, run_part, source_for
from docload.imports.scheduling import requeue_stalled_jobs, resume_job
from docload.imports.tasks import run_import_part
from tests.conftest import run_worker
from tests.factories import metadata_row, write_files
from tests.imports.conftest import start_import
from tests.storage import stored_keys

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parts_allowed(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parts, "_one_writer_at_a_time", lambda: False)
    settings.DOCLOAD_IMPORT_PART_ROWS = 5


def _import(base_dir: Path, type_url: str, count: int, **values: str) -> Job:
    paths = write_files(base_dir, count)
    rows = [metadata_row(type_url, bestandspad=path, titel=path, **values) for path in paths]
    return start_import(rows, batch_size=2)


def _rows_once(job: Job, count: int) -> None:
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.succeeded) == (
        "finished",
        count,
        count,
        count,
    )
    numbers = list(RowResult.objects.filter(job=job).values_list("row_number", flat=True))
    assert sorted(numbers) == list(range(2, count + 2))
    documents = EnkelvoudigInformatieObject.objects.filter(import_job=job)
    assert documents.count() == count
    assert len(set(documents.values_list("titel", flat=True))) == count
    assert set(stored_keys(f"documenten/import-{job.uuid.hex}")) == set(
        documents.values_list("content_key", flat=True)
    )


@pytest.mark.usefixtures("parts_allowed")
def test_a_large_import_is_split_into_parts_each_written_once(
    base_dir: Path, document_type_url: str
) -> None:
    job = _import(base_dir, document_type_url, 23)

    queued = run_job(job.uuid, "planner")
    assert len(queued) == 5
    planned = list(JobPart.objects.filter(job=job).order_by("number"))
    assert [(p.first_row, p.rows) for p in planned] == [(0, 5), (5, 5), (10, 5), (15, 5), (20, 3)]
    job.refresh_from_db()
    assert (job.total, job.lease_owner, job.lease_expires) == (23, "", None)

    for part_pk in reversed(queued):  # any order, any worker
        run_part(part_pk, f"worker-{part_pk % 2}")
        run_part(part_pk, "late")  # a second task for a done part does nothing
    _rows_once(job, 23)
    # The report is in file order, whatever order the parts ran in.
    report = list(csv.DictReader(io.StringIO("".join(stream_report(job, source_for(job))))))
    assert [line["resultaat"] for line in report] == [IMPORTED] * 23
    assert [line["titel"] for line in report] == sorted(line["titel"] for line in report)


@pytest.mark.usefixtures("parts_allowed")
def test_parts_run_as_tasks_of_the_worker(base_dir: Path, document_type_url: str) -> None:
    job = _import(base_dir, document_type_url, 12)
    for part_pk in run_job(job.uuid, "planner"):
        run_import_part.enqueue(part_pk)
    run_worker()
    _rows_once(job, 12)


@pytest.mark.usefixtures("parts_allowed")
def test_a_part_whose_worker_died_is_queued_again_and_finished_once(
    base_dir: Path, document_type_url: str
) -> None:
    job = _import(base_dir, document_type_url, 15)
    first, second, third = run_job(job.uuid, "planner")
    run_part(first, "alive")
    # A worker took the second part and died: its lease is live, nobody else may write it.
    assert parts.acquire_part(second, "dead") is not None
    run_part(second, "alive")
    assert JobPart.objects.get(pk=second).processed == 0
    run_part(third, "alive")
    job.refresh_from_db()
    assert (job.status, job.processed) == ("active", 10)

    JobPart.objects.filter(pk=second).update(lease_expires=timezone.now())  # ran out
    requeue_stalled_jobs()
    run_worker()
    _rows_once(job, 15)


@pytest.mark.usefixtures("parts_allowed")
def test_a_stopped_import_in_parts_resumes_its_unfinished_parts(
    base_dir: Path, document_type_url: str
) -> None:
    job = _import(base_dir, document_type_url, 14)
    queued = run_job(job.uuid, "planner")
    run_part(queued[1], "worker")
    cancel_job(job, "stopped by hand")
    run_part(queued[0], "worker")  # its job stopped: nothing written
    assert JobPart.objects.get(pk=queued[0]).processed == 0

    resume_job(job)
    job.refresh_from_db()
    assert sorted(run_job(job.uuid, "resumer")) == sorted([queued[0], queued[2]])
    for part_pk in queued:
        run_part(part_pk, "worker")
    _rows_once(job, 14)


@pytest.mark.usefixtures("parts_allowed")
def test_an_identificatie_taken_meanwhile_makes_one_row_a_duplicate_not_its_batch(
    base_dir: Path, document_type_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two parts written at once, a row in each with the same identificatie: whichever commits
    second finds it taken at commit time (the database's unique constraint), and only that row
    is not imported."""
    paths = write_files(base_dir, 10)
    rows = [metadata_row(document_type_url, bestandspad=path, titel=path) for path in paths]
    rows[1]["identificatie"] = rows[7]["identificatie"] = "SHARED-1"
    job = start_import(rows, batch_size=5)
    first, second = run_job(job.uuid, "planner")

    from docload.imports import writer

    checked = writer.look_up_taken

    def then_the_other_part_commits(context, batch):  # type: ignore[no-untyped-def]
        checked(context, batch)
        if context.part.pk == second:
            monkeypatch.setattr(writer, "look_up_taken", checked)
            run_part(first, "other")  # commits SHARED-1 after this batch was checked

    monkeypatch.setattr(writer, "look_up_taken", then_the_other_part_commits)
    run_part(second, "worker")

    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded, job.invalid) == ("finished", 10, 9, 1)
    refused = RowResult.objects.get(job=job, imported=False)
    assert refused.row_number == 9 and "SHARED-1" in refused.comment
    assert EnkelvoudigInformatieObject.objects.filter(import_job=job).count() == 9
    documents = EnkelvoudigInformatieObject.objects.filter(import_job=job)
    assert set(stored_keys(f"documenten/import-{job.uuid.hex}")) == set(
        documents.values_list("content_key", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's rule")
def test_on_sqlite_an_import_stays_in_one_piece_and_says_so(
    base_dir: Path, document_type_url: str, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DOCLOAD_IMPORT_PART_ROWS = 5
    job = _import(base_dir, document_type_url, 12)
    with caplog.at_level(logging.INFO, logger="docload.imports.parts"):
        assert run_job(job.uuid, "worker") == []
    assert "runs on one worker: SQLite has one writer at a time" in caplog.text
    assert not JobPart.objects.exists()
    _rows_once(job, 12)


@pytest.mark.usefixtures("parts_allowed")
def test_small_imports_and_dry_runs_stay_in_one_piece(
    base_dir: Path, document_type_url: str
) -> None:
    small = _import(base_dir, document_type_url, 5)
    assert run_job(small.uuid, "worker") == []
    _rows_once(small, 5)
    assert not JobPart.objects.exists()
    assert timezone.now() - small.finished_on < datetime.timedelta(minutes=1)
