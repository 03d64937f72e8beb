"""Committing batches: documents with their content, zaak links and generated identificaties."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.storage import open_content
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("both_copiers")]


def test_valid_rows_import_with_content_and_links(base_dir: Path, document_type_url: str) -> None:
    paths = write_files(base_dir, 3, size=5000)
    zaak = str(uuid.uuid4())
    rows = [
        metadata_row(document_type_url, bestandspad=path, titel=f"doc {n}")
        for n, path in enumerate(paths)
    ]
    rows[0]["zaakUuid"] = zaak
    rows[1]["identificatie"] = "EIGEN-1"
    rows[2]["trefwoorden"] = '"archief,besluit"'
    job = run(start_import(rows))

    assert (job.status, job.total, job.processed, job.succeeded, job.invalid) == (
        "finished",
        3,
        3,
        3,
        0,
    )
    documents = {d.titel: d for d in EnkelvoudigInformatieObject.objects.all()}
    for number, path in enumerate(paths):
        document = documents[f"doc {number}"]
        with open_content(document.content_key) as stored:
            assert stored.read() == (base_dir / path).read_bytes()
        assert document.bestandsomvang == 5000
        assert document.import_job_id == job.pk
    assert documents["doc 1"].identificatie == "EIGEN-1"
    assert documents["doc 0"].identificatie.startswith("DOCUMENT-")
    assert documents["doc 2"].trefwoorden == ["archief", "besluit"]
    link = ObjectInformatieObject.objects.get()
    assert link.informatieobject == documents["doc 0"]
    assert link.object == f"{settings.ZAKEN_API_ROOT}zaken/{zaak}"
