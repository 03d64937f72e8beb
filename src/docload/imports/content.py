"""Content resolvers: where a row's content reference (`bestandspad`) points.

Each resolver turns a reference into an open binary stream and its size, or a ContentError whose
message becomes the row's comment. When the content is in local files, it also says where they
are (`locate`), so that copy processes can open them themselves. Dialects choose a resolver; the
engine calls `open` or `locate`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Protocol, cast

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections, models

from docload.documents.storage import local_destination
from docload.imports.copying import LocalSource, open_beneath
from docload.imports.errors import ContentError, ImportProblem
from docload.imports.models import StagedFile
from docload.imports.opened import OpenedContent
from docload.imports.url_content import UrlResolver


class ContentResolver(Protocol):
    @property
    def local(self) -> bool:
        """Whether the content is in local files, so that `locate` can be used."""
        ...

    def open(self, reference: str) -> OpenedContent:
        """Open the content `reference` names, or raise ContentError."""
        ...

    def locate(self, references: list[str]) -> list[LocalSource | str]:
        """Where each reference is on the local file system, or why it cannot be used.

        The directory of a LocalSource contains no symlinks; the path beneath it must be opened
        with `copying.open_beneath`, which keeps it there.
        """
        ...


class BaseDirectoryResolver:
    """Files under one base directory; nothing outside it is ever opened."""

    local = True

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = str(base_dir.resolve())

    def open(self, reference: str) -> OpenedContent:
        descriptor, size = open_beneath(self.base_dir, reference, reference)
        return OpenedContent(stream=os.fdopen(descriptor, "rb"), size=size)

    def locate(self, references: list[str]) -> list[LocalSource | str]:
        return [(self.base_dir, reference) for reference in references]


class StagedFilesResolver:
    """Files staged in one area, named by their name (an archive's members by their paths in
    it); no other name is ever opened, nor a file whose bytes are not complete.

    References are looked up when they are opened or located, so memory stays flat however many
    files the area holds.
    """

    def __init__(self, area: uuid.UUID) -> None:
        self.area = area

    @property
    def local(self) -> bool:
        return local_destination() is not None

    def open(self, reference: str) -> OpenedContent:
        found = _staged_key_and_size(self.area, reference)
        if found is None:
            raise ContentError(_not_uploaded(reference))
        key, size = found
        try:
            stream = storages["default"].open(key, "rb")
        except OSError:
            raise ContentError(f"The uploaded file {reference!r} is no longer stored.") from None
        return OpenedContent(stream=stream, size=size)

    def locate(self, references: list[str]) -> list[LocalSource | str]:
        """One query for all references."""
        location = os.path.realpath(storages["default"].path(""))
        keys = dict(
            StagedFile.objects.filter(area__uuid=self.area, name__in=set(references))
            .exclude(key="")
            .values_list("name", "key")
        )
        return [
            (location, keys[reference]) if reference in keys else _not_uploaded(reference)
            for reference in references
        ]


def _not_uploaded(reference: str) -> str:
    return f"{reference!r} is not the name of an uploaded file."


def _staged_key_and_size(area: uuid.UUID, name: str) -> tuple[str, int] | None:
    """One indexed lookup, in plain SQL: compiling the ORM query costs ~15x running it, which at
    a million rows is minutes of CPU in the copying threads."""
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's own
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('key')}, {quote('size')} FROM {quote(StagedFile._meta.db_table)} "
        f"WHERE {quote('area')} = %s AND {quote('name')} = %s AND {quote('key')} <> ''"
    )
    area_field = cast("models.Field[Any, Any]", StagedFile._meta.get_field("area"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [area_field.get_db_prep_value(area, connection), name])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


class NoContentResolver:
    """An import that takes no content (a JSON import's `eas_type: ignore`): its rows name none,
    and nothing is ever opened."""

    local = False

    def open(self, reference: str) -> OpenedContent:
        raise ContentError("This import takes no content.")

    def locate(self, references: list[str]) -> list[LocalSource | str]:
        return ["This import takes no content." for _ in references]


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
        return StagedFilesResolver(uuid.UUID(content_source["area"]))
    if kind == "url":
        return UrlResolver.from_settings(content_source.get("replace_localhost", ""))
    if kind == "ignore":
        return NoContentResolver()
    raise ValueError(f"Unknown content source kind {kind!r}")
