"""The audit trail of imported documents: one "create" entry each, committed with its batch."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError
from django.urls import reverse
from rest_framework.test import APIClient

from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject
from docload.imports import committing
from docload.imports.auditing import DOCUMENTS_PATH, NIEUW_FIELDS, TYPES_PATH
from docload.imports.models import RowResult
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_imported_document_has_its_create_entry(
    base_dir: Path, document_type_url: str, api: APIClient
) -> None:
    paths = write_files(base_dir, 2, size=700)
    rows = [metadata_row(document_type_url, bestandspad=p, titel=p) for p in paths]
    job = run(start_import(rows))
    assert job.succeeded == 2

    document = EnkelvoudigInformatieObject.objects.get(titel=paths[1])
    url = f"http://testserver/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}"
    response = api.get(f"{url}/audittrail")
    assert response.status_code == 200
    (entry,) = response.json()
    assert (entry["actie"], entry["resultaat"], entry["resource"], entry["bron"]) == (
        "create",
        201,
        "enkelvoudiginformatieobject",
        "drc",
    )
    assert entry["hoofdObject"] == entry["resourceUrl"] == url  # the stored path, made absolute
    assert (entry["applicatieId"], entry["applicatieWeergave"]) == (
        "openzaak",
        f"docload import {job.uuid}",
    )
    assert entry["resourceWeergave"] == f"{document.bronorganisatie} - {document.identificatie}"
    nieuw = entry["wijzigingen"]["nieuw"]
    assert entry["wijzigingen"]["oud"] is None
    assert set(nieuw) == {*NIEUW_FIELDS, "url", "informatieobjecttype"}
    assert nieuw["url"] == f"/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}"
    assert nieuw["identificatie"] == document.identificatie
    assert (nieuw["titel"], nieuw["creatiedatum"], nieuw["bestandsomvang"]) == (
        paths[1],
        "2024-03-01",
        700,
    )
    assert document_type_url.endswith(nieuw["informatieobjecttype"])
    assert AuditTrail.objects.count() == 2
    # The API's own document view agrees with the entry on what it holds.
    shown = api.get(url).json()
    assert all(shown[name] == nieuw[name] for name in NIEUW_FIELDS)
    assert uuid.UUID(entry["uuid"]).version == 4


def test_a_failed_batch_leaves_no_entries(
    base_dir: Path, document_type_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    link_zaken = committing._link_zaken
    calls = []

    def failing_second_batch(rows: list[Any]) -> None:
        # After the batch's documents and entries are inserted: they must go back together.
        calls.append(rows)
        batch = [row.document_uuid for row in rows]
        assert AuditTrail.objects.filter(document_uuid__in=batch).count() == len(rows)
        if len(calls) == 2:
            raise IntegrityError("injected")
        link_zaken(rows)

    monkeypatch.setattr(committing, "_link_zaken", failing_second_batch)
    paths = write_files(base_dir, 6)
    rows = [metadata_row(document_type_url, bestandspad=path) for path in paths]
    job = run(start_import(rows, batch_size=2))

    imported = sorted(r.row_number for r in RowResult.objects.filter(job=job, imported=True))
    assert imported == [2, 3, 6, 7]  # the second batch failed, the import went on
    documents = set(EnkelvoudigInformatieObject.objects.values_list("uuid", flat=True))
    assert len(documents) == 4
    assert sorted(AuditTrail.objects.values_list("document_uuid", flat=True)) == sorted(documents)


def test_the_setting_turns_it_off(base_dir: Path, document_type_url: str, settings: Any) -> None:
    settings.DOCLOAD_IMPORT_AUDIT = False
    (path,) = write_files(base_dir, 1)
    assert run(start_import([metadata_row(document_type_url, bestandspad=path)])).succeeded == 1
    assert not AuditTrail.objects.exists()


def test_the_paths_are_the_apis() -> None:
    some = "0f2b0e2c-0000-4000-8000-000000000000"
    document = reverse("enkelvoudiginformatieobject-detail", kwargs={"uuid": some})
    assert document == f"{DOCUMENTS_PATH}{some}"
    assert reverse("informatieobjecttype-detail", kwargs={"uuid": some}) == f"{TYPES_PATH}{some}"
