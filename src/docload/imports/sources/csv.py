"""CSV metadata files, streamed: UTF-8 (with or without BOM) or UTF-16 with a BOM.

A record that cannot be read (a field over the CSV field limit, a line over `LINE_LIMIT`
characters, bytes that are not UTF-8) becomes a row with a `problem` naming its line; the
records before and after it are read as usual. No line is held whole beyond `LINE_LIMIT`
characters, so a 10 MB field costs at most one line's worth of memory.

Comma-separated; a header line with tabs and no comma makes the file tab-separated (what
spreadsheet programs export as "Unicode text").
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from itertools import chain, islice
from typing import IO, NamedTuple

from docload.imports.errors import ImportProblem
from docload.imports.sources import SourceRow

Opener = Callable[[], IO[bytes]]
_HEADER_PROBE_BYTES = 1024 * 1024
LINE_LIMIT = 1024 * 1024  # characters of one physical line
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NOT_DECODED = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape


def sniff_encoding(head: bytes) -> str:
    """`utf-16` when the bytes start with a UTF-16 byte order mark, else `utf-8-sig`."""
    return "utf-16" if head[:2] in _UTF16_BOMS else "utf-8-sig"


class _Prefixed(io.RawIOBase):
    """`head` and then the rest of `stream`: a stream that cannot seek, read from the start."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self._head[: len(buffer)] if self._head else self._stream.read(len(buffer))
        self._head = self._head[len(data) :]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def _text(stream: IO[bytes], head: bytes = b"") -> io.TextIOWrapper:
    """The stream as text, its encoding chosen by its first bytes; `head` was read already."""
    head += stream.read(max(0, 2 - len(head)))
    if stream.seekable():
        stream.seek(0)
    else:
        stream = io.BufferedReader(_Prefixed(head, stream))  # type: ignore[type-var]
    encoding = sniff_encoding(head)
    # UTF-8 keeps bytes that are not UTF-8 as surrogates, so that their line is found and failed
    # alone; UTF-16 was checked whole at upload (a fault now raises UnicodeDecodeError).
    errors = "strict" if encoding == "utf-16" else "surrogateescape"
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")


class _Unreadable(Exception):
    """Raised through csv.reader by `_Lines` for a line that cannot be read."""


class _Lines:
    """The physical lines of a text stream for csv.reader, counted, each at most LINE_LIMIT
    characters.

    An unreadable line raises `_Unreadable` (the reader starts afresh at the next call), after
    reading on to the end of its record. Records end at a line end after an even number of
    quote characters (in the whole file so far): that is how a record is skipped without being
    parsed or held.
    """

    __slots__ = ("_at_line_end", "_readline", "delimiter", "line", "problem", "quotes")

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._readline = text.readline
        self._at_line_end = True
        self.delimiter = ","
        self.line = 0  # physical lines started
        self.quotes = 0
        self.problem = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._readline(LINE_LIMIT)
        if not line:
            raise StopIteration
        self.line += 1
        self.quotes += line.count('"')
        if len(line) == LINE_LIMIT and line[-1] not in "\r\n":
            self._at_line_end = False
            self.problem = self._overlong(line)
        elif not line.isascii() and (bad := _NOT_DECODED.search(line)):
            self.problem = f"not UTF-8: byte 0x{ord(bad.group()) - 0xDC00:02X}."
        else:
            return line
        self.skip_record()
        raise _Unreadable

    def skip_record(self) -> None:
        """Read on, holding at most a line's worth, to the end of the current record."""
        while not (self._at_line_end and self.quotes % 2 == 0):
            piece = self._readline(LINE_LIMIT)
            if not piece:
                self._at_line_end = True
                return
            if self._at_line_end:
                self.line += 1
            self.quotes += piece.count('"')
            self._at_line_end = piece[-1] in "\r\n"

    def _overlong(self, piece: str) -> str:
        try:
            for _ in csv.reader([piece], delimiter=self.delimiter):
                pass
        except csv.Error as exc:
            return _csv_problem(exc)
        return f"the line is longer than {LINE_LIMIT} characters."


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters."
    return f"the line is not valid CSV: {exc}."


def _records(
    text: io.TextIOWrapper, lines: _Lines, resumed: bool = False
) -> Iterator[tuple[int, list[str] | None, str]]:
    """Each record, header first, as (the line it starts on, its fields, ""), or, when it
    cannot be read, (its line, None, why).

    `resumed`: the text is positioned at a record boundary after the header (a `Checkpoint`),
    and `lines` carries the line count and delimiter of the file up to there.
    """
    first = None
    if not resumed:
        try:
            first = next(lines, None)
        except _Unreadable:
            yield 1, None, lines.problem
        if first is not None and "," not in first and "\t" in first:
            lines.delimiter = "\t"
    reader = csv.reader(
        chain([first] if first is not None else [], lines), delimiter=lines.delimiter
    )
    start = lines.line + (0 if first is not None else 1)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except _Unreadable:
            yield start, None, lines.problem
        except csv.Error as exc:
            lines.skip_record()
            yield start, None, _csv_problem(exc)
        else:
            yield start, record, ""
        start = lines.line + 1


