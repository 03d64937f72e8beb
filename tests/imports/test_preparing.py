"""Preparing rows: mapping by column name and the uuids of rows that give none."""

import uuid
from pathlib import Path

import pytest

from docload.documents.models import EnkelvoudigInformatieObject
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("both_copiers")]


def test_rows_without_uuid_get_uuid5_of_job_and_row_number(
    base_dir: Path, document_type_url: str
) -> None:
    """Deterministic, so that a batch redone after a crash writes the same content keys."""
    paths = write_files(base_dir, 3, size=10)
    job = run(start_import([metadata_row(document_type_url, bestandspad=p) for p in paths]))

    documents = EnkelvoudigInformatieObject.objects.all()
    assert {d.uuid for d in documents} == {uuid.uuid5(job.uuid, str(n)) for n in (2, 3, 4)}
    assert all(str(d.uuid) in d.content_key for d in documents)


def test_columns_are_matched_by_name_and_extra_columns_kept(
    base_dir: Path, document_type_url: str
) -> None:
    from docload.imports.columns import REQUIRED_HEADERS

    headers = ["extra", *reversed(REQUIRED_HEADERS)]
    job = run(start_import([metadata_row(document_type_url, extra="kept")], headers=headers))
    assert job.succeeded == 1
