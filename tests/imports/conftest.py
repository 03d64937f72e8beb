from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage

from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.content import BaseDirectoryResolver
from docload.imports.copiers import ProcessCopier, ThreadCopier, copier_for
from docload.imports.jobs import create_job, store_csv_source
from docload.imports.models import Job, RowResult
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


def outcomes(job: Job) -> dict[int, tuple[bool, str]]:
    """Each row's (imported, comment), by row number."""
    return {r.row_number: (r.imported, r.comment) for r in RowResult.objects.filter(job=job)}


LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"


class ThroughStorageApi(FileSystemStorage):
    """Files on disk that docload does not write itself: content goes through Django's storage
    API, in copy threads, as it does for S3."""


@pytest.fixture(params=[ProcessCopier, ThreadCopier])
def both_copiers(request: pytest.FixtureRequest, settings: Any, base_dir: Path) -> Any:
    """Runs a test with both copiers: processes for local files, threads otherwise.

    A module uses it for all its tests with `pytest.mark.usefixtures("both_copiers")`.
    """
    default = settings.STORAGES["default"]
    if request.param is ProcessCopier and default["BACKEND"] != LOCAL_BACKEND:
        # Copy processes need local storage: under `make test-scale`, local files for this one.
        location = str(base_dir.parent / "content")
        default = {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": location}}
        settings.STORAGES = {**settings.STORAGES, "default": default}
    elif request.param is ThreadCopier and default["BACKEND"] == LOCAL_BACKEND:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**default, "BACKEND": f"{__name__}.ThroughStorageApi"},
        }
    with copier_for(BaseDirectoryResolver(base_dir)) as chosen:
        assert type(chosen) is request.param
    return request.param
