"""CSV metadata files, read as UTF-8 (with or without BOM), streamed."""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import IO

from docload.imports.errors import ImportProblem
from docload.imports.sources import SourceRow

Opener = Callable[[], IO[bytes]]
_HEADER_PROBE_BYTES = 1024 * 1024


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


class CsvSource:
    """A CSV file; `open_file` opens its bytes afresh for each pass."""

    def __init__(self, open_file: Opener) -> None:
        self._open = open_file

    def header(self) -> list[str]:
        with self._open() as stream:
            return read_header(stream)

    def count(self) -> int:
        with self._open() as stream, _text(stream) as text:
            # The index of the last record is the number of records after the header; the deque
            # keeps only that one while the records are counted without a Python loop.
            last = deque(enumerate(csv.reader(text)), maxlen=1)
            return last[0][0] if last else 0

    def rows(self, skip: int = 0) -> Iterator[SourceRow]:
        with self._open() as stream, _text(stream) as text:
            reader = csv.reader(text)
            header = next(reader, [])
            for number, record in enumerate(islice(reader, skip, None), start=skip + 2):
                yield SourceRow(number, dict(zip(header, record, strict=False)))


def read_header(stream: IO[bytes]) -> list[str]:
    """The header of a CSV stream, or ImportProblem `empty-file` / `parse_error`."""
    probe = stream.read(_HEADER_PROBE_BYTES)
    if not probe.strip():
        raise ImportProblem("empty-file", "The CSV file is empty.")
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(probe, final=False)
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportProblem("parse_error", f"The file is not a UTF-8 CSV file: {exc}") from exc
    if not any(name.strip() for name in header):
        raise ImportProblem("parse_error", "The first line of the file is not a CSV header.")
    return header


class Utf8Check:
    """Feeds bytes through a UTF-8 decoder as they stream in, to refuse binary files early."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise ImportProblem("parse_error", f"The file is not UTF-8 text: {exc}") from exc
