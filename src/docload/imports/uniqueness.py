"""Uniqueness of a batch's rows: their uuids and (bronorganisatie, identificatie) pairs against
the documents already stored, the batch ahead of it and the rows earlier in the file.

The database is asked once per batch, set-based (`look_up_taken`); the decision
(`mark_duplicates`) can then be made again without asking, when the batch ahead commits or fails.
"""

from __future__ import annotations

import uuid

from docload.documents.identifiers import existing_uuids, taken_identificaties
from docload.imports.batch import Batch, JobContext


def look_up_taken(context: JobContext, batch: Batch) -> None:
    """Which of the batch's uuids and identificaties documents already use (in a dry run, also
    the rows before it that a real run would have stored)."""
    checked = [row for row in batch.rows if not row.problem]
    uuids = {row.document_uuid for row in checked}
    pairs = {row.pair for row in checked if row.pair[1]}
    batch.taken_uuids = existing_uuids(uuids) | (uuids & context.prepared_uuids)
    batch.taken_pairs = taken_identificaties(pairs) | (pairs & context.prepared_pairs)


def mark_duplicates(batch: Batch, ahead: Batch | None) -> None:
    """(Re)decide each row's uniqueness; the valid rows of `ahead` count as existing."""
    taken_uuids = set(batch.taken_uuids)
    taken_pairs = set(batch.taken_pairs)
    if ahead is not None:
        for row in ahead.valid_rows():
            taken_uuids.add(row.document_uuid)
            pair = row.pair
            if pair[1]:
                taken_pairs.add(pair)
    seen_uuids: set[uuid.UUID] = set()
    seen_pairs: set[tuple[str, str]] = set()
    for row in batch.rows:
        if row.problem:
            continue
        pair = row.pair
        row.duplicate = ""
        if row.document_uuid in taken_uuids:
            row.duplicate = f"uuid: a document with uuid {row.document_uuid} already exists."
        elif row.document_uuid in seen_uuids:
            row.duplicate = f"uuid: {row.document_uuid} occurs earlier in this file."
        elif pair in taken_pairs:
            row.duplicate = f"identificatie: {pair[1]!r} is already used by {pair[0]}."
        elif pair[1] and pair in seen_pairs:
            row.duplicate = f"identificatie: {pair[1]!r} occurs earlier in this file."
        seen_uuids.add(row.document_uuid)
        if pair[1]:
            seen_pairs.add(pair)
