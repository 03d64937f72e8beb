"""Writing single documents (the Documenten API). Bulk writes live in the import engine."""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from docload.documents.identifiers import allocate_identificaties, taken_identificaties
from docload.documents.models import EnkelvoudigInformatieObject
from docload.documents.storage import StoredContent, content_key, delete_content, store_content
from docload.documents.validation import FieldError

_BASE64_CHUNK = 4 * 256 * 1024  # a multiple of 4 characters decodes on its own


class InvalidContent(ValueError):
    """The base64 `inhoud` cannot be decoded."""


def decode_base64_chunks(text: str) -> Iterator[bytes]:
    """Decode base64 text in slices, so the decoded bytes are never whole in memory."""
    if any(char in text for char in "\r\n "):
        text = "".join(text.split())
    try:
        for start in range(0, len(text), _BASE64_CHUNK):
            yield base64.b64decode(text[start : start + _BASE64_CHUNK], validate=True)
    except binascii.Error as exc:
        raise InvalidContent(str(exc)) from exc


def store_base64(document_uuid: uuid.UUID, inhoud: str) -> StoredContent:
    """Store base64 content under a fresh key of the document."""
    return store_content(
        content_key(document_uuid, secrets.token_hex(4)), decode_base64_chunks(inhoud)
    )


def identificatie_errors(cleaned: dict[str, Any], exclude_pk: int | None) -> list[FieldError]:
    """An error when another document already uses the identificatie for its bronorganisatie."""
    identificatie = cleaned.get("identificatie")
    if identificatie and taken_identificaties(
        {(cleaned["bronorganisatie"], identificatie)}, exclude_pk=exclude_pk
    ):
        return [
            FieldError(
                "identificatie",
                "identificatie-niet-uniek",
                "The identificatie is already used for this bronorganisatie.",
            )
        ]
    return []


def save_document(
    document: EnkelvoudigInformatieObject,
    cleaned: dict[str, Any],
    content: StoredContent | None,
) -> EnkelvoudigInformatieObject:
    """Create or update `document` with validated values and optionally new content.

    When content replaces earlier content, the old bytes are removed after the commit; when the
    write fails, the new bytes are removed.
    """
    old_key = document.content_key
    for name, value in cleaned.items():
        # An update without identificatie keeps the one the document has.
        if name != "identificatie" or value or not document.identificatie:
            setattr(document, name, value)
    if content is not None:
        # The stored bytes are the truth about the size.
        document.content_key = content.key
        document.bestandsomvang = content.size
    try:
        with transaction.atomic():
            if not document.identificatie:
                (document.identificatie,) = allocate_identificaties(1, timezone.now().year)
            if document.pk is not None:
                document.versie += 1
            document.save()
    except Exception:
        if content is not None:
            delete_content([content.key])
        raise
    if content is not None and old_key and old_key != content.key:
        transaction.on_commit(lambda: delete_content([old_key]))
    return document


def delete_document(document: EnkelvoudigInformatieObject) -> None:
    """Delete the document, and its content once the deletion is committed."""
    key = document.content_key
    document.delete()
    if key:
        transaction.on_commit(lambda: delete_content([key]))
