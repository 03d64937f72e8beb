"""Background tasks. A task carries only a job's uuid; the job's state is in the database."""

from __future__ import annotations

import datetime
import os
import socket
import uuid

from django_tasks import task

from docload.imports.jobs import delete_expired_jobs
from docload.imports.rollback import roll_back
from docload.imports.runner import run_job, run_part

_RUN_TOKEN = uuid.uuid4().hex[:6]


def worker_id() -> str:
    """Names the process holding a lease (host, pid, and a token against pid reuse)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_RUN_TOKEN}"


@task(queue_name="imports")
def run_import(job_uuid: str) -> None:
    for part_pk in run_job(uuid.UUID(job_uuid), worker_id=worker_id()):
        enqueue_part(part_pk)


@task(queue_name="imports")
def run_import_part(part_pk: int) -> None:
    run_part(part_pk, worker_id=worker_id())


@task(queue_name="imports")
def roll_back_import(job_uuid: str) -> None:
    roll_back(uuid.UUID(job_uuid), worker_id=worker_id())


@task(queue_name="default")
def apply_retention() -> int:
    return delete_expired_jobs()


def enqueue_job(job_uuid: uuid.UUID, run_after: datetime.datetime | None = None) -> None:
    """Queue the job's task, to run at once or not before `run_after`."""
    task = run_import.using(run_after=run_after) if run_after is not None else run_import
    task.enqueue(str(job_uuid))


def enqueue_part(part_pk: int) -> None:
    """Queue a part of a job in parts (`imports.parts`): any worker may take it."""
    run_import_part.enqueue(part_pk)


def enqueue_rollback(job_uuid: uuid.UUID) -> None:
    roll_back_import.enqueue(str(job_uuid))
