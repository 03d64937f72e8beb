"""Preparing a batch: each source row mapped to document values and checked with the registry's
own rules (`documents.validation`), before anything is asked of the database about it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from docload.documents.validation import FieldError, validate_document
from docload.imports.batch import Batch, JobContext, Row
from docload.imports.sources import SourceRow


def prepare_batch(context: JobContext, source_rows: list[SourceRow]) -> Batch:
    """The batch of `source_rows`, each row mapped and validated; invalid rows say why."""
    return Batch(source_rows, [_prepare(context, row) for row in source_rows])


def _prepare(context: JobContext, source: SourceRow) -> Row:
    row_input = context.row_input(source.values)
    try:
        document_uuid = (
            uuid.UUID(row_input.uuid) if row_input.uuid else context.generated_uuid(source.number)
        )
    except ValueError:
        return Row(
            source,
            row_input,
            context.generated_uuid(source.number),
            problem=f"uuid: {row_input.uuid!r} is not a valid UUID.",
        )
    row = Row(source, row_input, document_uuid)
    if row.input.zaak_uuid:
        try:
            uuid.UUID(row.input.zaak_uuid)
        except ValueError:
            row.problem = f"zaakUuid: {row.input.zaak_uuid!r} is not a valid UUID."
            return row
    row.cleaned, errors = validate_document(row.input.document, context.document_types)
    if errors:
        row.problem = _describe(errors)
    return row


def _describe(errors: Iterable[FieldError]) -> str:
    return "; ".join(f"{error.name}: {error.reason} [{error.code}]" for error in errors)
