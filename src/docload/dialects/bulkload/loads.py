"""Starting, scheduling and canceling loads: the bulk load's requests as engine calls."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from docload.dialects.bulkload.models import Load
from docload.imports.areas import extension_of, job_from_staged
from docload.imports.content import check_base_dir
from docload.imports.errors import ImportProblem
from docload.imports.jobs import cancel_job, expired_jobs
from docload.imports.models import FileStatus, Job, StagedFile
from docload.imports.receiving import receive_all
from docload.imports.scheduling import start_job

DIALECT = "bulkload"
CANCELED = "Transaction canceled"
_MAX_OFFSET_MINUTES = 14 * 60  # UTC-14:00 to UTC+14:00, the offsets in use


def receive_uploads(files: list[Any], hierarchy: str, user: str) -> list[StagedFile]:
    """Stage the uploaded files together in a new area; `hierarchy` is kept with each."""
    return receive_all(DIALECT, files, user, client_key=hierarchy)


def find_workbook(reference: str) -> StagedFile:
    """The newest uploaded file named `reference`, or with it as id (`file-not-found`)."""
    files = StagedFile.objects.filter(
        area__dialect=DIALECT, status=FileStatus.UPLOADED, archive=None
    )
    try:
        by_id = files.filter(uuid=uuid.UUID(reference))
    except ValueError:
        by_id = files.none()
    found = by_id.first() or files.filter(name=reference).order_by("-uploaded_on", "-pk").first()
    if found is None:
        raise ImportProblem("file-not-found", f"No uploaded file is named {reference!r}.")
    if extension_of(found.name) != ".xlsx":
        raise ImportProblem("not-xlsx", f"{found.name}: only .xlsx workbooks can be loaded.")
    return found


def execute_at(date: str, time: str, offset: Any, now: datetime.datetime) -> datetime.datetime:
    """The UTC time of a local `YYYY-MM-DD` date and `HH:MM:SS` time at `offset` minutes from
    UTC; `invalid-schedule` when any is malformed or the time has passed."""
    try:
        minutes = int(str(offset).strip())
    except ValueError:
        raise ImportProblem(
            "invalid-timezone", f"execute_timezone {offset!r} is not minutes from UTC."
        ) from None
    if abs(minutes) > _MAX_OFFSET_MINUTES:
        raise ImportProblem(
            "invalid-timezone", f"execute_timezone {minutes} is beyond 14 hours from UTC."
        )
    try:
        local = datetime.datetime.combine(
            datetime.date.fromisoformat(date), datetime.time.fromisoformat(time)
        )
    except (TypeError, ValueError):
        raise ImportProblem(
            "invalid-schedule",
            f"execute_date {date!r} / execute_time {time!r}: give YYYY-MM-DD and HH:MM:SS.",
        ) from None
    zone = datetime.timezone(datetime.timedelta(minutes=minutes))
    at = local.replace(tzinfo=zone).astimezone(datetime.UTC)
    if at <= now:
        raise ImportProblem(
            "schedule-in-past", f"The time {local.replace(tzinfo=zone)} has passed."
        )
    return at


def _content_source(workbook: StagedFile) -> dict[str, Any]:
    """Files uploaded with the workbook when there are any, else the base directory."""
    if StagedFile.objects.filter(area__uuid=workbook.area_id).exclude(pk=workbook.pk).exists():
        return {"kind": "staged", "area": str(workbook.area_id)}
    check_base_dir(settings.IMPORT_DOCUMENTEN_BASE_DIR)
    return {"kind": "base_dir", "path": str(settings.IMPORT_DOCUMENTEN_BASE_DIR)}


def start_load(
    workbook: StagedFile, run_after: datetime.datetime | None, offset: int | None
) -> tuple[Job, Load]:
    """A job for the workbook, checked and queued (now, or at `run_after`), with its Load."""
    content_source = _content_source(workbook)
    with (
        job_from_staged(workbook, DIALECT, "xlsx", "file-not-found", run_after=run_after) as (
            job,
            key,
        ),
        transaction.atomic(),
    ):
        start_job(job, key, content_source)
        load = Load.objects.create(
            job_uuid=job.uuid,
            file_name=workbook.name,
            file_uuid=workbook.uuid,
            submitted_on=job.created_on,
            execute_at=run_after,
            execute_timezone=offset,
        )
    return job, load


def cancel_load(job: Job, load: Load) -> None:
    """Cancel a scheduled or running load (`invalid-status` when it ended)."""
    with transaction.atomic():
        cancel_job(job, CANCELED)
        load.canceled_on = timezone.now()
        load.save(update_fields=["canceled_on"])


def delete_expired_loads(now: datetime.datetime) -> int:
    """Retention: the loads whose jobs retention is about to delete go first."""
    deleted, _ = Load.objects.filter(job_uuid__in=expired_jobs(now).values("uuid")).delete()
    return deleted
