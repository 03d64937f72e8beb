"""Uniqueness of rows' uuids and identificaties, also across batches that overlap in time."""

import uuid
from pathlib import Path

import pytest

from docload.documents.models import EnkelvoudigInformatieObject
from tests.factories import metadata_row, write_files
from tests.imports.conftest import outcomes, run, start_import
from tests.storage import stored_keys

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("both_copiers")]


def test_duplicates_across_overlapping_batches(base_dir: Path, document_type_url: str) -> None:
    """Batches overlap in time; a duplicate in the next batch is still caught."""
    paths = write_files(base_dir, 6)
    repeated = str(uuid.uuid4())
    rows = [metadata_row(document_type_url, bestandspad=path) for path in paths]
    rows[0]["uuid"] = rows[1]["uuid"] = repeated
    rows[2]["identificatie"] = rows[3]["identificatie"] = "EIGEN-7"
    rows[4]["bestandsomvang"] = "1"  # invalid content: its uuid is free for nobody else
    job = run(start_import(rows, batch_size=1))

    results = outcomes(job)
    assert [results[number][0] for number in range(2, 8)] == [True, False, True, False, False, True]
    assert "already exists" in results[3][1]
    assert "EIGEN-7" in results[5][1]
    assert EnkelvoudigInformatieObject.objects.count() == 3
    stored = {document.content_key for document in EnkelvoudigInformatieObject.objects.all()}
    assert set(stored_keys("documenten")) == stored
