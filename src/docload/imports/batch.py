"""A batch on its way through the writer: the job it belongs to, its rows and what each stage
found out about them.

The stages (`preparing`, `uniqueness`, the copies ordered by `writer`, `committing`) fill these
in turn; a row stays valid until one of them gives a reason why it is not imported.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from docload.documents.storage import StoredContent
from docload.documents.validation import DocumentTypes
from docload.imports.columns import RowInput
from docload.imports.copiers import ContentCopier
from docload.imports.copying import CopyOutcome
from docload.imports.models import Job, JobPart
from docload.imports.sources import SourceRow


@dataclass
class JobContext:
    """What a worker needs to write a job's batches, built once per run."""

    job: Job
    worker_id: str
    copier: ContentCopier
    row_input: Callable[[dict[str, Any]], RowInput]
    # The part of the job this run writes (`imports.parts`); None for a job in one piece.
    part: JobPart | None = None
    document_types: DocumentTypes = field(default_factory=DocumentTypes)
    # In a dry run: the uuids and (bronorganisatie, identificatie) pairs of the rows found
    # importable so far, which a real run would have stored.
    prepared_uuids: set[uuid.UUID] = field(default_factory=set)
    prepared_pairs: set[tuple[str, str]] = field(default_factory=set)

    def generated_uuid(self, row_number: int) -> uuid.UUID:
        """The uuid of a row that has none: `uuid5(job uuid, row number)`, deterministic, so a
        batch redone after a crash writes the same keys. Computed as `uuid.uuid5` does, with the
        namespace's bytes taken once per job rather than once per row."""
        digest = hashlib.sha1(self._namespace + str(row_number).encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=5)

    @cached_property
    def _namespace(self) -> bytes:
        return self.job.uuid.bytes


@dataclass
class Row:
    """One source row in a batch: what it asks for, and why it is not imported, if it is not."""

    source: SourceRow
    input: RowInput
    document_uuid: uuid.UUID
    cleaned: dict[str, Any] = field(default_factory=dict)
    # Why the row is not imported, by stage: its values, its uniqueness, its content.
    problem: str = ""
    duplicate: str = ""
    content_problem: str = ""
    # A content problem the job lets pass (`skip_errors`): the row is imported without content.
    content_note: str = ""
    key: str = ""  # where its content is being copied to, once ordered
    content: StoredContent | None = None  # once copied and checked

    @property
    def comment(self) -> str:
        """The row's comment in the report: the first stage's reason, or empty."""
        return self.problem or self.duplicate or self.content_problem

    @property
    def valid(self) -> bool:
        """Whether the row is imported (as far as the stages so far know)."""
        return not self.comment

    @property
    def pair(self) -> tuple[str, str]:
        """(bronorganisatie, identificatie); the identificatie is empty until generated."""
        return self.cleaned["bronorganisatie"], self.cleaned.get("identificatie", "")


@dataclass
class Batch:
    """A batch on its way: checked, its content copying or copied, not yet committed."""

    source_rows: list[SourceRow]
    rows: list[Row]
    copies: list[tuple[list[Row], Future[list[CopyOutcome]]]] = field(default_factory=list)
    flushed: Future[None] | None = None
    # What the database said about the rows' uuids and identificaties, asked once.
    taken_uuids: set[uuid.UUID] = field(default_factory=set)
    taken_pairs: set[tuple[str, str]] = field(default_factory=set)

    def valid_rows(self) -> list[Row]:
        """The rows imported so far."""
        return [row for row in self.rows if row.valid]

    def content_keys(self) -> list[str]:
        """Where the content of the batch's rows is stored (rows whose copy was kept)."""
        return [row.content.key for row in self.rows if row.content is not None]
