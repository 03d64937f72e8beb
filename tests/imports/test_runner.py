"""Faults, leases and resuming: a job's rows end up exactly once."""

import datetime
from pathlib import Path

import psutil
import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.jobs import acquire_lease
from docload.imports.models import Job, RowResult
from docload.imports.scheduling import requeue_stalled_jobs, resume_job
from tests.conftest import run_worker
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import
from tests.storage import stored_keys

pytestmark = pytest.mark.django_db(transaction=True)
# The statements that insert documents (for `str.startswith`): COPY on PostgreSQL.
DOCUMENT_INSERT = (
    'INSERT INTO "documents_enkelvoudiginformatieobject"',
    'COPY "documents_enkelvoudiginformatieobject"',
)


def stored_files(data_dir: Path) -> set[str]:
    return set(stored_keys("documenten"))


class AtDocumentInsert:
    """An execute wrapper that calls `fault()` at the n-th document insert."""

    def __init__(self, at_insert: int) -> None:
        self.at_insert = at_insert
        self.inserts = 0

    def fault(self) -> None:
        raise NotImplementedError

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(DOCUMENT_INSERT):
            self.inserts += 1
            if self.inserts == self.at_insert:
                self.fault()
        return execute(sql, params, many, context)


class ConnectionLoss(AtDocumentInsert):
    """Makes the database connection fail at the n-th document insert, like a dropped server."""

    def fault(self) -> None:
        raise OperationalError("server closed the connection unexpectedly")


def test_connection_loss_stops_the_job_and_resume_finishes_it(
    base_dir: Path, data_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 25)
    rows = [metadata_row(document_type_url, bestandspad=path, titel=path) for path in paths]
    job = start_import(rows, batch_size=10)
    with connection.execute_wrapper(ConnectionLoss(at_insert=2)):
        job = run(job)

    assert job.status == "error" and "server closed the connection" in job.comment
    assert (job.processed, job.succeeded) == (10, 10)
    comments = dict(RowResult.objects.filter(job=job).values_list("row_number", "comment"))
    assert all(comments[number] == "" for number in range(2, 12))
    assert all("the import stopped" in comments[number] for number in range(12, 22))
    # Only the first batch's documents and content remain.
    documents = EnkelvoudigInformatieObject.objects.all()
    assert documents.count() == 10
    assert stored_files(data_dir) == {d.content_key for d in documents}

    resume_job(job)
    job = run(job)
    assert (job.status, job.processed, job.succeeded, job.invalid) == ("finished", 25, 25, 0)
    assert RowResult.objects.filter(job=job, imported=True).count() == 25
    assert sorted(EnkelvoudigInformatieObject.objects.values_list("titel", flat=True)) == paths
    assert len(stored_files(data_dir)) == 25


class CopyProcessDeath(AtDocumentInsert):
    """Kills the copy processes at the n-th document insert, as the kernel's OOM killer would."""

    killed: frozenset[int] = frozenset()

    def fault(self) -> None:
        processes = copy_processes()
        assert processes
        for process in processes:
            process.kill()
        psutil.wait_procs(processes, timeout=10)
        self.killed = frozenset(process.pid for process in processes)


def copy_processes() -> list[psutil.Process]:
    return [
        child for child in psutil.Process().children() if "spawn_main" in " ".join(child.cmdline())
    ]


@pytest.mark.usefixtures("local_content")  # copy processes serve local storage only
def test_dead_copy_processes_lose_nothing_and_are_replaced(
    base_dir: Path, data_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 45)
    rows = [metadata_row(document_type_url, bestandspad=path, titel=path) for path in paths]
    job = start_import(rows, batch_size=10)
    death = CopyProcessDeath(at_insert=1)
    with connection.execute_wrapper(death):
        job = run(job)

    if job.status == "error":  # copies were on their way when the processes died
        assert "BrokenProcessPool" in job.comment
        documents = EnkelvoudigInformatieObject.objects.all()
        assert stored_files(data_dir) == {d.content_key for d in documents}  # no half batch
        resume_job(job)
        job = run(job)
    # Otherwise the next copies went to new processes at once.
    assert (job.status, job.processed, job.succeeded, job.invalid) == ("finished", 45, 45, 0)
    assert sorted(EnkelvoudigInformatieObject.objects.values_list("titel", flat=True)) == paths
    assert len(stored_files(data_dir)) == 45
    assert death.killed and not death.killed & {p.pid for p in copy_processes()}


