"""A load as a transaction: its status, log and sub-transactions (one per sheet row)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from docload.dialects.bulkload.loads import CANCELED
from docload.dialects.bulkload.models import Load
from docload.imports.models import Job, JobStatus, RollbackStatus, RowResult

ACTION = "Execute Bulk Load"
SCHEDULED, QUEUED, IN_PROGRESS, SUCCESS, FAIL = (
    "Scheduled", "Queued", "In Progress", "Success", "Fail",
)  # fmt: skip
_FAILED_ROWS_LOGGED = 20


def status_of(job: Job, load: Load, now: datetime.datetime | None = None) -> str:
    """`Fail` when the load was canceled, could not run or any row failed; `Success` when every
    row loaded; before that `Scheduled` (its time not come), `Queued` or `In Progress`."""
    now = now or timezone.now()
    if load.canceled_on or job.status == JobStatus.ERROR:
        return FAIL
    if job.status == JobStatus.FINISHED:
        return FAIL if job.invalid else SUCCESS
    if job.run_after and job.run_after > now and job.started_on is None:
        return SCHEDULED
    return IN_PROGRESS if job.started_on else QUEUED


def message_of(job: Job, load: Load, status: str) -> str:
    if job.rollback:
        return "Rolled back." if job.rollback == RollbackStatus.ROLLED_BACK else "Rolling back."
    if load.canceled_on:
        return CANCELED
    if job.status == JobStatus.ERROR:
        return job.comment
    if status == SCHEDULED and job.run_after:
        return f"Scheduled for {job.run_after.isoformat()}."
    total = "?" if job.total is None else job.total
    return f"{job.succeeded} of {total} rows loaded, {job.invalid} failed."


def href(job: Job) -> str:
    return reverse("bulkload-transaction", args=[job.uuid]).rstrip("/")


def short(job: Job, load: Load) -> dict[str, Any]:
    """The poll form: status, href and description."""
    status = status_of(job, load)
    return {"status": status, "href": href(job), "description": message_of(job, load, status)}


def summary(job: Job, load: Load) -> dict[str, Any]:
    """The transaction without its log and rows."""
    status = status_of(job, load)
    return {
        "pkid": str(job.uuid),
        "href": href(job),
        "status": status,
        "submitted_time": load.submitted_on,
        "started_time": job.started_on,
        "completed_time": job.finished_on,
        "rolled_back": "Yes" if job.rollback == RollbackStatus.ROLLED_BACK else "No",
        "action": ACTION,
        "detail": f"Bulk load of {load.file_name}",
        "message": message_of(job, load, status),
    }


def logs(job: Job, load: Load) -> list[dict[str, Any]]:
    """The log, from the job's times and its failed rows (the first few named one by one)."""
    entries: list[tuple[str, str, Any]] = [
        ("info", f"Bulk load of {load.file_name} submitted.", load.submitted_on)
    ]
    if load.execute_at:
        entries.append(("info", f"Scheduled for {load.execute_at.isoformat()}.", load.submitted_on))
    if job.started_on:
        entries.append(("info", "Load started.", job.started_on))
    failed = RowResult.objects.filter(job=job, imported=False).order_by("row_number")
    end = job.finished_on or timezone.now()
    for row in failed[:_FAILED_ROWS_LOGGED]:
        entries.append(("error", f"{_where(row)}: {row.comment}", end))
    if job.invalid > _FAILED_ROWS_LOGGED:
        entries.append(("error", f"{job.invalid} rows failed in all.", end))
    if load.canceled_on:
        entries.append(("warning", CANCELED, load.canceled_on))
    elif job.status == JobStatus.ERROR:
        entries.append(("error", job.comment, job.finished_on))
    elif job.status == JobStatus.FINISHED:
        text = f"Load finished: {job.succeeded} rows loaded, {job.invalid} failed."
        entries.append(("error" if job.invalid else "info", text, job.finished_on))
    if job.rolled_back_on:
        entries.append(("info", "Load rolled back.", job.rolled_back_on))
    return [
        {
            "log_id": number,
            "message": message,
            "severity": severity,
            "time": time,
            "transaction_id": str(job.uuid),
        }
        for number, (severity, message, time) in enumerate(entries, start=1)
    ]


def sub_transactions(job: Job, load: Load, limit: int, offset: int) -> dict[str, Any]:
    """One page of the rows' sub-transactions, with their count."""
    rows = RowResult.objects.filter(job=job).order_by("row_number")
    parent = href(job)
    return {
        "sub_transactions_count": rows.count(),
        "sub_transactions_offset": offset,
        "sub_transactions_limit": limit,
        "sub_transactions": [
            {
                "pkid": f"{job.uuid}-{row.row_number}",
                "action": f"Load {_where(row)}",
                "detail": row.comment
                or f"Loaded {row.identificatie or row.document_uuid} ({row.document_uuid}).",
                "status": SUCCESS if row.imported else FAIL,
                "submitted_time": load.submitted_on,
                "completed_time": row.recorded_on,
                "transaction": parent,
            }
            for row in rows[offset : offset + limit]
        ],
    }


def _where(row: RowResult) -> str:
    return row.place or f"row {row.row_number}"


def full(job: Job, load: Load, limit: int, offset: int) -> dict[str, Any]:
    return {
        **summary(job, load),
        "logs": logs(job, load),
        **sub_transactions(job, load, limit, offset),
    }
