"""The batch writer's pipeline: row outcomes of whole imports, batches overlapping in time,
content copied under keys of its own (run with both copiers)."""

import hashlib
import os
import uuid
from pathlib import Path

import pytest

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject
from docload.documents.storage import open_content
from tests.factories import metadata_row, write_files
from tests.imports.conftest import outcomes, run, start_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("both_copiers")]


def test_bad_rows_are_reported_while_the_rest_of_their_batch_imports(
    base_dir: Path, data_dir: Path, document_type: InformatieObjectType, document_type_url: str
) -> None:
    (good,) = write_files(base_dir, 1)
    (data_dir / "outside.bin").write_bytes(b"x")
    (base_dir / "escape").symlink_to(data_dir / "outside.bin")
    (base_dir / "folder").mkdir()
    concept = InformatieObjectType.objects.create(
        omschrijving="Concept",
        vertrouwelijkheidaanduiding="openbaar",
        begin_geldigheid="2024-01-01",
    )
    concept_url = document_type_url.replace(str(document_type.uuid), str(concept.uuid))
    existing = EnkelvoudigInformatieObject.objects.create(
        bronorganisatie="002220647",
        identificatie="X",
        creatiedatum="2024-01-01",
        titel="t",
        auteur="a",
        taal="nld",
        vertrouwelijkheidaanduiding="openbaar",
        informatieobjecttype=document_type,
    )
    repeated = str(uuid.uuid4())
    cases = {
        "bad date": {"creatiedatum": "2024-02-30"},
        "unknown type": {"informatieobjecttype": document_type_url[:-5] + "00000"},
        "unpublished type": {"informatieobjecttype": concept_url},
        "uuid in database": {"uuid": str(existing.uuid)},
        "first of repeated uuid": {"uuid": repeated},
        "repeated uuid": {"uuid": repeated},
        "parent path": {"bestandspad": "../outside.bin"},
        "absolute path": {"bestandspad": str(data_dir / "outside.bin")},
        "symlink out": {"bestandspad": "escape"},
        "missing file": {"bestandspad": "nope.bin"},
        "directory": {"bestandspad": "folder"},
        "NUL out": {"bestandspad": "../\x00x"},
        "NUL cut": {"bestandspad": good + "\x00junk"},
        "bad uuid": {"uuid": "not-a-uuid"},
        "bad zaak": {"zaakUuid": "zaak-1"},
        "wrong size": {"bestandspad": good, "bestandsomvang": "1"},
    }
    rows = [metadata_row(document_type_url, bestandspad=good, titel="ok first")]
    rows += [
        {**metadata_row(document_type_url, titel=name), **values} for name, values in cases.items()
    ]
    rows.append(metadata_row(document_type_url, bestandspad=good, titel="ok last"))
    job = run(start_import(rows, batch_size=100))

    results = outcomes(job)
    by_title = {row["titel"]: results[number + 2] for number, row in enumerate(rows)}
    imported = {title for title, (ok, _) in by_title.items() if ok}
    assert imported == {"ok first", "ok last", "first of repeated uuid"}
    expected_comments = {
        "bad date": "creatiedatum",
        "unknown type": "does not exist",
        "unpublished type": "not published",
        "uuid in database": "already exists",
        "repeated uuid": "occurs earlier in this file",
        "parent path": "not relative to the import base directory",
        "absolute path": "not relative to the import base directory",
        "symlink out": "not relative to the import base directory",
        "missing file": "does not exist",
        "directory": "is a directory",
        "NUL out": "NUL",
        "NUL cut": "NUL",
        "bad uuid": "not a valid UUID",
        "bad zaak": "zaakUuid",
        "wrong size": "differs from the file's size",
    }
    for title, fragment in expected_comments.items():
        assert fragment in by_title[title][1], (title, by_title[title])
    assert (job.succeeded, job.invalid) == (3, len(expected_comments))
    assert EnkelvoudigInformatieObject.objects.get(uuid=existing.uuid).titel == "t"


def test_integrity_digest_is_checked_while_copying(base_dir: Path, document_type_url: str) -> None:
    (path,) = write_files(base_dir, 1)
    digest = hashlib.sha256((base_dir / path).read_bytes()).hexdigest()
    integriteit = {"integriteit.algoritme": "sha_256", "integriteit.datum": "2024-01-01"}
    rows = [
        metadata_row(
            document_type_url, bestandspad=path, **integriteit, **{"integriteit.waarde": digest}
        ),
        metadata_row(
            document_type_url, bestandspad=path, **integriteit, **{"integriteit.waarde": "0" * 64}
        ),
    ]
    job = run(start_import(rows))
    results = outcomes(job)
    assert results[2] == (True, "")
    assert not results[3][0] and digest in results[3][1] and "0" * 64 in results[3][1]
    assert EnkelvoudigInformatieObject.objects.count() == 1


def test_equal_file_names_do_not_overwrite_each_other(
    base_dir: Path, document_type_url: str
) -> None:
    for folder in ("a", "b"):
        (base_dir / folder).mkdir()
        (base_dir / folder / "scan.pdf").write_bytes(os.urandom(100))
    rows = [
        metadata_row(document_type_url, bestandspad=f"{f}/scan.pdf", titel=f) for f in ("a", "b")
    ]
    run(start_import(rows))
    for document in EnkelvoudigInformatieObject.objects.all():
        with open_content(document.content_key) as stored:
            assert stored.read() == (base_dir / document.titel / "scan.pdf").read_bytes()
