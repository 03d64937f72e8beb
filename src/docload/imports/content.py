"""Content resolvers: where a row's content reference (`bestandspad`) points.

Each resolver turns a reference into an open binary stream and its size, or a ContentError whose
message becomes the row's comment. Dialects choose one; the engine only calls `open`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from django.core.files.storage import storages

from docload.imports.errors import ContentError, ImportProblem


@dataclass
class OpenedContent:
    stream: IO[bytes]
    size: int


class ContentResolver(Protocol):
    def open(self, reference: str) -> OpenedContent:
        """Open the content `reference` names, or raise ContentError."""
        ...


class BaseDirectoryResolver:
    """Files under one base directory; nothing outside it is ever opened."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.resolve()

    def open(self, reference: str) -> OpenedContent:
        if os.path.isabs(reference) or reference.startswith("~"):
            raise ContentError(f"{reference!r} is not relative to the import base directory.")
        # resolve() follows symlinks, so a link pointing outside is caught here too.
        path = (self.base_dir / reference).resolve()
        if not path.is_relative_to(self.base_dir):
            raise ContentError(f"{reference!r} is not relative to the import base directory.")
        try:
            stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise ContentError(f"File {reference!r} does not exist.") from None
        except IsADirectoryError:
            raise ContentError(f"{reference!r} is a directory, not a file.") from None
        except OSError as exc:
            raise ContentError(f"File {reference!r} cannot be read: {exc.strerror}.") from None
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            stream.close()
            raise ContentError(f"{reference!r} is not a regular file.")
        return OpenedContent(stream=stream, size=info.st_size)


class StagedFilesResolver:
    """Files staged by upload, named by their file name; no other name is ever opened."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = files  # file name -> storage key

    def open(self, reference: str) -> OpenedContent:
        key = self.files.get(reference)
        if key is None:
            raise ContentError(f"{reference!r} is not the name of an uploaded file.")
        try:
            stream = storages["default"].open(key, "rb")
        except OSError:
            raise ContentError(f"The uploaded file {reference!r} is no longer stored.") from None
        return OpenedContent(stream=stream, size=stream.size)


def check_base_dir(base_dir: Path) -> None:
    """Raise `import-dir-not-found` or `import-dir-not-dir` when the base dir is unusable."""
    if not base_dir.exists():
        raise ImportProblem(
            "import-dir-not-found", f"The import directory {str(base_dir)!r} does not exist."
        )
    if not base_dir.is_dir():
        raise ImportProblem(
            "import-dir-not-dir", f"The import directory {str(base_dir)!r} is not a directory."
        )


def resolver_for(content_source: dict[str, Any]) -> ContentResolver:
    """Rebuild a job's resolver from its stored description."""
    kind = content_source.get("kind")
    if kind == "base_dir":
        return BaseDirectoryResolver(Path(content_source["path"]))
    if kind == "staged":
        return StagedFilesResolver(content_source["files"])
    raise ValueError(f"Unknown content source kind {kind!r}")
