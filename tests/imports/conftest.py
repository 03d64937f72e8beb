from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.jobs import create_job, store_csv_source
from docload.imports.models import Job
from docload.imports.runner import run_job
from docload.imports.scheduling import start_job
from tests.factories import csv_text


def start_import(
    rows: Iterable[dict[str, Any]],
    batch_size: int = 500,
    headers: Iterable[str] = REQUIRED_HEADERS,
    dialect: str = "openzaak",
) -> Job:
    """An active job whose metadata CSV holds `rows`, content under the base directory."""
    job = create_job(dialect, batch_size=batch_size)
    key = store_csv_source(job, [csv_text(rows, headers).encode()])
    content_source = {"kind": "base_dir", "path": str(settings.IMPORT_DOCUMENTEN_BASE_DIR)}
    start_job(job, key, content_source, enqueue=False)
    return job


def run(job: Job, worker: str = "test-worker") -> Job:
    run_job(job.uuid, worker)
    job.refresh_from_db()
    return job
