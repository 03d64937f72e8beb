"""The audit trail of imported documents: one "create" entry per document, inserted with the
batch's documents, in its transaction (a failed batch leaves none).

An entry's `nieuw` is a compact subset of the document in the API's shape (`NIEUW_FIELDS`, with
`url` and `informatieobjecttype` as paths): what identifies the document and who may see it,
not every field. Its URLs are paths: the import has no request to take a host from; the API
makes them absolute when it shows them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from docload.documents.audit import entry_values
from docload.documents.models import AuditTrail
from docload.imports.batch import Row
from docload.imports.inserting import Inserter
from docload.imports.models import Job

# The document's values `nieuw` holds, besides `url`, `informatieobjecttype` and `versie`.
NIEUW_FIELDS = (
    "identificatie",
    "bronorganisatie",
    "creatiedatum",
    "titel",
    "vertrouwelijkheidaanduiding",
    "auteur",
    "status",
    "taal",
    "bestandsnaam",
)
# Where the API serves documents and their types (a test holds them to the URLconf): not
# reversed, as that would load the URLconf, and with it all HTTP code, into the worker.
DOCUMENTS_PATH = "/documenten/api/v1/enkelvoudiginformatieobjecten/"
TYPES_PATH = "/catalogi/api/v1/informatieobjecttypen/"
_entries = Inserter(AuditTrail)


def insert_entries(job: Job, rows: list[Row]) -> None:
    """Insert the "create" entry of each imported row's document (inside the batch's
    transaction)."""
    _entries.insert(_entries_of(job, rows))


def _entries_of(job: Job, rows: list[Row]) -> Iterator[dict[str, Any]]:
    documents, types = DOCUMENTS_PATH, TYPES_PATH
    # The same for every entry: made once, each entry a copy with its own values.
    common = entry_values(
        document_uuid=uuid.UUID(int=0),
        hoofd_object="",
        actie="create",
        resultaat=201,
        resource="enkelvoudiginformatieobject",
        resource_url="",
        resource_weergave="",
        applicatie_id=job.dialect,
        applicatie_weergave=f"docload import {job.uuid}",
    )
    uuid4 = uuid.uuid4
    type_urls: dict[int, str] = {}
    for row in rows:
        cleaned = row.cleaned
        url = documents + str(row.document_uuid)
        nieuw = {"url": url, **{name: cleaned.get(name) for name in NIEUW_FIELDS}}
        nieuw["creatiedatum"] = cleaned["creatiedatum"].isoformat()  # plain JSON, as the API's
        document_type = cleaned["informatieobjecttype"]
        if (type_url := type_urls.get(document_type.pk)) is None:
            type_url = type_urls[document_type.pk] = types + str(document_type.uuid)
        nieuw["informatieobjecttype"] = type_url
        nieuw["versie"] = 1
        if row.content is not None:
            nieuw["bestandsomvang"] = row.content.size
        yield {
            **common,
            "uuid": uuid4(),
            "document_uuid": row.document_uuid,
            "hoofd_object": url,
            "resource_url": url,
            "resource_weergave": f"{cleaned['bronorganisatie']} - {cleaned['identificatie']}",
            "toelichting": f"row {row.source.number}",
            "nieuw": nieuw,
        }
