"""JSON payloads and manifests as engine sources: streamed, checked, refused clearly."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pytest

from docload.imports.errors import ImportProblem
from docload.imports.sources.manifest import check_payloads_given, parse_manifest
from docload.imports.sources.payloads import PayloadSource, check_payload


def opener(data: bytes) -> Any:
    @contextmanager
    def open_stream() -> Iterator[IO[bytes]]:
        yield io.BytesIO(data)

    return open_stream


class OneByteAtATime(io.RawIOBase):
    """A stream that hands out at most `size` bytes per read and counts the reads: a parser that
    buffered the whole payload would ask for it at once."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.position, self.largest = data, size, 0, 0

    def read(self, size: int = -1) -> bytes:
        wanted = self.size if size < 0 else min(size, self.size)
        chunk = self.data[self.position : self.position + wanted]
        self.position += len(chunk)
        self.largest = max(self.largest, len(chunk))
        return chunk


def payload(import_type: str, key: str, records: list[Any]) -> bytes:
    return json.dumps({"import_type": import_type, key: records}).encode()


def test_records_stream_in_order_and_resume_after_skip() -> None:
    records = [{"reference": f"t{i}", "omschrijving": f"Type {i}"} for i in range(5)]
    data = payload("informatieobjecttype", "informatieobjecttypen", records)
    assert check_payload("types.json", opener(data)) == "informatieobjecttype"
    source = PayloadSource("types.json", "informatieobjecttype", opener(data))
    assert source.count() == 5
    assert [(row.number, row.place, row.values["reference"]) for row in source.rows(skip=3)] == [
        (5, "types.json record 4", "t3"),
        (6, "types.json record 5", "t4"),
    ]
    assert {row.kind for row in source.rows()} == {"informatieobjecttypen"}


def test_the_payload_is_read_in_pieces_never_whole() -> None:
    records = [{"titel": "x" * 1000, "uuid": str(i)} for i in range(2000)]
    data = payload("document", "documents", records)
    stream = OneByteAtATime(data, 64 * 1024)

    @contextmanager
    def open_stream() -> Iterator[IO[bytes]]:
        yield stream  # type: ignore[misc]

    source = PayloadSource("docs.json", "document", open_stream)
    rows = source.rows()
    first = next(rows)
    assert first.values["uuid"] == "0"
    assert stream.position < len(data) / 4  # the first record came before most bytes were read
    assert sum(1 for _ in rows) == 1999


def test_a_record_that_is_not_an_object_fails_alone() -> None:
    data = payload("link", "links", [{"object": "a"}, 7, {"object": "b"}])
    rows = list(PayloadSource("links.json", "link", opener(data)).rows())
    assert [row.problem for row in rows] == ["", "Record 2 is not a JSON object.", ""]


@pytest.mark.parametrize(
    ("data", "code", "said"),
    [
        (b'{"import_type": "document", "documents": [{"a": 1},', "malformed-json", "near byte"),
        (b"\xff\xfe{}", "malformed-json", "docs.json"),
        (payload("zaak", "zaken", []), "unknown-import-type", "'zaak'"),
        (payload("document", "links", []), "import-type-mismatch", "'documents'"),
        (b'{"import_type": "document"}', "import-type-mismatch", "found: none"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_refused(data: bytes, code: str, said: str) -> None:
    with pytest.raises(ImportProblem) as refused:
        check_payload("docs.json", opener(data))
    assert refused.value.code == code and said in refused.value.message


def test_malformed_json_after_good_records_is_reported_where_it_is() -> None:
    data = b'{"import_type": "document", "documents": [{"a": 1}, {"a": 2}, {"a": ]}'
    rows = PayloadSource("docs.json", "document", opener(data)).rows()
    assert [next(rows).values, next(rows).values] == [{"a": 1}, {"a": 2}]
    with pytest.raises(ImportProblem, match=r"docs.json: malformed JSON near byte \d+"):
        next(rows)


def test_a_manifest_with_every_option() -> None:
    manifest = parse_manifest(
        json.dumps(
            {
                "source": "fylr",
                "batch_size": 250,
                "eas_type": "url",
                "eas_replace_url": "https://files.example.org",
                "eas_skip_errors": True,
                "payloads": ["types.json", "docs.json"],
            }
        ).encode()
    )
    assert (manifest.batch_size, manifest.eas_type, manifest.payloads) == (
        250, "url", ["types.json", "docs.json"],
    )  # fmt: skip
    defaults = parse_manifest(b'{"payloads": ["a.json"]}')
    assert (defaults.batch_size, defaults.eas_type, defaults.eas_skip_errors) == (
        100, "direct", False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"{", "not JSON"),
        (b"[]", "JSON object"),
        (b"{}", "payloads"),
        (b'{"payloads": []}', "payloads"),
        (b'{"payloads": ["a", "a"]}', "more than once: a"),
        (b'{"payloads": ["a"], "batch_size": 0}', "batch_size"),
        (b'{"payloads": ["a"], "batch_size": 5000}', "5000"),
        (b'{"payloads": ["a"], "batch_size": 10.5}', "batch_size"),
        (b'{"payloads": ["a"], "eas_type": "ftp"}', "eas_type"),
        (b'{"payloads": ["a"], "eas_skip_errors": "yes"}', "eas_skip_errors"),
    ],
)
def test_a_bad_manifest_says_what_is_wrong(body: bytes, said: str) -> None:
    with pytest.raises(ImportProblem) as refused:
        parse_manifest(body)
    assert refused.value.code == "invalid-manifest" and said in refused.value.message


def test_a_manifest_naming_a_payload_not_uploaded_is_refused() -> None:
    manifest = parse_manifest(b'{"payloads": ["types.json", "docs.json"]}')
    check_payloads_given(manifest, {"types.json", "docs.json", "extra.json"})
    with pytest.raises(ImportProblem) as refused:
        check_payloads_given(manifest, {"types.json"})
    assert refused.value.code == "payload-missing" and "docs.json" in refused.value.message


def test_integers_past_64_bits_read_as_the_shape_check_read_them() -> None:
    # Found by the fuzzer: yajl's floats mode overflowed on these after the check passed.
    data = b'{"import_type": "document", "documents": [{"bestandsomvang": 9223372036854775808}]}'
    assert check_payload("docs.json", opener(data)) == "document"
    (row,) = PayloadSource("docs.json", "document", opener(data)).rows()
    assert row.values == {"bestandsomvang": 2**63}
