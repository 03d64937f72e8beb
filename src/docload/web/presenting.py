"""A job as the page shows it: counters, progress, rate, ETA, and what staff can do with it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from docload.imports.jobs import job_status
from docload.imports.models import Job, JobStatus
from docload.web.actions import Action, actions_for

DIALECTS = {
    "openzaak": "Import API",
    "uploads": "Upload definition",
    "bulkload": "Bulk load",
    "cli": "Command line",
}


@dataclass(frozen=True)
class JobRow:
    job: Job
    state: str  # the status, `stalled` (active, no worker holds it) or how far its rollback is
    total: int | None
    percent: int
    rate: float | None
    eta: str
    actions: list[Action]

    @property
    def dialect(self) -> str:
        return DIALECTS.get(self.job.dialect, self.job.dialect)

    @property
    def has_report(self) -> bool:
        return has_report(self.job)


def has_report(job: Job) -> bool:
    """The report is offered once the import ended, as the Import API offers it."""
    return bool(job.source_key) and job.status in (JobStatus.FINISHED, JobStatus.ERROR)


def job_row(job: Job, now: datetime.datetime | None = None) -> JobRow:
    status = job_status(job, now or timezone.now())
    total = job.total
    if total:
        percent = min(100, job.processed * 100 // total)
    else:
        percent = 100 if job.status == JobStatus.FINISHED else 0
    return JobRow(
        job=job,
        state="stalled" if status["stalled"] else job.rollback or job.status,
        total=total,
        percent=percent,
        rate=status["rowsPerSecond"],
        eta=duration(status["etaSeconds"]),
        actions=actions_for(job),
    )


def duration(seconds: float | None) -> str:
    """`42 s`, `3 min 05 s`, `2 h 07 min`; '' when unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
