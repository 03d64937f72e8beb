"""A worker asked to stop hands its job back after a committed batch; a heartbeat keeps a lease."""

import datetime
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.jobs import acquire_lease
from docload.imports.lease import heartbeat, stop_requested
from docload.imports.models import Job, RowResult
from docload.imports.scheduling import requeue_stalled_jobs
from tests.conftest import run_worker
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import
from tests.imports.test_runner import DOCUMENT_INSERT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_stop_left_over() -> Iterator[None]:
    yield
    stop_requested.clear()


def test_a_stop_request_hands_the_job_back_and_the_next_worker_finishes_it(
    base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 95)
    job = start_import(
        [metadata_row(document_type_url, bestandspad=p) for p in paths], batch_size=10
    )
    inserts = 0

    def stop_at_second_insert(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal inserts
        if sql.startswith(DOCUMENT_INSERT):
            inserts += 1
            if inserts == 2:
                stop_requested.set()  # as the worker's SIGTERM handler does
        return execute(sql, params, many, context)

    with connection.execute_wrapper(stop_at_second_insert):
        job = run(job, worker="stopping")
    # The batches in flight committed, nothing after them; the lease is free at once.
    assert job.status == "active"
    assert 20 <= job.processed < 95 and job.processed % 10 == 0
    assert EnkelvoudigInformatieObject.objects.count() == RowResult.objects.count() == job.processed
    assert job.lease_owner == "" and job.lease_expires is not None
    assert job.lease_expires <= timezone.now()

    stop_requested.clear()
    assert requeue_stalled_jobs() == [job.uuid]
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded) == ("finished", 95, 95)
    assert EnkelvoudigInformatieObject.objects.count() == 95
    assert RowResult.objects.values("row_number").distinct().count() == 95


def test_the_heartbeat_renews_the_lease_while_the_job_runs(
    settings, document_type_url: str
) -> None:
    settings.IMPORT_LEASE_SECONDS = 1
    job = start_import([metadata_row(document_type_url)])
    assert acquire_lease(job.uuid, "slow") is not None
    with heartbeat(job, "slow"):
        time.sleep(1.6)  # longer than the lease: only the heartbeat keeps it
        job.refresh_from_db()
        assert job.lease_owner == "slow"
        assert job.lease_expires is not None and job.lease_expires > timezone.now()
    assert acquire_lease(job.uuid, "other") is None


def test_the_heartbeat_does_not_renew_a_lease_taken_over(settings, document_type_url: str) -> None:
    settings.IMPORT_LEASE_SECONDS = 1
    job = start_import([metadata_row(document_type_url)])
    acquire_lease(job.uuid, "old")
    with heartbeat(job, "old"):
        taken_until = timezone.now() - datetime.timedelta(seconds=1)
        Job.objects.filter(pk=job.pk).update(lease_owner="new", lease_expires=taken_until)
        time.sleep(0.8)  # two beats
    job.refresh_from_db()
    assert (job.lease_owner, job.lease_expires) == ("new", taken_until)
