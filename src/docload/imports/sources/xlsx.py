"""Spreadsheet workbooks (.xlsx), read with python-calamine: one sheet per resource type.

Formulas are not evaluated (their cached values are read) and comments are never read. Cells
become the text the API expects: dates as `YYYY-MM-DD`, whole numbers without `.0`, booleans as
`true`/`false`; a cell holding one space is empty, and rows with no value are skipped. Records
are numbered as in a CSV file (the header is row 1, the first record row 2, counting only the
rows that are not empty), so that resuming after `processed` rows works as for CSV.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from itertools import islice
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from docload.imports.errors import ImportProblem
from docload.imports.sources import SourceRow

# One sheet per resource type, processed left to right so that parents come before children.
SHEETS = ("informatieobjecttypen", "enkelvoudiginformatieobjecten", "objectinformatieobjecten")
DOCUMENTS_SHEET = "enkelvoudiginformatieobjecten"
# The sheets this engine imports so far.
IMPORTED_SHEETS = (DOCUMENTS_SHEET,)

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


def check_workbook(path: str, limit: int) -> list[str]:
    """Check size, sheets and the documents sheet's header; return the sheet names.

    Unknown sheets are refused (`unknown-sheet`) naming them, before any row is read.
    """
    check_size(path, limit)
    workbook = open_workbook(path)
    try:
        names = list(workbook.sheet_names)
        unknown = [name for name in names if name not in SHEETS]
        if unknown:
            raise ImportProblem(
                "unknown-sheet",
                f"The workbook has sheets that cannot be loaded: {', '.join(unknown)}; "
                f"known sheets: {', '.join(SHEETS)}.",
            )
        not_yet = [name for name in names if name not in IMPORTED_SHEETS]
        if not_yet:
            raise ImportProblem(
                "sheet-not-supported",
                f"These sheets cannot be loaded yet: {', '.join(not_yet)}.",
            )
        if DOCUMENTS_SHEET not in names:
            raise ImportProblem("sheet-missing", f"The workbook has no sheet {DOCUMENTS_SHEET}.")
        return names
    finally:
        workbook.close()


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
    """One sheet of a workbook; `open_path` gives a local path to it for each pass."""

    def __init__(self, open_path: PathOpener, sheet: str = DOCUMENTS_SHEET) -> None:
        self._open_path = open_path
        self.sheet = sheet

    @contextlib.contextmanager
    def _sheet_rows(self) -> Iterator[Iterator[list[str]]]:
        """The sheet's rows as text, header first, empty rows left out."""
        with self._open_path() as path:
            workbook = open_workbook(path)
            try:
                rows = workbook.get_sheet_by_name(self.sheet).iter_rows()
                yield (cells for cells in map(_texts, rows) if any(cell.strip() for cell in cells))
            finally:
                workbook.close()

    def header(self) -> list[str]:
        with self._sheet_rows() as rows:
            return [name.strip() for name in next(rows, [])]

    def count(self) -> int:
        with self._sheet_rows() as rows:
            return max(sum(1 for _ in rows) - 1, 0)

    def rows(self, skip: int = 0) -> Iterator[SourceRow]:
        with self._sheet_rows() as rows:
            header = [name.strip() for name in next(rows, [])]
            for number, cells in enumerate(islice(rows, skip, None), start=skip + 2):
                yield SourceRow(number, dict(zip(header, cells, strict=False)))


@contextlib.contextmanager
def local_copy(open_stream: Callable[[], Any], suffix: str = ".xlsx") -> Iterator[str]:
    """A temporary local file holding the stream's bytes (for storage without local paths)."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, open_stream() as stream:
        shutil.copyfileobj(stream, copy, 1024 * 1024)
        copy.flush()
        yield copy.name
