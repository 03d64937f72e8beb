"""Committing batches: documents with their content, zaak links and generated identificaties."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from docload.documents.models import (
    EnkelvoudigInformatieObject,
    EnkelvoudigInformatieObjectVersie,
    ObjectInformatieObject,
)
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


def test_an_imported_document_is_version_1_and_keeps_it_when_updated(
    base_dir: Path, document_type_url: str, api: APIClient
) -> None:
    (path,) = write_files(base_dir, 1, size=3000)
    run(start_import([metadata_row(document_type_url, bestandspad=path, titel="Geïmporteerd")]))
    document = EnkelvoudigInformatieObject.objects.get()
    assert (document.versie, document.lock) == (1, "")
    assert not EnkelvoudigInformatieObjectVersie.objects.exists()

    url = f"/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}"
    token = api.post(f"{url}/lock").json()["lock"]
    body = {"titel": "Bijgewerkt", "inhoud": "bmlldXc=", "lock": token}  # "nieuw"
    assert api.patch(url, body, format="json").json()["versie"] == 2
    first = api.get(url, {"versie": 1}).json()
    assert (first["titel"], first["bestandsomvang"]) == ("Geïmporteerd", 3000)
    old = api.get(f"{url}/download", {"versie": 1})
    assert b"".join(old.streaming_content) == (base_dir / path).read_bytes()
