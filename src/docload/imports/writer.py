"""The batch writer: one batch of rows is the unit of work.

Rows are prepared (`preparing`: mapped and validated with the registry's own rules), checked for
uniqueness with set-based queries (`uniqueness`), their content copied (by the job's copier,
hashed in the same pass) under keys unique to each document, and then documents, links, row
results and job counters commit in one transaction (`committing`).

Batches overlap, so that the disk, the copy processes and the database work at the same time:
while batch N+2 is validated, N+1's content is copied and N's flushed to disk; then N commits. The
outcome is exactly that of writing the batches one after the other:

- N+1 is checked for uniqueness after N's content is copied, counting N's valid rows as
  existing documents (they are about to be), so its content never goes to a key N uses;
- when N has committed, N+1 is checked again with N's generated identificaties; when N failed,
  again without N's rows (rows that became valid get their content copied then);
- the content of N's rows found invalid is removed before N+1's copies start.
"""

from __future__ import annotations

from concurrent.futures import wait

from docload.documents.storage import StoredContent, delete_content, imported_content_key
from docload.imports.batch import Batch, JobContext, Row
from docload.imports.committing import LeaseLost, commit_batch
from docload.imports.copying import CopyOrder
from docload.imports.preparing import prepare_batch
from docload.imports.sources import SourceRow
from docload.imports.uniqueness import look_up_taken, mark_duplicates

__all__ = ["BatchWriter", "JobContext", "LeaseLost"]

_ROWS_PER_COPY_TASK = 25  # rows per copy task: few round trips, work spread over the copiers
# The comment of a row imported without its content, its problem let pass (`skip_errors`).
CONTENT_SKIPPED = "Imported without its content: "


class BatchWriter:
    """Writes a job's batches in order, overlapping their stages: while a batch is prepared,
    the one before it is being copied and the one before that flushed to disk.

    An invalid row never stops the others. After a fault, `discard()` leaves nothing of the
    batches that did not commit. Raises LeaseLost when another
    worker has the job (its batches in progress are left to the new owner, who rewrites them).
    """

    def __init__(self, context: JobContext) -> None:
        self.context = context
        # Not committed yet, oldest first: at most a settled batch (its content flushing) and a
        # batch whose content is copying.
        self._open: list[Batch] = []

    def write(self, source_rows: list[SourceRow]) -> None:
        """Take the next batch and start copying its content; commit the batch two before it."""
        batch = prepare_batch(self.context, source_rows)
        self._advance()
        ahead = self._open[-1] if self._open else None  # settled, not committed
        look_up_taken(self.context, batch)
        mark_duplicates(batch, ahead)
        _start_copies(self.context, batch)
        self._open.append(batch)

    def finish(self) -> None:
        """Commit the batches still open."""
        self._advance()
        if self._open:
            self._commit(self._open[-1])

    def _advance(self) -> None:
        """Commit the settled batch, if there is one; then settle the batch copying.

        The settled batch's flush had the next batch's preparation to finish, and the copying
        batch's copies that and the commit.
        """
        if len(self._open) == 2:
            settled, copying = self._open
            committed = self._commit(settled)
            # Decide again as if `settled` had been written before `copying` was checked.
            mark_duplicates(copying, settled if committed else None)
            _start_copies(self.context, copying)
        if self._open:
            _settle(self.context, self._open[-1])

    def _commit(self, batch: Batch) -> bool:
        committed = commit_batch(self.context, batch)
        self._open.remove(batch)
        return committed

    def discard(self) -> list[SourceRow]:
        """Remove the content of the batches that did not commit; return their rows.

        Waits for their copies first, so that none writes afterwards.
        """
        rows = []
        for batch in self._open:
            wait([copies for _, copies in batch.copies])
            delete_content(row.key for row in batch.rows if row.key)
            rows.extend(batch.source_rows)
        self._open.clear()
        return rows


def _start_copies(context: JobContext, batch: Batch) -> None:
    """Order the copies of valid rows' content not ordered yet, a few rows per task."""
    rows = [row for row in batch.rows if row.valid and row.input.content_reference]
    rows = [row for row in rows if not row.key]
    job_hex = context.job.uuid.hex
    for row in rows:
        row.key = imported_content_key(job_hex, row.source.number, row.document_uuid)
    for start in range(0, len(rows), _ROWS_PER_COPY_TASK):
        chunk = rows[start : start + _ROWS_PER_COPY_TASK]
        orders = [_copy_order(row) for row in chunk]
        batch.copies.append((chunk, context.copier.copy(orders)))


def _copy_order(row: Row) -> CopyOrder:
    return CopyOrder(
        reference=row.input.content_reference,
        key=row.key,
        expected_size=row.cleaned.get("bestandsomvang"),
        algorithm=row.cleaned.get("integriteit_algoritme", ""),
        expected_digest=row.cleaned.get("integriteit_waarde", ""),
    )


def _settle(context: JobContext, batch: Batch) -> None:
    """Wait for the batch's copies, remove the content of rows that turned out invalid, and
    start flushing the rest to disk (`commit_batch` waits for that)."""
    skip_errors = bool(context.job.content_source.get("skip_errors"))
    for rows, copies in batch.copies:
        for row, outcome in zip(rows, copies.result(), strict=True):
            if skip_errors and outcome.problem:
                row.content_note = f"{CONTENT_SKIPPED}{outcome.problem}"
            else:
                row.content_problem = outcome.problem
            row.content = StoredContent(row.key, outcome.size)
    batch.copies.clear()
    unused = [row for row in batch.rows if (not row.valid or row.content_note) and row.key]
    delete_content(row.key for row in unused)
    for row in batch.rows:
        if not row.valid or row.content_note:
            row.content = None
    if not context.job.dry_run:  # a dry run's copies are removed, not kept
        batch.flushed = context.copier.flush(batch.content_keys())
