"""Fuzzing the sources and row validation with hypothesis: whatever bytes come in, the answer is
a clear refusal (ImportProblem) or rows that each read or say why not — never another exception.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docload.documents.validation import DocumentTypes, FieldError, validate_document
from docload.imports.columns import REQUIRED_HEADERS, flat_row_input
from docload.imports.errors import ImportProblem
from docload.imports.sources.csv import CsvSource, read_header
from docload.imports.sources.manifest import parse_manifest
from docload.imports.sources.payloads import PayloadSource, check_payload, document_input
from docload.imports.sources.xlsx import XlsxSource, check_workbook
from tests.workbooks import workbook_bytes

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_HEADER = ",".join(REQUIRED_HEADERS).encode()
# Pieces users' files are made of, and the ones that break readers.
_PIECES = st.sampled_from(
    [
        b",", b'"', b'""', b"\r\n", b"\r", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
        b"\xfe\xff", b"\xf3", b"\xe9", b"\xc3\xa9", b"\x80", b"titel", b"2024-01-01",
        b"002220647", b"nld", b";", b"\t", b" ", b"a" * 200,
    ]
)  # fmt: skip
_CSV_BYTES = st.lists(_PIECES, max_size=60).map(b"".join)


def opener(data: bytes) -> Any:
    @contextmanager
    def open_stream() -> Iterator[IO[bytes]]:
        yield io.BytesIO(data)

    return open_stream


def read_all_rows(source: Any) -> int:
    """Every row, each read or with a problem; refusals as ImportProblem only."""
    count = 0
    for row in source.rows():
        assert isinstance(row.values, dict) and row.number > count
        assert not (row.problem and row.values), "a row that cannot be read has no values"
        count += 1
    return count


@FUZZ
@given(body=_CSV_BYTES, with_header=st.booleans())
def test_any_csv_is_refused_clearly_or_read_row_by_row(body: bytes, with_header: bool) -> None:
    data = (_HEADER + b"\r\n" + body) if with_header else body
    try:
        read_header(io.BytesIO(data))
    except ImportProblem as refused:
        assert refused.code and refused.message
        return
    read_all_rows(CsvSource(opener(data)))


@FUZZ
@given(values=st.dictionaries(st.sampled_from(REQUIRED_HEADERS), st.text(max_size=60)))
def test_any_row_values_validate_to_values_or_field_errors(values: dict[str, str]) -> None:
    row = flat_row_input(values)
    cleaned, errors = validate_document(row.document, _NoTypes())
    assert all(error.name and error.code and error.reason for error in errors)
    assert isinstance(cleaned, dict)


class _NoTypes(DocumentTypes):
    """Every informatieobjecttype URL resolves to 'not found' without the database."""

    def resolve(self, url: str) -> Any:
        return FieldError("informatieobjecttype", "does_not_exist", "not here")


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(
    import_type=st.sampled_from(["document", "link", "informatieobjecttype", "zaak", 3, None]),
    key=st.sampled_from(["documents", "links", "informatieobjecttypen", "other"]),
    records=st.lists(_JSON_VALUES, max_size=6),
    cut=st.integers(min_value=0, max_value=400),
)
def test_any_json_payload_is_refused_clearly_or_read_record_by_record(
    import_type: Any, key: str, records: list[Any], cut: int
) -> None:
    data = json.dumps({"import_type": import_type, key: records}).encode()
    data = data[: len(data) - cut % (len(data) + 1)] if cut % 3 == 0 else data
    try:
        checked = check_payload("p.json", opener(data))
    except ImportProblem as refused:
        assert refused.code in {"malformed-json", "unknown-import-type", "import-type-mismatch"}
        return
    source = PayloadSource("p.json", checked, opener(data))
    for row in source.rows():
        if not row.problem:
            document_input(row.values)  # any record maps to what it asks, or says nothing


@FUZZ
@given(data=st.binary(max_size=200) | _JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_manifest_is_parsed_or_refused_saying_what(data: bytes) -> None:
    try:
        manifest = parse_manifest(data)
    except ImportProblem as refused:
        assert refused.code == "invalid-manifest" and refused.message.startswith("manifest.json:")
        return
    assert manifest.payloads and 1 <= manifest.batch_size <= 1000


_CELLS = st.one_of(
    st.none(), st.text(max_size=30), st.integers(-(10**9), 10**9), st.floats(allow_nan=False),
    st.booleans(), st.dates(),
)  # fmt: skip


@FUZZ
@given(
    rows=st.lists(st.lists(_CELLS, max_size=8), max_size=8),
    sheet=st.sampled_from(["enkelvoudiginformatieobjecten", "informatieobjecttypen", "Blad1"]),
)
def test_any_workbook_is_refused_clearly_or_read_row_by_row(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[Any]], sheet: str
) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "load.xlsx"
    path.write_bytes(workbook_bytes({sheet: rows}))
    source = XlsxSource(lambda: _path(path))
    try:
        check_workbook(source, str(path), 10**8)
    except ImportProblem as refused:
        assert refused.code in {"unknown-sheet", "missing-import-headers", "sheet-missing"}
        return
    read_all_rows(source)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_called_xlsx_are_refused_as_not_a_workbook(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "load.xlsx"
    path.write_bytes(b"PK\x03\x04" + data if data[:1] == b"P" else data)
    with pytest.raises(ImportProblem) as refused:
        check_workbook(XlsxSource(lambda: _path(path)), str(path), 10**8)
    assert refused.value.code in {"not-xlsx", "sheet-missing"}


@contextmanager
def _path(path: Path) -> Iterator[str]:
    yield str(path)


def test_duplicate_headers_and_a_hundred_thousand_columns_are_read() -> None:
    wide = ",".join(f"c{n}" for n in range(100_000)).encode()
    data = _HEADER + b"," + b"titel," + wide + b"\r\n" + b"x," * 100_027 + b"x\r\n"
    read_header(io.BytesIO(data))
    assert read_all_rows(CsvSource(opener(data))) == 1
