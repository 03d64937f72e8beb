# ruff: noqa: E501  (XML parts of a workbook, kept whole to be readable)
"""Test workbooks (.xlsx) written by hand with zipfile: inline strings, numbers, dates."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from docload.imports.columns import REQUIRED_HEADERS

_EPOCH = datetime.date(1899, 12, 30)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class Formula(NamedTuple):
    """A formula cell with the value last calculated (what a reader without evaluation sees)."""

    formula: str
    cached: str


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, Formula):
        return (
            f'<c r="{ref}" t="str"><f>{escape(value.formula)}</f><v>{escape(value.cached)}</v></c>'
        )
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet(rows: Sequence[Sequence[Any]]) -> str:
    body = "".join(
        f'<row r="{number}">'
        + "".join(_cell(f"{_column(i)}{number}", value) for i, value in enumerate(row))
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>{body}</sheetData></worksheet>'


_COMMENTS = (
    f'<?xml version="1.0" encoding="UTF-8"?><comments xmlns="{_MAIN}"><authors><author>a</author></authors>'
    '<commentList><comment ref="A1" authorId="0"><text><t>a comment</t></text></comment></commentList></comments>'
)


def workbook_bytes(sheets: dict[str, Sequence[Sequence[Any]]], comments: bool = False) -> bytes:
    """An .xlsx file with these sheets (name → rows of cell values, header first), in order;
    with `comments`, the first sheet has a cell comment."""
    buffer = BytesIO()
    names = list(sheets)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, len(names) + 1)
        )
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", _sheet(sheets[name]))
        if comments:
            archive.writestr("xl/comments1.xml", _COMMENTS)
            archive.writestr(
                "xl/worksheets/_rels/sheet1.xml.rels",
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{_REL}/comments" Target="../comments1.xml"/>'
                "</Relationships>",
            )
    return buffer.getvalue()


def documents_workbook(
    rows: Iterable[dict[str, Any]],
    headers: Sequence[str] = REQUIRED_HEADERS,
    comments: bool = False,
    **others: Any,
) -> bytes:
    """A workbook whose documents sheet holds `rows` under `headers`; `others` adds sheets."""
    table: list[list[Any]] = [list(headers)]
    table += [[row.get(name, "") for name in headers] for row in rows]
    return workbook_bytes({"enkelvoudiginformatieobjecten": table, **others}, comments)
