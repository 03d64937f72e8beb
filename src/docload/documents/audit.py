"""Audit trail entries: who changed what of a document, and how it looked before and after.

The API writes one entry per change (`record`), in the change's transaction; the import engine
writes its entries in bulk with the same values (`entry_values`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from docload.documents.models import AuditTrail

BRON = "drc"  # the Documenten API, as the standard's `bron` enumeration names it
# The standard's explanation of each `actie`.
ACTIE_WEERGAVE = {
    "create": "Object aangemaakt",
    "update": "Object bijgewerkt",
    "partial_update": "Object deels bijgewerkt",
    "destroy": "Object verwijderd",
}


def entry_values(
    *,
    document_uuid: uuid.UUID,
    hoofd_object: str,
    actie: str,
    resultaat: int,
    resource: str,
    resource_url: str,
    resource_weergave: str,
    applicatie_id: str = "",
    applicatie_weergave: str = "",
    gebruikers_id: str = "",
    gebruikers_weergave: str = "",
    toelichting: str = "",
    oud: dict[str, Any] | None = None,
    nieuw: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An entry as {AuditTrail attname: value} (`oud` and `nieuw` plain JSON values), its uuid
    still to be given; `aanmaakdatum` is the time of the insert."""
    return {
        "document_uuid": document_uuid,
        "bron": BRON,
        "applicatie_id": applicatie_id[:100],
        "applicatie_weergave": applicatie_weergave[:200],
        "gebruikers_id": gebruikers_id[:255],
        "gebruikers_weergave": gebruikers_weergave[:255],
        "actie": actie,
        "actie_weergave": ACTIE_WEERGAVE.get(actie, actie),
        "resultaat": resultaat,
        "hoofd_object": hoofd_object,
        "resource": resource,
        "resource_url": resource_url,
        "toelichting": toelichting,
        "resource_weergave": resource_weergave[:200],
        "oud": oud,
        "nieuw": nieuw,
    }


def record(**values: Any) -> AuditTrail:
    """Write one entry (`entry_values`' arguments); must run in the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an audit entry is written in the transaction of its change")
    return AuditTrail.objects.create(**entry_values(**values))


def delete_trails(document_uuids: list[uuid.UUID]) -> None:
    """Remove deleted documents' entries (the standard deletes them with the document)."""
    AuditTrail.objects.filter(document_uuid__in=document_uuids).delete()
