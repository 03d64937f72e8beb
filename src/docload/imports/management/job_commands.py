"""What the commands that act on one import share: finding it by uuid, and saying no clearly."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError

from docload.imports.errors import ImportProblem
from docload.imports.models import Job

_T = TypeVar("_T")


def on_job(job_uuid: str, operation: Callable[[Job], _T]) -> tuple[Job, _T]:
    """Apply the engine operation to the import; CommandError when there is none, or when the
    engine refuses."""
    job = Job.objects.filter(uuid=job_uuid).first()
    if job is None:
        raise CommandError(f"No import {job_uuid}")
    try:
        return job, operation(job)
    except ImportProblem as exc:
        raise CommandError(exc.message) from exc
