"""Plain-SQL inserts: what `bulk_create` would store, in as few statements as the database
allows."""

import uuid

import pytest
from django.db import connection

from docload.imports.inserting import Inserter
from docload.imports.jobs import create_job
from docload.imports.models import RowResult

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
