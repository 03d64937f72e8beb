"""Metadata sources: each reads one format as a stream of numbered rows.

A source is a small protocol so that CSV files, spreadsheet sheets and JSON payloads all fit:
the engine asks for the record count once, then for batches of rows after the last committed one.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any, NamedTuple, Protocol


class SourceRow(NamedTuple):
    """One record. `number` counts the header as line 1, as Open Zaak's messages do."""

    number: int
    values: dict[str, Any]
    # Why the record cannot be read (e.g. a field over the CSV field limit); `values` is then
    # empty and the row is recorded as not imported with this comment.
    problem: str = ""
    # What the record is, when a source holds more than documents: the resource type, named as
    # a workbook's sheet (`sources.xlsx.SHEET_HEADERS`).
    kind: str = ""
    # Where the record is, for people, when `number` does not say it: "<sheet> row 7" of a
    # workbook, "<payload> record 3" of a JSON import.
    place: str = ""


class Source(Protocol):
    def header(self) -> list[str]:
        """The column names, in file order."""
        ...

    def count(self) -> int:
        """How many records there are (streamed, not loaded)."""
        ...

    def rows(self, skip: int = 0) -> Iterator[SourceRow]:
        """Every record after the first `skip`, in file order."""
        ...


def batches(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    """The rows in lists of at most `size`."""
    while batch := list(islice(rows, size)):
        yield batch
