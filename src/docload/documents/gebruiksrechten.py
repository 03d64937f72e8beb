"""Gebruiksrechten and the document's `indicatie_gebruiksrecht`, kept true while it has any.

As the standard: creating a document's first gebruiksrecht sets its indicatie to true, deleting
its last one sets it to null, and a client cannot set it to true itself (nor unset it while there
are gebruiksrechten). The indicatie changes in place: no new version of the document.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from docload.documents.models import EnkelvoudigInformatieObject, Gebruiksrecht
from docload.documents.validation import FieldError


def _locked_document(document_id: int) -> EnkelvoudigInformatieObject:
    # Concurrent changes to one document's gebruiksrechten take turns.
    return EnkelvoudigInformatieObject.objects.select_for_update().get(pk=document_id)


def create_gebruiksrecht(values: dict[str, Any]) -> Gebruiksrecht:
    with transaction.atomic():
        document = _locked_document(values["informatieobject"].pk)
        gebruiksrecht = Gebruiksrecht.objects.create(**values)
        if document.indicatie_gebruiksrecht is not True:
            EnkelvoudigInformatieObject.objects.filter(pk=document.pk).update(
                indicatie_gebruiksrecht=True
            )
    return gebruiksrecht


def update_gebruiksrecht(gebruiksrecht: Gebruiksrecht, values: dict[str, Any]) -> Gebruiksrecht:
    for name, value in values.items():
        setattr(gebruiksrecht, name, value)
    gebruiksrecht.save()
    return gebruiksrecht


def delete_gebruiksrecht(gebruiksrecht: Gebruiksrecht) -> None:
    with transaction.atomic():
        document = _locked_document(gebruiksrecht.informatieobject_id)
        gebruiksrecht.delete()
        if not document.gebruiksrechten.exists():
            EnkelvoudigInformatieObject.objects.filter(pk=document.pk).update(
                indicatie_gebruiksrecht=None
            )


def indicatie_errors(
    document: EnkelvoudigInformatieObject, cleaned: dict[str, Any], given: bool
) -> list[FieldError]:
    """Check an update's `indicatie_gebruiksrecht` against the document's gebruiksrechten.

    Given in the body, it must be true with gebruiksrechten and not true without; not given (a
    PUT or PATCH without it), it follows the gebruiksrechten.
    """
    has_rights = document.gebruiksrechten.exists()
    value = cleaned.get("indicatie_gebruiksrecht")
    if not given:
        if has_rights:
            cleaned["indicatie_gebruiksrecht"] = True
        elif value:
            cleaned["indicatie_gebruiksrecht"] = None
        return []
    if has_rights and value is not True:
        return [
            FieldError(
                "indicatieGebruiksrecht",
                "existing-gebruiksrechten",
                "The document has gebruiksrechten: the indicatie stays true until they are "
                "deleted.",
            )
        ]
    if not has_rights and value:
        return [
            FieldError(
                "indicatieGebruiksrecht",
                "missing-gebruiksrechten",
                "The indicatie becomes true by creating gebruiksrechten, not directly.",
            )
        ]
    return []
