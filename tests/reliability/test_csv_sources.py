"""Metadata CSV files as migration users send them: huge cells, other encodings, bad bytes.

Rows that can be read are imported even when a part of the file cannot be; the part that
cannot is a failed row naming its line; the report stays a CSV file of one width.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.documents.storage import store_content
from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.models import Job
from docload.imports.report import IMPORTED, NOT_IMPORTED, stream_report
from docload.imports.runner import source_for
from docload.imports.sources.csv import CsvSource
from tests.conftest import run_worker
from tests.factories import csv_text, metadata_row, write_files
from tests.imports.conftest import outcomes, run, start_import

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/documenten/api/v1/import"
FIELD_LIMIT = csv.field_size_limit()
TEN_MB = 10 * 1024 * 1024


def report_lines(job: Job) -> list[list[str]]:
    lines = list(csv.reader(io.StringIO("".join(stream_report(job, source_for(job))))))
    assert {len(line) for line in lines} == {len(REQUIRED_HEADERS) + 2}, "one width"
    return lines


def upload(api: APIClient, body: bytes) -> Any:
    uuid = api.post(f"{BASE}/create").json()["uploadUrl"].split("/")[-2]
    return uuid, api.generic("POST", f"{BASE}/{uuid}/upload", body, content_type="text/csv")


def rows_with_files(base_dir: Path, document_type_url: str, count: int) -> list[dict[str, Any]]:
    paths = write_files(base_dir, count)
    return [metadata_row(document_type_url, bestandspad=p, titel=p) for p in paths]


def test_rows_before_a_ten_megabyte_last_line_are_imported(
    base_dir: Path, document_type_url: str
) -> None:
    rows = rows_with_files(base_dir, document_type_url, 3)
    job = start_import(rows, batch_size=2)
    huge = csv_text(rows).encode() + b"x" * TEN_MB + b"\n"
    store_content(job.source_key, [huge])
    job = run(job)

    assert (job.status, job.total, job.processed, job.succeeded, job.invalid) == (
        "finished",
        4,
        4,
        3,
        1,
    )
    results = outcomes(job)
    assert all(results[number] == (True, "") for number in (2, 3, 4))
    imported, comment = results[5]
    assert not imported and comment.startswith("line 5: ") and "longer than" in comment
    lines = report_lines(job)
    assert [line[-1] for line in lines[1:]] == [IMPORTED] * 3 + [NOT_IMPORTED]
    assert lines[4][-2] == comment


def test_one_cell_over_the_field_limit_fails_its_row_alone(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    rows = rows_with_files(base_dir, document_type_url, 4)
    rows[1]["beschrijving"] = "b" * (FIELD_LIMIT + 10)
    uuid, response = upload(api, csv_text(rows).encode())
    assert response.status_code == 200, response.content
    run_worker()

    job = Job.objects.get(uuid=uuid)
    assert (job.status, job.total, job.succeeded, job.invalid) == ("finished", 4, 3, 1)
    imported, comment = outcomes(job)[3]
    assert not imported
    assert comment == f"line 3: a field is longer than {FIELD_LIMIT} characters."
    lines = report_lines(job)
    assert [line[-1] for line in lines[1:]] == [IMPORTED, NOT_IMPORTED, IMPORTED, IMPORTED]


def test_a_huge_quoted_cell_over_several_lines_fails_one_row_and_reading_goes_on() -> None:
    text = 'a,b\n1,2\n3,"' + ("long line\n" * 20000) + '"\n"x ""quoted"" y",5\n6,7\n'
    source = CsvSource(lambda: io.BytesIO(text.encode()))
    assert source.count() == 4
    rows = list(source.rows())
    assert [row.number for row in rows] == [2, 3, 4, 5]
    assert rows[1].problem == f"line 3: a field is longer than {FIELD_LIMIT} characters."
    assert rows[2].problem == "" and rows[2].values == {"a": 'x "quoted" y', "b": "5"}
    assert rows[3].values == {"a": "6", "b": "7"}
    assert [row.number for row in source.rows(skip=2)] == [4, 5]


def test_a_ten_megabyte_field_is_never_held_whole() -> None:
    data = b"a,b\n1,2\n" + b"x" * TEN_MB + b",3\n4,5\n"
    source = CsvSource(lambda: io.BytesIO(data))
    tracemalloc.start()
    try:
        assert source.count() == 3
        rows = list(source.rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [row.values for row in rows] == [{"a": "1", "b": "2"}, {}, {"a": "4", "b": "5"}]
    assert rows[1].problem.startswith("line 3: ")
    assert peak < TEN_MB // 2


def test_a_byte_that_is_not_utf8_in_a_stored_file_fails_its_row_alone(
    base_dir: Path, document_type_url: str
) -> None:
    """The upload refuses such files; one that got into storage all the same (or a resumed
    import of a file stored before that check) loses only the line with the byte."""
    rows = rows_with_files(base_dir, document_type_url, 4)
    job = start_import(rows, batch_size=2)
    text = csv_text(rows).encode()
    lines = text.splitlines(keepends=True)
    lines.insert(4, b"caf\xe9\n")
    store_content(job.source_key, [b"".join(lines)])
    job = run(job)
    assert (job.status, job.total, job.succeeded, job.invalid) == ("finished", 5, 4, 1)
    assert outcomes(job)[5] == (False, "line 5: not UTF-8: byte 0xE9.")
    report = report_lines(job)
    assert [line[-1] for line in report[1:]] == [IMPORTED] * 3 + [NOT_IMPORTED, IMPORTED]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_utf16_with_a_byte_order_mark_is_imported(
    api: APIClient, base_dir: Path, document_type_url: str, encoding: str, delimiter: str
) -> None:
    rows = rows_with_files(base_dir, document_type_url, 3)
    rows[0]["titel"] = "Besluit over de brug, ó en €"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REQUIRED_HEADERS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    body = "\ufeff".encode(encoding) + buffer.getvalue().encode(encoding)
    uuid, response = upload(api, body)
    assert response.status_code == 200, response.content
    run_worker()

    job = Job.objects.get(uuid=uuid)
    assert (job.status, job.succeeded, job.invalid) == ("finished", 3, 0)
    lines = report_lines(job)
    assert lines[0][:2] == ["uuid", "identificatie"]
    assert lines[1][REQUIRED_HEADERS.index("titel")] == "Besluit over de brug, ó en €"


def test_latin1_is_refused_saying_which_byte_on_which_line(
    api: APIClient, document_type_url: str
) -> None:
    rows = [metadata_row(document_type_url), metadata_row(document_type_url, titel="Besluit ó")]
    _, response = upload(api, csv_text(rows).encode("latin-1"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    [param] = response.json()["invalidParams"]
    assert param["name"] == "__all__" and param["code"] == "parse_error"
    assert param["reason"] == (
        "The file is not UTF-8: byte 0xF3 at line 3; save the file as UTF-8 (CSV UTF-8 in Excel)."
    )
    assert response.json()["detail"] == param["reason"]  # not a bare "Invalid input."
    assert Job.objects.get().status == "pending"
