import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from docload.documents.models import EnkelvoudigInformatieObject
from docload.documents.storage import content_storage
from docload.imports.errors import ImportProblem
from docload.imports.jobs import create_job, delete_expired_jobs, delete_job, job_status
from docload.imports.models import Job, RowResult
from docload.imports.scheduling import resume_job
from tests.conftest import run_worker
from tests.factories import metadata_row
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_retention_deletes_old_imports_but_never_documents(
    settings, document_type_url: str
) -> None:
    settings.IMPORT_RETENTION_DAYS = 7
    now = timezone.now()
    old_finished = run(start_import([metadata_row(document_type_url)]))
    Job.objects.filter(pk=old_finished.pk).update(finished_on=now - datetime.timedelta(days=8))
    recent_error = create_job("cli", status="error", finished_on=now - datetime.timedelta(days=6))
    old_pending = create_job("openzaak")
    Job.objects.filter(pk=old_pending.pk).update(created_on=now - datetime.timedelta(days=8))
    active = create_job("cli", status="active")
    Job.objects.filter(pk=active.pk).update(created_on=now - datetime.timedelta(days=30))

    assert delete_expired_jobs(now) == 2
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_error.pk, active.pk}
    assert not content_storage().exists(old_finished.source_key)
    assert not RowResult.objects.exists()
    assert EnkelvoudigInformatieObject.objects.count() == 1


def test_retention_runs_as_a_task(settings, document_type_url: str) -> None:
    from docload.imports.tasks import apply_retention

    job = create_job(
        "cli", status="finished", finished_on=timezone.now() - datetime.timedelta(days=30)
    )
    apply_retention.enqueue()
    run_worker()
    assert not Job.objects.filter(pk=job.pk).exists()


def test_active_jobs_cannot_be_deleted(document_type_url: str) -> None:
    job = start_import([metadata_row(document_type_url)])
    with pytest.raises(ImportProblem) as problem:
        delete_job(job)
    assert problem.value.code == "import-invalid-status"


def test_status_has_rate_and_eta(base_dir: Path) -> None:
    started = timezone.now() - datetime.timedelta(seconds=10)
    job = create_job("cli", status="active", total=1000, processed=100, started_on=started)
    status = job_status(job, now=started + datetime.timedelta(seconds=10))
    assert status["rowsPerSecond"] == 10.0
    assert status["etaSeconds"] == 90.0
    assert status["total"] == 1000 and status["status"] == "active"


def test_an_active_job_that_no_worker_holds_is_stalled_and_has_no_eta() -> None:
    started = timezone.now() - datetime.timedelta(seconds=10)
    job = create_job("cli", status="active", total=1000, processed=100, started_on=started)
    job.lease_owner, job.lease_expires = (
        "dead-worker",
        timezone.now() - datetime.timedelta(seconds=1),
    )
    status = job_status(job)
    assert status["stalled"] is True and status["etaSeconds"] is None
    job.lease_expires = timezone.now() + datetime.timedelta(seconds=30)
    assert job_status(job)["stalled"] is False and job_status(job)["etaSeconds"] is not None
    job.status = "finished"
    assert job_status(job)["stalled"] is False


def test_resume_takes_over_a_stalled_job_but_never_a_live_one() -> None:
    live = create_job(
        "cli", status="active", lease_owner="alive",
        lease_expires=timezone.now() + datetime.timedelta(seconds=30),
    )  # fmt: skip
    with pytest.raises(ImportProblem, match="stalled"):
        resume_job(live)
    stalled = create_job(
        "cli", status="active", processed=5, lease_owner="dead",
        lease_expires=timezone.now() - datetime.timedelta(seconds=1),
    )  # fmt: skip
    resume_job(stalled)
    stalled.refresh_from_db()
    assert (stalled.status, stalled.lease_owner, stalled.processed) == ("active", "", 5)
    queued = DBTaskResult.objects.filter(status="READY", args_kwargs__args=[str(stalled.uuid)])
    assert queued.count() == 1  # for any worker to take
    assert not job_status(stalled)["stalled"]
