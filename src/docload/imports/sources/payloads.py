"""JSON payload files (fylr-style), streamed with ijson: `{"import_type": t, key: [records]}`.

A payload holds records of one resource type, under the array key its `import_type` names. It is
never loaded whole: a first streaming pass checks its shape (`check_payload`), each later pass
reads the records one by one. Records are numbered as CSV rows are (the first is 2, as if the
payload had a header line), so that the engine resumes after `processed` of them the same way;
their place says which record of the payload they are ("docs.json record 1"). Malformed JSON is
reported with the payload's name and the byte near which the parser stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import IO, Any

import ijson

from docload.imports.columns import RowInput
from docload.imports.errors import ImportProblem
from docload.imports.sources import SourceRow
from docload.imports.sources.xlsx import LINKS_SHEET, TYPES_SHEET

# import_type → the array key its records are under.
ARRAY_KEYS = {
    "informatieobjecttype": "informatieobjecttypen",
    "document": "documents",
    "link": "links",
}
# The report's columns: the fields that name a record, whatever its type.
REPORT_COLUMNS = ["_id", "reference", "uuid", "identificatie", "omschrijving"]
# Each import_type's kind of record (`SourceRow.kind`): documents are the engine's default.
KINDS = {
    "informatieobjecttype": TYPES_SHEET,
    "document": "",
    "link": LINKS_SHEET,
}

StreamOpener = Callable[[], AbstractContextManager[IO[bytes]]]


class _Counting:
    """A binary stream that counts the bytes read from it, to say where a parse failed."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.offset = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.offset += len(data)
        return data


def _malformed(name: str, counting: _Counting, exc: Exception) -> ImportProblem:
    return ImportProblem(
        "malformed-json", f"{name}: malformed JSON near byte {counting.offset}: {exc}"
    )


def check_payload(name: str, open_stream: StreamOpener) -> str:
    """The payload's import_type, after one streaming pass over it; ImportProblem when it is not
    JSON (`malformed-json`), names no known type (`unknown-import-type`), or keeps its records
    under another key than its type's (`import-type-mismatch`)."""
    import_type: Any = None
    arrays: list[str] = []
    with open_stream() as stream:
        counting = _Counting(stream)
        try:
            for prefix, event, value in ijson.parse(counting):
                if prefix == "import_type" and event in ("string", "number", "null"):
                    import_type = value
                elif event == "start_array" and prefix in ARRAY_KEYS.values():
                    arrays.append(prefix)
        except ijson.JSONError as exc:
            raise _malformed(name, counting, exc) from exc
    if import_type not in ARRAY_KEYS:
        raise ImportProblem(
            "unknown-import-type",
            f"{name}: import_type {import_type!r} is not one of {', '.join(ARRAY_KEYS)}.",
        )
    key = ARRAY_KEYS[import_type]
    if arrays != [key]:
        found = ", ".join(arrays) or "none"
        raise ImportProblem(
            "import-type-mismatch",
            f"{name}: import_type {import_type!r} keeps its records under {key!r}; found: {found}.",
        )
    return str(import_type)


class PayloadSource:
    """The records of one payload; `open_stream` opens its bytes for each pass."""

    def __init__(self, name: str, import_type: str, open_stream: StreamOpener) -> None:
        self.name, self.import_type = name, import_type
        self._open_stream = open_stream

    def header(self) -> list[str]:
        return list(REPORT_COLUMNS)

    def count(self) -> int:
        return sum(1 for _ in self._records())

    def rows(self, skip: int = 0) -> Iterator[SourceRow]:
        kind = KINDS[self.import_type]
        for index, record in enumerate(self._records()):
            if index < skip:
                continue
            place = f"{self.name} record {index + 1}"
            if isinstance(record, dict):
                yield SourceRow(index + 2, record, kind=kind, place=place)
            else:
                problem = f"Record {index + 1} is not a JSON object."
                yield SourceRow(index + 2, {}, problem, kind=kind, place=place)

    def _records(self) -> Iterator[Any]:
        with self._open_stream() as stream:
            counting = _Counting(stream)
            # Numbers as the shape check read them (ints of any size, fractions as Decimal):
            # yajl's floats mode overflows on integers past 64 bits.
            items = ijson.items(counting, f"{ARRAY_KEYS[self.import_type]}.item")
            try:
                yield from items
            except ijson.JSONError as exc:
                raise _malformed(self.name, counting, exc) from exc


# A document record's fields that are not the document's own values.
_INSTRUCTIONS = ("uuid", "inhoud", "_id", "_version")


def document_input(values: dict[str, Any], with_content: bool = True) -> RowInput:
    """A document record as what it asks for: its values (API names, typed as JSON has them)
    and, `with_content`, its content: `inhoud` as `{"eas:path": …}` or `{"eas:url": …,
    "eas:filename": …}`."""
    inhoud = values.get("inhoud")
    reference = ""
    if with_content and isinstance(inhoud, dict):
        reference = str(inhoud.get("eas:path") or inhoud.get("eas:url") or "")
    return RowInput(
        document={name: value for name, value in values.items() if name not in _INSTRUCTIONS},
        uuid=str(values.get("uuid") or ""),
        content_reference=reference,
        zaak_uuid="",
    )
