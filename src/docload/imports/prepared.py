"""What earlier dry runs would have created, for the dry runs after them to refer to.

A JSON import's payloads refer to each other by lookups: documents to the types of the payload
before, links to those documents. In a dry run nothing is stored, so a later payload's dry run
finds those records here instead: the records its earlier jobs (`Job.follows`) found importable,
read again from their sources beside their row results. Held in memory for the dry run: a few
fields per record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from docload.catalog.models import InformatieObjectType
from docload.imports.models import Job, RowResult
from docload.imports.sources import Source
from docload.imports.sources.xlsx import TYPES_SHEET

Matches = dict[tuple[str, ...], list[uuid.UUID]]


@dataclass
class PreparedRecords:
    """Importable records of earlier dry runs: types (by uuid, unsaved) and their lookups."""

    types: dict[str, InformatieObjectType] = field(default_factory=dict)
    documents: set[uuid.UUID] = field(default_factory=set)
    # (lookup key, fields) → values → uuids, as `lookups` finds them in the database.
    lookups: dict[tuple[str, tuple[str, ...]], Matches] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, kind: str, record_uuid: uuid.UUID, values: dict[str, Any]) -> None:
        if kind == TYPES_SHEET:
            self.types[str(record_uuid)] = InformatieObjectType(
                uuid=record_uuid,
                omschrijving=str(values.get("omschrijving", "")),
                vertrouwelijkheidaanduiding=str(values.get("vertrouwelijkheidaanduiding", "")),
                concept=False,
            )
            for name in ("reference", "omschrijving"):
                if values.get(name):
                    by_name: tuple[str, tuple[str, ...]] = ("lookup:informatieobjecttype", (name,))
                    self.lookups[by_name][(str(values[name]),)].append(record_uuid)
        elif not kind:
            self.documents.add(record_uuid)
            pair = (str(values.get("bronorganisatie", "")), str(values.get("identificatie", "")))
            if all(pair):
                by_pair = ("lookup:informatieobject", ("bronorganisatie", "identificatie"))
                self.lookups[by_pair][pair].append(record_uuid)


def prepared_records(jobs: Iterable[tuple[Job, Source]]) -> PreparedRecords:
    """The records the jobs' dry runs found importable, each job's source and results merged
    in row order as they stream."""
    prepared = PreparedRecords()
    for job, source in jobs:
        results = (
            RowResult.objects.filter(job=job, imported=True)
            .order_by("row_number")
            .values_list("row_number", "document_uuid")
            .iterator(chunk_size=2000)
        )
        result = next(results, None)
        for row in source.rows():
            while result is not None and result[0] < row.number:
                result = next(results, None)
            if result is not None and result[0] == row.number and result[1] is not None:
                prepared.add(row.kind, result[1], row.values)
    return prepared
