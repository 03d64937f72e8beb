"""Which document identifiers are taken, and new identificaties: set-based queries for the
uniqueness of uuids and (bronorganisatie, identificatie) pairs, and the identificatie generator.

Kept apart from the field rules (`validation`) so that an import can check a whole batch with a
few queries, and reserve the identificaties of its rows in the transaction that writes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F

from docload.documents.models import EnkelvoudigInformatieObject, IdentificatieSequence


def taken_identificaties(
    pairs: Collection[tuple[str, str]], exclude_pk: int | None = None
) -> set[tuple[str, str]]:
    """The (bronorganisatie, identificatie) pairs of `pairs` that documents already use."""
    if not pairs:
        return set()
    identificaties = list({identificatie for _, identificatie in pairs})
    found = _documents_where_in(
        "identificatie", identificaties, ("bronorganisatie", "identificatie"), exclude_pk
    )
    return set(found) & set(pairs)


def existing_uuids(uuids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The uuids of `uuids` that documents already use."""
    field = cast("models.Field[Any, Any]", EnkelvoudigInformatieObject._meta.get_field("uuid"))
    connection = connections[DEFAULT_DB_ALIAS]
    values = [field.get_db_prep_value(value, connection) for value in uuids]
    return {field.to_python(row[0]) for row in _documents_where_in("uuid", values, ("uuid",))}


def _documents_where_in(
    name: str, values: list[Any], selected: tuple[str, ...], exclude_pk: int | None = None
) -> list[tuple[Any, ...]]:
    """The `selected` columns of the documents whose field `name` has one of `values`.

    In plain SQL: the ORM prepares each value of an IN list twice, which at an import's 500
    values per batch was 7% of the worker's time.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    meta = EnkelvoudigInformatieObject._meta
    quote = connection.ops.quote_name

    def column(field_name: str) -> str:
        model_field = cast("models.Field[Any, Any]", meta.get_field(field_name))
        return quote(cast(str, model_field.column))

    query = f"SELECT {', '.join(map(column, selected))} FROM {quote(meta.db_table)} WHERE "
    params_after: list[Any] = []
    if exclude_pk is not None:
        query += f"{column('id')} <> %s AND "
        params_after.append(exclude_pk)
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), _IN_LIST_SIZE):
            chunk = values[start : start + _IN_LIST_SIZE]
            in_list = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{query}{column(name)} IN ({in_list})", [*params_after, *chunk])
            found.extend(cursor.fetchall())
    return found


_IN_LIST_SIZE = 500  # values per query: well under every database's parameter limit


def allocate_identificaties(count: int, year: int) -> list[str]:
    """Reserve `count` generated identificaties for `year`; call inside the writing transaction."""
    if count == 0:
        return []
    IdentificatieSequence.objects.get_or_create(year=year)
    # The UPDATE takes the row lock first, so concurrent writers get disjoint ranges.
    IdentificatieSequence.objects.filter(year=year).update(last_value=F("last_value") + count)
    last = IdentificatieSequence.objects.values_list("last_value", flat=True).get(year=year)
    return [f"DOCUMENT-{year}-{number:010d}" for number in range(last - count + 1, last + 1)]
