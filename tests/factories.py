"""Test data: metadata rows, CSV files and content files in the shapes users send."""

from __future__ import annotations

import base64
import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docload.imports.columns import REQUIRED_HEADERS

VALID_RSIN = "002220647"


def metadata_row(informatieobjecttype: str, **values: Any) -> dict[str, Any]:
    """A valid flat metadata row; keyword arguments override or add columns."""
    row: dict[str, Any] = {name: "" for name in REQUIRED_HEADERS}
    row.update(
        bronorganisatie=VALID_RSIN,
        creatiedatum="2024-03-01",
        titel="Besluit",
        auteur="Gemeente",
        taal="nld",
        informatieobjecttype=informatieobjecttype,
    )
    row.update(values)
    return row


def csv_text(rows: Iterable[dict[str, Any]], headers: Iterable[str] = REQUIRED_HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(headers), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_files(base_dir: Path, count: int, size: int = 1024, prefix: str = "files") -> list[str]:
    """Random content files under `base_dir`; returns their relative paths."""
    paths = []
    for index in range(count):
        relative = f"{prefix}/{index:06d}.bin"
        target = base_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(os.urandom(size))
        paths.append(relative)
    return paths


def document_body(type_url: str, content: bytes | None = b"hello", **changes: Any) -> dict:
    """A valid Documenten API create body, content base64-encoded; keyword arguments change it."""
    body = {
        "bronorganisatie": VALID_RSIN,
        "creatiedatum": "2024-03-01",
        "titel": "Besluit",
        "auteur": "Gemeente",
        "taal": "nld",
        "bestandsnaam": "besluit.txt",
        "informatieobjecttype": type_url,
        "inhoud": base64.b64encode(content).decode() if content is not None else None,
    }
    body.update(changes)
    return body
