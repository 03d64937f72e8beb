"""The client's local side: which files the metadata names, their digests, the resume state."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024
COLUMN = "bestandspad"


class PushError(Exception):
    """The push cannot go on; the message says why."""


def read_names(metadata: Path) -> list[str]:
    """The distinct `bestandspad` values of the metadata CSV, in the order they first appear.

    The CSV is read a row at a time; empty values (rows without content) are left out.
    """
    names: dict[str, None] = {}
    with open(metadata, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or COLUMN not in [name.strip() for name in header]:
            raise PushError(f"{metadata} has no {COLUMN} column.")
        index = [name.strip() for name in header].index(COLUMN)
        for row in reader:
            value = row[index].strip() if index < len(row) else ""
            if value:
                names.setdefault(value, None)
    return list(names)


def unsendable(names: list[str], metadata_name: str) -> list[str]:
    """Why names cannot be uploaded as single files (the server refuses paths), one line each."""
    problems = []
    for name in names:
        if "/" in name or "\\" in name or name in (".", ".."):
            problems.append(f"{name!r}: an uploaded file is named without directories")
        elif name == metadata_name:
            problems.append(f"{name!r}: the metadata file's own name")
    return problems


def sha256_of(path: Path) -> str:
    """The file's sha256, read a chunk at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def chunks(path: Path, on_bytes: Any = None) -> Iterator[bytes]:
    """The file's bytes a chunk at a time, telling `on_bytes(n)` about each."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if on_bytes is not None:
                on_bytes(len(chunk))
            yield chunk


def batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def backoff_delays(attempts: int, first: float = 0.5, cap: float = 8.0) -> list[float]:
    """The waits between `attempts` tries: `first`, doubling, at most `cap`."""
    return [min(cap, first * 2**n) for n in range(max(0, attempts - 1))]


@dataclass
class State:
    """What a run records next to the metadata to resume: the server and its definition."""

    path: Path
    server: str = ""
    definition_id: str = ""
    import_id: str = ""

    @classmethod
    def for_metadata(cls, metadata: Path, server: str) -> State:
        path = metadata.with_name(metadata.name + ".push.json")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls(path, server)
        if not isinstance(data, dict) or data.get("server") != server:
            return cls(path, server)
        return cls(
            path, server, str(data.get("definitionId", "")), str(data.get("importId", "") or "")
        )

    def save(self) -> None:
        data = {
            "server": self.server,
            "definitionId": self.definition_id,
            "importId": self.import_id or None,
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(temporary, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class ReportSummary:
    ok: int
    failed: int
    failures: list[dict[str, Any]]  # the first failing rows: row, bestandspad, opmerking


def summarize_report(path: Path, keep: int = 10) -> ReportSummary:
    """Count the report's rows by `resultaat` (streamed); keep the first failing ones."""
    ok = failed = 0
    failures: list[dict[str, Any]] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            if row.get("resultaat") in ("Geïmporteerd", "Importeerbaar"):  # imported, or would be
                ok += 1
                continue
            failed += 1
            if len(failures) < keep:
                failures.append(
                    {
                        "row": number,
                        "bestandspad": row.get(COLUMN) or "",
                        "opmerking": row.get("opmerking") or "",
                    }
                )
    return ReportSummary(ok, failed, failures)
