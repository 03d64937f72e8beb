"""Inserting many rows of one model in plain SQL, as `bulk_create` would but at a fraction of its
cost per row: the batch writer inserts each batch's documents and row results this way. On
PostgreSQL the rows go in with COPY, elsewhere with multi-row INSERT statements."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


class Inserter:
    """Inserts rows given as {attname: value}: with COPY on PostgreSQL, elsewhere with INSERTs
    of as many rows per statement as the database allows.

    What `bulk_create` does, at a fraction of its cost per row (it builds a model instance and
    compiles each value): None and values already of the column's plain Python type
    (`_plain_type`) go to the database as they are, others are prepared as their field's
    `get_db_prep_save` would (`_preparer`). Missing values take the field's default; `auto_now`
    fields the time of the insert. COPY and INSERT send the same prepared values.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model

    @cached_property
    def _fields(self) -> list[tuple[models.Field[Any, Any], type | None]]:
        return [
            (model_field, _plain_type(model_field))
            for model_field in self.model._meta.concrete_fields
            if not isinstance(model_field, models.AutoField)
        ]

    def insert(self, rows: Iterable[dict[str, Any]]) -> None:
        """Insert `rows`, in the current transaction of the default database."""
        connection = connections[DEFAULT_DB_ALIAS]  # the one transaction.atomic() uses
        self._insert(connection, list(rows), copy=connection.vendor == "postgresql")

    def _insert(
        self, connection: BaseDatabaseWrapper, rows: list[dict[str, Any]], *, copy: bool
    ) -> None:
        if not rows:  # a batch of invalid rows only: nothing to send
            return
        now = timezone.now()
        # Column by column: one comprehension prepares all values of a field.
        columns = [
            self._column(field, plain, rows, now, connection) for field, plain in self._fields
        ]
        if copy:
            self._copy(connection, columns)
        else:
            self._execute_inserts(connection, rows, columns)

    def _copy(self, connection: BaseDatabaseWrapper, columns: list[list[Any]]) -> None:
        # One stream of rows that the server parses without a statement to plan or parameters
        # to bind: documents went in at 3.4 to 4.2 times bulk_create's rate, 6.7 to 7.9 times
        # that of the INSERTs below, whose 15,000 placeholders a batch psycopg parses on every
        # call (bench/metadata_insert.py). psycopg writes each value with the adapter it would
        # bind it with (the Jsonb wrapper of JSON values too), so the rows stored are the same.
        def copy(sql: str, params: None, many: bool, context: dict[str, Any]) -> None:
            # The raw psycopg cursor (Django's wrapper has no copy()), in the connection's
            # current transaction; its errors made Django's as the wrapper's execute does, so
            # that a batch's constraint violation stays an IntegrityError.
            raw = context["cursor"].cursor
            with connection.wrap_database_errors, raw.copy(sql) as stream:
                for row in zip(*columns, strict=True):
                    stream.write_row(row)

        # Through the execute wrappers, as Django runs a statement, so that instrumentation (and
        # the tests' injected faults) sees the COPY too; `connection.queries` does not list it.
        execute: Callable[..., None] = copy
        for wrapper in reversed(connection.execute_wrappers):
            execute = functools.partial(wrapper, execute)
        with connection.cursor() as cursor:
            context = {"connection": connection, "cursor": cursor}
            execute(f"COPY {self._target(connection)} FROM STDIN", None, False, context)

    def _execute_inserts(
        self, connection: BaseDatabaseWrapper, rows: list[dict[str, Any]], columns: list[list[Any]]
    ) -> None:
        params = [value for row in zip(*columns, strict=True) for value in row]
        # One statement per `size` rows, run for all full chunks at once, then the remainder.
        fields = [model_field for model_field, _ in self._fields]
        size = max(connection.ops.bulk_batch_size(fields, rows), 1)
        width = len(fields) * size
        full = len(params) - len(params) % width
        with connection.cursor() as cursor:
            if full:
                chunks = [params[start : start + width] for start in range(0, full, width)]
                cursor.executemany(self._statement(connection, size), chunks)
            if full < len(params):
                rest = params[full:]
                cursor.execute(self._statement(connection, len(rest) // len(fields)), rest)

    @staticmethod
    def _column(
        model_field: models.Field[Any, Any],
        plain: type | None,
        rows: list[dict[str, Any]],
        now: datetime.datetime,
        connection: BaseDatabaseWrapper,
    ) -> list[Any]:
        if _sets_now(model_field):
            return [model_field.get_db_prep_save(now, connection)] * len(rows)
        name = model_field.attname
        if callable(model_field.default):
            values = [row[name] if name in row else model_field.get_default() for row in rows]
        else:
            default = model_field.get_default()  # the same for every row: asked once
            values = [row.get(name, default) for row in rows]
        prepare = _preparer(model_field, connection)
        return [
            value if value is None or type(value) is plain else prepare(value) for value in values
        ]

    def _statement(self, connection: BaseDatabaseWrapper, rows: int) -> str:
        values = ", ".join([f"({', '.join(['%s'] * len(self._fields))})"] * rows)
        return f"INSERT INTO {self._target(connection)} VALUES {values}"

    def _target(self, connection: BaseDatabaseWrapper) -> str:
        """The table and its columns, as INSERT INTO and COPY name them."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(cast(str, f.column)) for f, _ in self._fields)  # concrete: set
        return f"{quote(self.model._meta.db_table)} ({columns})"


def _insert_with_statements(inserter: Inserter, rows: Iterable[dict[str, Any]]) -> None:
    """`inserter.insert(rows)` with INSERT statements whatever the database: for
    bench/metadata_insert.py, which measures them against COPY on PostgreSQL."""
    inserter._insert(connections[DEFAULT_DB_ALIAS], list(rows), copy=False)


def _plain_type(model_field: models.Field[Any, Any]) -> type | None:
    """The type whose values a column takes unprepared: str for text, int for integers (and
    foreign keys to them), bool for booleans; None when every value needs preparing."""
    target = model_field.target_field if isinstance(model_field, models.ForeignKey) else model_field
    if isinstance(target, models.CharField | models.TextField):
        return str
    if isinstance(target, models.BooleanField):
        return bool
    if isinstance(target, models.IntegerField):
        return int
    return None


def _preparer(
    model_field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    """What `get_db_prep_save` does to a column's values that are neither None nor plain.

    For the three kinds of value every row has (the uuid, dates, the trefwoorden list) the
    backend's adapter is called directly, as `get_db_prep_save` ends up doing after three or
    four calls of its own per value: with 31 columns a row, those calls were a tenth of an
    import's time.
    """
    if isinstance(model_field, models.UUIDField):
        if connection.features.has_native_uuid_field:
            return _unchanged
        return operator.attrgetter("hex")
    if type(model_field) is models.DateField:
        return connection.ops.adapt_datefield_value
    if isinstance(model_field, models.JSONField):
        return functools.partial(connection.ops.adapt_json_value, encoder=model_field.encoder)
    return functools.partial(model_field.get_db_prep_save, connection=connection)


def _unchanged(value: Any) -> Any:
    return value


def _sets_now(model_field: models.Field[Any, Any]) -> bool:
    return getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
