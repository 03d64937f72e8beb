"""Plain-SQL inserts: what `bulk_create` would store, in as few statements as the database
allows."""

import datetime
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.inserting import Inserter, _insert_with_statements
from docload.imports.jobs import create_job
from docload.imports.models import RowResult
from tests.factories import VALID_RSIN

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="counts SQLite's statements (its parameter limit)"
)
def test_rows_span_full_statements_and_a_remainder_with_defaults_filled() -> None:
    job = create_job("openzaak", batch_size=500)
    fields = [f for f in RowResult._meta.concrete_fields if f.attname != "id"]
    per_statement = connection.ops.bulk_batch_size(fields, [])
    count = 2 * per_statement + 3  # two full statements and a remainder of three rows
    document_uuid = uuid.uuid4()
    rows = [
        {"job_id": job.pk, "row_number": number, "imported": number % 2 == 0}
        for number in range(2, count + 2)
    ]
    rows[0] |= {"comment": "first", "document_uuid": document_uuid, "identificatie": "X-1"}
    statements: list[tuple[bool, int]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith("INSERT"):
            statements.append((many, len(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        Inserter(RowResult).insert(rows)

    assert statements == [(True, 2), (False, 3 * len(fields))]
    stored = {r.row_number: r for r in RowResult.objects.filter(job=job)}
    assert sorted(stored) == list(range(2, count + 2))
    given = [
        (r.imported, r.comment, r.document_uuid, r.identificatie) for r in (stored[2], stored[3])
    ]
    # Row 3 gave only the required values: the others take their defaults.
    assert given == [(True, "first", document_uuid, "X-1"), (False, "", None, "")]


def _document(document_type: InformatieObjectType, job_pk: int, number: int) -> dict[str, Any]:
    """A document's values as an import gives them (`committing._document_values`), with
    text and JSON that COPY's text format must escape."""
    return {
        "uuid": uuid.uuid4(),
        "identificatie": f"COPY-{number}",
        "bronorganisatie": VALID_RSIN,
        "creatiedatum": datetime.date(2024, 2, 29),
        "titel": 'tab\there, newline\nthere, back\\slash, "quoted", ü, \\N',
        "vertrouwelijkheidaanduiding": "openbaar",
        "auteur": "Gemeente",
        "taal": "nld",
        "bestandsomvang": 2**40,
        "ontvangstdatum": None,
        "verzenddatum": datetime.date(1999, 12, 31),
        "indicatie_gebruiksrecht": number % 2 == 0,
        "trefwoorden": ["archief", "tab\tin", 'quote"', "\\", ""],
        "informatieobjecttype_id": document_type.pk,
        "import_job_id": job_pk,
    }


def _stored(identificaties: list[str]) -> list[dict[str, Any]]:
    """The stored documents' values, in the order given, without what each insert makes anew."""
    by_identificatie = {
        values.pop("identificatie"): values
        for values in EnkelvoudigInformatieObject.objects.filter(
            identificatie__in=identificaties
        ).values()
    }
    for values in by_identificatie.values():
        del values["id"], values["uuid"], values["begin_registratie"]
    return [by_identificatie[identificatie] for identificatie in identificaties]


def test_values_read_back_through_the_orm_as_given(
    document_type: InformatieObjectType,
) -> None:
    job = create_job("openzaak", batch_size=500)
    rows = [_document(document_type, job.pk, number) for number in range(3)]
    rows[2] |= {"trefwoorden": [], "indicatie_gebruiksrecht": None, "verzenddatum": None}
    before = timezone.now()
    Inserter(EnkelvoudigInformatieObject).insert(rows)

    stored = {d.identificatie: d for d in EnkelvoudigInformatieObject.objects.all()}
    for row in rows:
        document = stored[row["identificatie"]]
        assert {name: getattr(document, name) for name in row} == row
        # Not given: the field's default, and the time of the insert for `auto_now`.
        assert (document.versie, document.lock, document.status, document.link) == (1, "", "", "")
        assert before <= document.begin_registratie <= timezone.now()
    assert len({d.begin_registratie for d in stored.values()}) == 1


def test_copy_and_insert_statements_store_the_same(document_type: InformatieObjectType) -> None:
    job = create_job("openzaak", batch_size=500)
    inserter = Inserter(EnkelvoudigInformatieObject)
    first = [_document(document_type, job.pk, number) for number in range(2)]
    second = [_document(document_type, job.pk, number) for number in range(2, 4)]
    inserter.insert(first)  # COPY on PostgreSQL
    _insert_with_statements(inserter, second)

    assert _stored(["COPY-0", "COPY-1"]) == _stored(["COPY-2", "COPY-3"])


def test_a_constraint_violation_is_djangos_integrity_error(
    document_type: InformatieObjectType,
) -> None:
    job = create_job("openzaak", batch_size=500)
    rows = [_document(document_type, job.pk, 1), _document(document_type, job.pk, 1)]
    # committing.commit_batch catches Django's IntegrityError to fail only the batch.
    with pytest.raises(IntegrityError), transaction.atomic():
        Inserter(EnkelvoudigInformatieObject).insert(rows)

    assert not EnkelvoudigInformatieObject.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_inserts_with_copy_not_statements() -> None:
    job = create_job("openzaak", batch_size=500)
    fields = [f for f in RowResult._meta.concrete_fields if f.attname != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        Inserter(RowResult).insert([])
        assert statements == []  # nothing to send
        Inserter(RowResult).insert(
            [{"job_id": job.pk, "row_number": n, "imported": True} for n in range(2, 1002)]
        )

    assert statements == [f'COPY "imports_rowresult" ({columns}) FROM STDIN']
    assert RowResult.objects.filter(job=job).count() == 1000
