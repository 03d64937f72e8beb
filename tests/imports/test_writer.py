"""Row outcomes of the batch writer, through the engine's public functions."""

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.storage import open_content
from docload.imports.content import BaseDirectoryResolver
from docload.imports.copiers import ProcessCopier, ThreadCopier, copier_for
from docload.imports.models import RowResult
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


class ThroughStorageApi(FileSystemStorage):
    """Files on disk that docload does not write itself: content goes through Django's storage
    API, in copy threads, as it does for S3."""


@pytest.fixture(autouse=True, params=[ProcessCopier, ThreadCopier])
def copier(request: pytest.FixtureRequest, settings: Any, base_dir: Path) -> Any:
    """Every test here runs with both copiers: processes for local files, threads otherwise."""
    if request.param is ThreadCopier:
        default = settings.STORAGES["default"]
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**default, "BACKEND": f"{__name__}.ThroughStorageApi"},
        }
    with copier_for(BaseDirectoryResolver(base_dir)) as chosen:
        assert type(chosen) is request.param
    return request.param


def outcomes(job) -> dict[int, tuple[bool, str]]:
    return {r.row_number: (r.imported, r.comment) for r in RowResult.objects.filter(job=job)}


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


def test_rows_without_uuid_get_uuid5_of_job_and_row_number(
    base_dir: Path, document_type_url: str
) -> None:
    """Deterministic, so that a batch redone after a crash writes the same content keys."""
    paths = write_files(base_dir, 3, size=10)
    job = run(start_import([metadata_row(document_type_url, bestandspad=p) for p in paths]))

    documents = EnkelvoudigInformatieObject.objects.all()
    assert {d.uuid for d in documents} == {uuid.uuid5(job.uuid, str(n)) for n in (2, 3, 4)}
    assert all(str(d.uuid) in d.content_key for d in documents)


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


def test_columns_are_matched_by_name_and_extra_columns_kept(
    base_dir: Path, document_type_url: str
) -> None:
    from docload.imports.columns import REQUIRED_HEADERS

    headers = ["extra", *reversed(REQUIRED_HEADERS)]
    job = run(start_import([metadata_row(document_type_url, extra="kept")], headers=headers))
    assert job.succeeded == 1


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
    content_root = base_dir.parent / "content"
    on_disk = {
        str(p.relative_to(content_root))
        for p in content_root.rglob("documenten/**/*")
        if p.is_file()
    }
    assert on_disk == stored
