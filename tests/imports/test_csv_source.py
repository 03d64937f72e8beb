import codecs
import io

import pytest

from docload.imports.errors import ImportProblem
from docload.imports.sources import batches
from docload.imports.sources.csv import CsvSource, TextCheck, read_header


def source(text: str | bytes) -> CsvSource:
    data = text.encode() if isinstance(text, str) else text
    return CsvSource(lambda: io.BytesIO(data))


def test_rows_are_numbered_like_lines_and_matched_by_header() -> None:
    csv_source = source('b,a\r\n2,1\r\n"multi\nline",3\r\n')
    assert csv_source.header() == ["b", "a"]
    assert csv_source.count() == 2
    rows = list(csv_source.rows())
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values == {"a": "1", "b": "2"}
    assert rows[1].values["b"] == "multi\nline"


def test_rows_skip_and_batches() -> None:
    csv_source = source("a\n" + "".join(f"{n}\n" for n in range(7)))
    assert [row.values["a"] for row in csv_source.rows(skip=5)] == ["5", "6"]
    sizes = [len(batch) for batch in batches(csv_source.rows(), 3)]
    assert sizes == [3, 3, 1]
    assert [batch[0].number for batch in batches(csv_source.rows(skip=3), 3)] == [5, 8]


def test_byte_order_mark_is_not_part_of_the_header() -> None:
    assert source("\ufeffuuid,titel\n".encode()).header() == ["uuid", "titel"]


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty-file"), (b"  \n", "empty-file"), (b"\xff\xfe\x00binary", "parse_error")],
)
def test_header_problems(data: bytes, code: str) -> None:
    with pytest.raises(ImportProblem) as problem:
        read_header(io.BytesIO(data))
    assert problem.value.code == code


def test_utf8_check_refuses_binary_anywhere() -> None:
    check = TextCheck()
    check.feed(b"titel\n")
    check.feed(b"\xc3")  # half a character is fine until the next chunk
    check.feed(b"\xa9\n")
    with pytest.raises(ImportProblem):
        check.feed(b"\xff")


class Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


def test_streams_that_cannot_seek_are_read_from_their_start() -> None:
    data = "\ufeffa\tb\n1\t2\n".encode("utf-16-le")
    csv_source = CsvSource(lambda: Unseekable(b"\xff\xfe" + data[2:]))
    assert csv_source.header() == ["a", "b"]
    assert [row.values for row in csv_source.rows()] == [{"a": "1", "b": "2"}]
    assert read_header(Unseekable(b"\xef\xbb\xbfa,b\n")) == ["a", "b"]


def test_text_check_names_the_byte_and_line() -> None:
    check = TextCheck()
    check.feed(b"titel\nBesluit\n")
    with pytest.raises(ImportProblem) as problem:
        check.feed(b"caf\xe9\n")
    assert "byte 0xE9 at line 3" in problem.value.message
    check = TextCheck()
    check.feed(b"\xff")
    check.feed(b"\xfet\x00")
    with pytest.raises(ImportProblem) as problem:
        check.feed(b"i", final=True)
    assert "not valid UTF-16" in problem.value.message


_MIXED = "a,b\n" + "".join(
    f'{i},"x\ny ""q"" {i}"\n' if i % 3 == 0 else f"{i},é{i}\n" for i in range(50)
)


@pytest.mark.parametrize(
    "data",
    [
        _MIXED.encode(),
        codecs.BOM_UTF8 + _MIXED.encode(),
        _MIXED.encode("utf-16"),
        _MIXED.replace("\n", "\r\n").encode() + b"77,\xff\xfe bad\n78,ok\n",
        b"a\tb\n1\t2\n3\t4\n5\t6\n",
    ],
    ids=["utf-8", "bom", "utf-16", "unreadable-line", "tabs"],
)
def test_reading_from_a_checkpoint_gives_the_rows_after_it(data: bytes) -> None:
    csv_source = CsvSource(lambda: io.BytesIO(data))
    count, checkpoints = csv_source.index(4)
    every_row = list(csv_source.rows())
    assert count == len(every_row) and len(checkpoints) == count // 4
    for point in checkpoints:
        assert list(csv_source.rows(point.records, at=point)) == every_row[point.records :]
        after = list(csv_source.rows(point.records + 1, at=point))
        assert after == every_row[point.records + 1 :]
