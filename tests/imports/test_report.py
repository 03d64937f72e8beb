import csv
import io

import pytest

from docload.imports.models import RowResult
from docload.imports.report import IMPORTED, NOT_IMPORTED, stream_report
from docload.imports.runner import source_for
from tests.factories import metadata_row
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


def report_lines(job) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(stream_report(job, source_for(job))))))


def test_report_fills_in_generated_values_and_keeps_input_order(document_type_url: str) -> None:
    rows = [metadata_row(document_type_url, titel=f"t{n}") for n in range(1200)]
    rows[700]["taal"] = "nederlands"
    rows[1100]["extra"] = "x"
    job = run(start_import(rows, batch_size=500, headers=[*rows[0].keys(), "extra"]))
    lines = report_lines(job)
    header = lines[0]
    assert header[-3:] == ["extra", "opmerking", "resultaat"]
    assert len(lines) == 1201
    assert [line[header.index("titel")] for line in lines[1:]] == [f"t{n}" for n in range(1200)]
    imported = [line for line in lines[1:] if line[-1] == IMPORTED]
    assert len(imported) == 1199
    assert all(line[0] and line[1].startswith("DOCUMENT-") for line in imported)
    assert lines[701][-1] == NOT_IMPORTED and "taal" in lines[701][-2]
    assert lines[701][0] == "" and lines[701][1] == ""


def test_rows_never_processed_are_reported_as_such(document_type_url: str) -> None:
    job = run(start_import([metadata_row(document_type_url) for _ in range(3)]))
    RowResult.objects.filter(job=job, row_number=4).delete()
    lines = report_lines(job)
    assert lines[3][-2:] == ["Not processed: the import stopped before this row.", NOT_IMPORTED]