def test_constraint_violation_fails_its_batch_and_the_import_goes_on(
    base_dir: Path, data_dir: Path, document_type_url: str
) -> None:
    year = timezone.now().year
    paths = write_files(base_dir, 6)
    rows = [metadata_row(document_type_url, bestandspad=path) for path in paths]
    # Row 3 claims the identificatie the generator will hand out next, in the next batch.
    rows[2]["identificatie"] = f"DOCUMENT-{year}-0000000003"
    job = run(start_import(rows, batch_size=2))

    assert job.status == "finished"
    results = {r.row_number: r for r in RowResult.objects.filter(job=job)}
    assert [results[n].imported for n in range(2, 8)] == [True, True, False, False, True, True]
    assert "Batch not imported" in results[4].comment and "Batch not imported" in results[5].comment
    assert (job.succeeded, job.invalid) == (4, 2)
    documents = EnkelvoudigInformatieObject.objects.all()
    assert stored_files(data_dir) == {d.content_key for d in documents}


def test_a_job_whose_task_was_lost_before_any_lease_is_queued_again(
    base_dir: Path, settings, document_type_url: str
) -> None:
    settings.IMPORT_LEASE_SECONDS = 0  # what a worker holding no lease leaves after its lease
    paths = write_files(base_dir, 3)
    job = start_import([metadata_row(document_type_url, bestandspad=p) for p in paths])
    # Started, but no worker ever leased it (its task died with the worker that claimed it).
    assert requeue_stalled_jobs() == [job.uuid]


def test_a_dead_workers_job_is_taken_over_after_its_lease(
    base_dir: Path, settings, document_type_url: str
) -> None:
    paths = write_files(base_dir, 5)
    job = start_import(
        [metadata_row(document_type_url, bestandspad=p) for p in paths], batch_size=2
    )
    assert acquire_lease(job.uuid, "worker-that-dies") is not None
    # While the lease lives, nobody else takes the job.
    assert acquire_lease(job.uuid, "other") is None
    assert requeue_stalled_jobs() == []

    Job.objects.filter(pk=job.pk).update(
        lease_expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert requeue_stalled_jobs() == [job.uuid]
    assert requeue_stalled_jobs() == []  # queued once, not on every sweep
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.succeeded) == ("finished", 5)
    assert EnkelvoudigInformatieObject.objects.count() == 5


def test_a_worker_cannot_take_a_live_lease(base_dir: Path, document_type_url: str) -> None:
    job = start_import([metadata_row(document_type_url)] * 1, batch_size=1)
    acquire_lease(job.uuid, "old")
    Job.objects.filter(pk=job.pk).update(
        lease_expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert acquire_lease(job.uuid, "new") is not None
    run_job_as_old_owner = run(job, worker="old")  # "old" cannot take the live lease of "new"
    assert run_job_as_old_owner.processed == 0
    assert not EnkelvoudigInformatieObject.objects.exists()


def test_a_batch_of_a_worker_that_lost_its_lease_is_not_committed(
    base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 2)
    job = start_import([metadata_row(document_type_url, bestandspad=p) for p in paths])

    def take_over(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(DOCUMENT_INSERT):
            # Another worker takes the job while this one writes its batch.
            Job.objects.filter(pk=job.pk).update(lease_owner="new")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(take_over):
        job = run(job, worker="old")
    assert (job.status, job.processed) == ("active", 0)
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not RowResult.objects.exists()


def test_an_unreadable_line_fails_its_row_and_the_job_finishes(document_type_url: str) -> None:
    from docload.documents.storage import store_content
    from docload.imports.columns import REQUIRED_HEADERS

    job = start_import([metadata_row(document_type_url)])
    store_content(job.source_key, [",".join(REQUIRED_HEADERS).encode() + b"\n\xff\xfe\n"])
    job = run(job)
    assert (job.status, job.total, job.invalid) == ("finished", 1, 1)
    assert RowResult.objects.get(job=job).comment == "line 2: not UTF-8: byte 0xFF."


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own pragmas")
def test_sqlite_checkpoints_less_often_while_a_job_writes(
    base_dir: Path, document_type_url: str
) -> None:
    """Bulk settings hold while the batches write and are undone afterwards, so the worker's
    connection serves other tasks as before."""

    def pragmas() -> tuple[int, ...]:
        raw = connection.connection  # the sqlite3 connection, past Django's wrappers
        names = ("wal_autocheckpoint", "cache_size")
        return tuple(raw.execute(f"PRAGMA {name}").fetchone()[0] for name in names)

    connection.ensure_connection()
    before = pragmas()
    while_writing: list[tuple[int, ...]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(DOCUMENT_INSERT):
            while_writing.append(pragmas())
        return execute(sql, params, many, context)

    paths = write_files(base_dir, 3)
    job = start_import([metadata_row(document_type_url, bestandspad=p) for p in paths])
    with connection.execute_wrapper(record):
        assert run(job).succeeded == 3
    assert while_writing and all(now == (10000, -65536) for now in while_writing)
    assert before != (10000, -65536) and pragmas() == before