class Checkpoint(NamedTuple):
    """A record boundary of a CSV file, found by `CsvSource.index`: where reading can start."""

    records: int  # records before it (the header not counted)
    line: int  # physical lines before it
    position: int  # the text stream's `tell()` there: an opaque cookie for `seek()`
    delimiter: str


class CsvSource:
    """A CSV file; `open_file` opens its bytes afresh for each pass."""

    def __init__(self, open_file: Opener) -> None:
        self._open = open_file

    def header(self) -> list[str]:
        with self._open() as stream, _text(stream) as text:
            first = next(_records(text, _Lines(text)), None)
            return (first[1] or []) if first is not None else []

    def count(self) -> int:
        with self._open() as stream, _text(stream) as text:
            return max(sum(1 for _ in _records(text, _Lines(text))) - 1, 0)

    def index(self, every: int) -> tuple[int, list[Checkpoint]]:
        """Count the records, and note a checkpoint before every `every`-th one, in one pass.

        No checkpoints when the stream cannot tell its position (then `rows` skips instead).
        """
        checkpoints = []
        with self._open() as stream, _text(stream) as text:
            lines = _Lines(text)
            seekable = stream.seekable()
            count = -1  # the header is not a record
            for _ in _records(text, lines):
                count += 1
                if seekable and count and count % every == 0:
                    checkpoints.append(Checkpoint(count, lines.line, text.tell(), lines.delimiter))
        return max(count, 0), checkpoints

    def rows(self, skip: int = 0, at: Checkpoint | None = None) -> Iterator[SourceRow]:
        """Every record after the first `skip`; with `at`, read from there (`skip` then counts
        from the start of the file, and must be at least `at.records`)."""
        header = self.header() if at is not None else []
        with self._open() as stream, _text(stream) as text:
            lines = _Lines(text)
            if at is not None:
                text.seek(at.position)
                lines.line, lines.delimiter = at.line, at.delimiter
                records = _records(text, lines, resumed=True)
                skipped = at.records
            else:
                records = _records(text, lines)
                first = next(records, None)
                header = (first[1] or []) if first is not None else []
                skipped = 0
            for number, (line, record, problem) in enumerate(
                islice(records, skip - skipped, None), start=skip + 2
            ):
                if record is None:
                    yield SourceRow(number, {}, f"line {line}: {problem}")
                else:
                    yield SourceRow(number, dict(zip(header, record, strict=False)))


def read_header(stream: IO[bytes]) -> list[str]:
    """The header of a CSV stream, or ImportProblem `empty-file` / `parse_error`."""
    probe = stream.read(_HEADER_PROBE_BYTES)
    if not probe.strip() or probe in _UTF16_BOMS:
        raise ImportProblem("empty-file", "The CSV file is empty.")
    try:
        with _text(stream, probe) as text:
            first = next(_records(text, _Lines(text)), None)
    except UnicodeDecodeError as exc:
        raise ImportProblem("parse_error", f"The file is not valid UTF-16: {exc.reason}.") from exc
    if first is not None and first[1] is None:
        raise ImportProblem("parse_error", f"The header (line 1) cannot be read: {first[2]}")
    header = first[1] if first is not None else []
    if not header or not any(name.strip() for name in header):
        raise ImportProblem("parse_error", "The first line of the file is not a CSV header.")
    return header


class TextCheck:
    """Feeds an upload's bytes, as they stream in, through the decoder their first bytes choose
    (UTF-16 after its byte order mark, else UTF-8): refuses other encodings and binary files
    early, saying which byte on which line."""

    _ADVICE = "save the file as UTF-8 (CSV UTF-8 in Excel)."

    def __init__(self) -> None:
        self._head = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._encoding = ""
        self._lines = 1  # the line the next chunk starts on (UTF-8)
        self._offset = 0  # bytes fed before the next chunk

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self._decoder is None:
            self._head += chunk
            if len(self._head) < 2 and not final:
                return
            chunk, self._head = self._head, b""
            self._encoding = sniff_encoding(chunk)
            self._decoder = codecs.getincrementaldecoder(self._encoding)()
        try:
            self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise ImportProblem("parse_error", self._describe(exc)) from exc
        if self._encoding != "utf-16":
            self._lines += chunk.count(b"\n")
        self._offset += len(chunk)

    def _describe(self, exc: UnicodeDecodeError) -> str:
        data = bytes(exc.object)
        if self._encoding == "utf-16":
            return f"The file is not valid UTF-16: {exc.reason}; {self._ADVICE}"
        # The decoder's pending bytes (part of one character) hold no line end.
        line = self._lines + data[: exc.start].count(b"\n")
        return f"The file is not UTF-8: byte 0x{data[exc.start]:02X} at line {line}; {self._ADVICE}"
