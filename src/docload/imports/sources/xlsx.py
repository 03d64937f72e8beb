"""Spreadsheet workbooks (.xlsx), read with python-calamine: one sheet per resource type.

Sheets are read left to right, so that parents (document types) come before their children
(documents, then links), as one stream of records numbered as in a CSV file: the header of the
first sheet is row 1, the first record row 2, counting on across sheets and only rows that are
not empty, so that resuming after `processed` rows works as for CSV. Each record also says where
it is (`SourceRow.place`: its sheet and its row there, as the spreadsheet program shows it).

Formulas are not evaluated (their cached values are read) and comments are never read. Cells
become the text the API expects: dates as `YYYY-MM-DD`, whole numbers without `.0`, booleans as
`true`/`false`; a cell holding one space is empty, and rows with no value are skipped. Calamine
holds one sheet at a time, never the workbook.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from docload.imports.columns import REQUIRED_HEADERS, check_headers
from docload.imports.errors import ImportProblem
from docload.imports.sources import SourceRow

DOCUMENTS_SHEET = "enkelvoudiginformatieobjecten"
TYPES_SHEET = "informatieobjecttypen"
LINKS_SHEET = "objectinformatieobjecten"
# The columns each sheet must have (API field names; for documents the import's 27 headers).
SHEET_HEADERS: dict[str, tuple[str, ...]] = {
    TYPES_SHEET: ("omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"),
    DOCUMENTS_SHEET: REQUIRED_HEADERS,
    LINKS_SHEET: ("informatieobject", "object", "objectType"),
}
# The report's extra first column when a workbook has several sheets.
SHEET_COLUMN = "sheet"

PathOpener = Callable[[], AbstractContextManager[str]]


def check_size(path: str, limit: int) -> None:
    """Refuse what is not a zip file, or what unpacks to more than `limit` bytes (zip bombs),
    from the zip directory alone, before any member is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportProblem("not-xlsx", "The file is not an .xlsx workbook.") from exc
    if unpacked > limit:
        raise ImportProblem(
            "xlsx-too-large",
            f"The workbook unpacks to {unpacked} bytes, more than the {limit} allowed.",
        )


def open_workbook(path: str) -> CalamineWorkbook:
    """The workbook at `path`, or ImportProblem `not-xlsx`."""
    try:
        return CalamineWorkbook.from_path(path)
    except (CalamineError, OSError, ValueError) as exc:
        raise ImportProblem("not-xlsx", f"The file is not an .xlsx workbook: {exc}") from exc


def cell_text(value: Any) -> str:
    """A cell as the API's text: dates ISO, whole numbers without a fraction, one space empty."""
    if value is None or value == " ":
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _texts(cells: list[Any]) -> list[str]:
    return [cell_text(value) for value in cells]


class XlsxSource:
    """Every sheet of a workbook, left to right; `open_path` gives a local path to it for
    each pass."""

    def __init__(self, open_path: PathOpener) -> None:
        self._open_path = open_path

    @contextlib.contextmanager
    def _sheets(self) -> Iterator[Iterator[tuple[str, Iterator[tuple[int, list[str]]]]]]:
        """Each sheet's name and its rows as text with their row numbers, header first, empty
        rows left out; a sheet is loaded only when its turn comes."""
        with self._open_path() as path:
            workbook = open_workbook(path)
            try:
                yield ((name, _rows(workbook, name)) for name in workbook.sheet_names)
            finally:
                workbook.close()

    def sheet_headers(self) -> dict[str, list[str]]:
        """Each sheet's column names, in sheet order."""
        with self._sheets() as sheets:
            return {name: _header(rows) for name, rows in sheets}

    def header(self) -> list[str]:
        """The one sheet's columns; for several sheets, `sheet` then every sheet's columns."""
        headers = self.sheet_headers()
        if len(headers) == 1:
            return next(iter(headers.values()))
        return [SHEET_COLUMN, *dict.fromkeys(name for row in headers.values() for name in row)]

    def count(self) -> int:
        with self._sheets() as sheets:
            return sum(max(sum(1 for _ in rows) - 1, 0) for _, rows in sheets)

    def rows(self, skip: int = 0) -> Iterator[SourceRow]:
        number = 2  # the first sheet's header is row 1
        with self._sheets() as sheets:
            for sheet, rows in sheets:
                header = _header(rows)
                for line, cells in rows:
                    if number - 2 >= skip:
                        values = dict(zip(header, cells, strict=False))
                        yield SourceRow(number, values, kind=sheet, place=f"{sheet} row {line}")
                    number += 1


def _rows(workbook: CalamineWorkbook, name: str) -> Iterator[tuple[int, list[str]]]:
    # Calamine's rows start at the sheet's first row, so an index + 1 is the row number.
    rows = workbook.get_sheet_by_name(name).iter_rows()
    for line, cells in enumerate(map(_texts, rows), start=1):
        if any(cell.strip() for cell in cells):
            yield line, cells


def _header(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    first = next(rows, None)
    return [] if first is None else [name.strip() for name in first[1]]


def check_workbook(source: XlsxSource, path: str, limit: int) -> None:
    """Check size, sheets and headers before any row runs.

    Unknown sheets are refused (`unknown-sheet`) naming them, a sheet without a column it
    needs (`missing-import-headers`) naming those, and a workbook with no sheet (`sheet-missing`).
    """
    check_size(path, limit)
    headers = source.sheet_headers()
    unknown = [name for name in headers if name not in SHEET_HEADERS]
    if unknown:
        raise ImportProblem(
            "unknown-sheet",
            f"The workbook has sheets that cannot be loaded: {', '.join(unknown)}; "
            f"known sheets: {', '.join(SHEET_HEADERS)}.",
        )
    if not headers:
        raise ImportProblem(
            "sheet-missing", f"The workbook has none of the sheets {', '.join(SHEET_HEADERS)}."
        )
    for name, header in headers.items():
        check_headers(header, f"The sheet {name}", SHEET_HEADERS[name])


@contextlib.contextmanager
def local_copy(open_stream: Callable[[], Any], suffix: str = ".xlsx") -> Iterator[str]:
    """A temporary local file holding the stream's bytes (for storage without local paths)."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, open_stream() as stream:
        shutil.copyfileobj(stream, copy, 1024 * 1024)
        copy.flush()
        yield copy.name
