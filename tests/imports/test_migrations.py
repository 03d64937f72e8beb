"""Upload definitions made before staging moved into the engine survive the move."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from docload.imports.models import AreaStatus, FileStatus, StagedFile, StagingArea

BEFORE = [
    ("imports", "0002_rowresult_job_index_from_unique"),
    ("uploads", "0002_file_status_index"),
]
AFTER = [("imports", "0003_staging_areas"), ("uploads", "0003_definitions_are_staging_areas")]


@pytest.mark.django_db(transaction=True)
def test_definitions_become_staging_areas_with_their_files_and_bytes() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    definition = old.get_model("uploads", "UploadDefinition").objects.create(
        status="IN_PROGRESS", created_by_user_id="alice", meta_job_execution_id=None
    )
    files = old.get_model("uploads", "FileDefinition").objects
    uploaded = files.create(upload_definition=definition, name="a.pdf", status="UPLOADED")
    waiting = files.create(upload_definition=definition, name="b.pdf", size=7, ui_key="k")
    old.get_model("imports", "StagedFile").objects.create(
        area=definition.uuid, name="a.pdf", key="staging/x/1", size=3, sha256="ab" * 32
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    area = StagingArea.objects.get(uuid=definition.uuid)
    assert (area.dialect, area.status, area.created_by) == (
        "uploads",
        AreaStatus.IN_PROGRESS,
        "alice",
    )
    assert area.file_counts() == {"NEW": 1, "UPLOADING": 0, "UPLOADED": 1, "ERROR": 0}
    a, b = StagedFile.objects.order_by("name")
    assert (a.uuid, a.status, a.key, a.size, a.sha256) == (
        uploaded.uuid, FileStatus.UPLOADED, "staging/x/1", 3, "ab" * 32,
    )  # fmt: skip
    assert (b.uuid, b.status, b.key, b.declared_size, b.client_key) == (
        waiting.uuid, FileStatus.NEW, "", 7, "k",
    )  # fmt: skip
    assert isinstance(a.area_id, uuid.UUID) and a.area_id == area.uuid

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back, for whoever needs to
    old = executor.loader.project_state(BEFORE).apps
    back = old.get_model("uploads", "FileDefinition").objects.order_by("name")
    assert [(f.uuid, f.status) for f in back] == [(a.uuid, "UPLOADED"), (b.uuid, "NEW")]
    assert old.get_model("imports", "StagedFile").objects.get().key == "staging/x/1"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
