"""The per-row report: the input rows, in input order, with `opmerking` and `resultaat`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from docload.imports.models import Job, RowResult
from docload.imports.sources import Source
from docload.imports.sources.xlsx import SHEET_COLUMN

IMPORTED = "Geïmporteerd"
NOT_IMPORTED = "Niet geïmporteerd"
IMPORTABLE = "Importeerbaar"  # a dry run's row that a real run would import
NOT_PROCESSED = "Not processed: the import stopped before this row."
_FLUSH_BYTES = 64 * 1024


def stream_report(job: Job, source: Source) -> Iterator[str]:
    """CSV text, a line at a time: never built whole in memory.

    Source rows and row results are both read in row order and merged as they stream.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    header = source.header()
    writer.writerow([*header, "opmerking", "resultaat"])
    yield flush()
    results = RowResult.objects.filter(job=job).order_by("row_number").iterator(chunk_size=2000)
    result = next(results, None)
    try:
        for row in source.rows():
            while result is not None and result.row_number < row.number:
                result = next(results, None)
            values = dict(row.values)  # empty for a row the source could not read
            if row.kind:
                values[SHEET_COLUMN] = row.kind
            if result is not None and result.row_number == row.number:
                if result.document_uuid and "uuid" in values:
                    values["uuid"] = str(result.document_uuid)
                if result.identificatie and "identificatie" in values:
                    values["identificatie"] = result.identificatie
                comment, outcome = result.comment, NOT_IMPORTED
                if result.imported:
                    outcome = IMPORTABLE if job.dry_run else IMPORTED
            else:
                comment, outcome = NOT_PROCESSED, NOT_IMPORTED
            writer.writerow([*(values.get(name, "") for name in header), comment, outcome])
            if buffer.tell() > _FLUSH_BYTES:
                yield flush()
    except (csv.Error, UnicodeDecodeError) as exc:
        # A row of the report's width, so that the report stays one table.
        comment = f"The rest of the metadata file cannot be read: {exc}"
        writer.writerow([*("" for _ in header), comment, NOT_IMPORTED])
    yield flush()
