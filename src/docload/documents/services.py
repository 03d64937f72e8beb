"""Writing single documents (the Documenten API). Bulk writes live in the import engine."""

from __future__ import annotations

import base64
import binascii
import datetime
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from docload.documents.audit import delete_trails
from docload.documents.constants import Status
from docload.documents.identifiers import allocate_identificaties, taken_identificaties
from docload.documents.models import (
    BestandsDeel,
    EnkelvoudigInformatieObject,
    EnkelvoudigInformatieObjectVersie,
)
from docload.documents.storage import (
    StoredContent,
    content_key,
    delete_content,
    join_content,
    store_content,
)
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


class Refused(Exception):
    """A write the document's state does not allow (its lock, its status)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class UpdateCheck:
    """What an update brings to be allowed: the `lock` from the body (None when absent), and
    whether the application may change a `definitief` document."""

    lock: str | None
    may_change_definitief: bool = False


def update_errors(document: EnkelvoudigInformatieObject, check: UpdateCheck) -> list[FieldError]:
    """Why `document`, as stored, may not be updated (none when it may).

    The order of Open Zaak: an unlocked document first, then a missing or wrong lock, then the
    status.
    """
    if not document.lock:
        return [FieldError("lock", "unlocked", "The document is not locked; lock it first.")]
    if not check.lock:
        return [FieldError("lock", "missing-lock-id", "The lock of the document is required.")]
    if not secrets.compare_digest(check.lock, document.lock):
        return [FieldError("lock", "incorrect-lock-id", "The lock is not the document's lock.")]
    if document.status == Status.DEFINITIEF and not check.may_change_definitief:
        return [
            FieldError(
                "status",
                "modify-status-definitief",
                "The document's status is definitief: it may not be changed.",
            )
        ]
    return []


def save_document(
    document: EnkelvoudigInformatieObject,
    cleaned: dict[str, Any],
    content: StoredContent | None,
    check: UpdateCheck | None = None,
    in_parts: bool = False,
    then: Callable[[EnkelvoudigInformatieObject], None] | None = None,
) -> EnkelvoudigInformatieObject:
    """Create or update `document` with validated values and optionally new content.

    An update needs `check`, tested against the stored row while it is locked for the
    transaction (`Refused` when it fails); the row as it was becomes an earlier version, content
    included, and the document gets the next `versie`. `then` runs in the same transaction once
    the row is saved. When the write fails, new bytes are removed.

    `in_parts`: the content is to come in bestandsdelen of `bestandsomvang` bytes together; the
    document gets them (and, when created, a lock), and has no content until it is unlocked.
    New content or new parts replace parts the document had.
    """
    if document.pk is not None and check is None:
        raise ValueError("an update needs an UpdateCheck")
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
                assert check is not None
                stored = EnkelvoudigInformatieObject.objects.select_for_update().get(pk=document.pk)
                if errors := update_errors(stored, check):
                    raise Refused(errors)
                EnkelvoudigInformatieObjectVersie.of(stored).save()
                document.versie = stored.versie + 1
                document.lock = stored.lock
            if in_parts:
                document.content_key = ""
                if document.pk is None:
                    document.lock = secrets.token_hex(16)
            document.save()
            if content is not None or in_parts:
                _drop_parts(document)
            if in_parts:
                BestandsDeel.objects.bulk_create(
                    BestandsDeel(informatieobject=document, volgnummer=number, omvang=size)
                    for number, size in enumerate(part_sizes(document.bestandsomvang or 0), 1)
                )
            if then is not None:
                then(document)  # in the transaction: the audit entry of the change
    except Exception:
        if content is not None:
            delete_content([content.key])
        raise
    return document


def part_sizes(total: int) -> list[int]:
    """The sizes of the bestandsdelen of `total` bytes: `DOCLOAD_BESTANDSDEEL_SIZE` each, the
    last one the rest."""
    size: int = settings.DOCLOAD_BESTANDSDEEL_SIZE
    full, rest = divmod(total, size)
    return [size] * full + ([rest] if rest else [])


def parts_errors(bestandsomvang: int) -> list[FieldError]:
    """An error when content of this size would need more parts than a document may have."""
    count = -(-bestandsomvang // _part_size()) if bestandsomvang > 0 else 0
    if count > settings.DOCLOAD_MAX_BESTANDSDELEN:
        return [
            FieldError(
                "bestandsomvang",
                "max_value",
                f"Content of this size takes {count} bestandsdelen of {_part_size()} bytes; "
                f"at most {settings.DOCLOAD_MAX_BESTANDSDELEN} are allowed.",
            )
        ]
    return []


def _part_size() -> int:
    return int(settings.DOCLOAD_BESTANDSDEEL_SIZE)


def _drop_parts(document: EnkelvoudigInformatieObject) -> None:
    """Delete the document's parts; their bytes once the transaction commits."""
    parts = BestandsDeel.objects.filter(informatieobject=document)
    keys = [key for key in parts.values_list("content_key", flat=True) if key]
    parts.delete()
    if keys:
        transaction.on_commit(lambda: delete_content(keys))


def part_key(part: BestandsDeel) -> str:
    """A fresh key for an upload of the part (a new upload never overwrites another's bytes)."""
    return content_key(part.informatieobject.uuid, f"deel{part.volgnummer}-{secrets.token_hex(4)}")


def lock_errors(document: EnkelvoudigInformatieObject, lock: str | None) -> list[FieldError]:
    """Why `lock` does not allow writing the document's parts (none when it does)."""
    return update_errors(document, UpdateCheck(lock=lock, may_change_definitief=True))


def save_part(part: BestandsDeel, content: StoredContent, lock: str | None) -> BestandsDeel:
    """Make `content` the uploaded bytes of `part`, replacing an earlier upload; `Refused` when
    the lock does not allow it or the part is gone (its document got new content or parts)."""
    with transaction.atomic():
        document = EnkelvoudigInformatieObject.objects.select_for_update().get(
            pk=part.informatieobject_id
        )
        if errors := lock_errors(document, lock):
            raise Refused(errors)
        current = BestandsDeel.objects.filter(pk=part.pk).first()
        if current is None:
            raise Refused(
                [
                    FieldError(
                        "nonFieldErrors",
                        "bestandsdeel-replaced",
                        "The document's bestandsdelen were replaced while this part was uploaded.",
                    )
                ]
            )
        replaced = current.content_key
        current.content_key = content.key
        current.save(update_fields=["content_key"])
        if replaced:
            transaction.on_commit(lambda: delete_content([replaced]))
    current.informatieobject = document
    return current


def lock_document(document: EnkelvoudigInformatieObject) -> str:
    """Lock the document and return its new lock; `Refused` when it is locked already."""
    token = secrets.token_hex(16)
    # Compare and set in one statement: of two concurrent locks, one wins.
    if not EnkelvoudigInformatieObject.objects.filter(pk=document.pk, lock="").update(lock=token):
        raise Refused([FieldError("lock", "existing-lock", "The document is already locked.")])
    document.lock = token
    return token


def unlock_document(document: EnkelvoudigInformatieObject, lock: str | None, force: bool) -> None:
    """Unlock the document with its lock, or without one when `force`; `Refused` when the lock is
    missing or wrong (and not forced).

    A document with bestandsdelen gets them joined as its content (the current version's, no new
    version); some parts missing is refused (`incomplete-upload`), all missing too (`file-size`).
    Forced, incomplete parts are dropped and the document is left without content and size;
    but a caller that brings the right lock is not forcing, and gets the refusals.
    """
    parts = list(document.bestandsdelen.order_by("volgnummer"))
    if force and parts and lock and secrets.compare_digest(lock, document.lock):
        force = False
    if not parts:
        _unlock(document, lock, force)
        return
    if not force and (errors := _unlock_errors(document, lock, parts)):
        raise Refused(errors)
    joined: StoredContent | None = None
    if all(part.content_key for part in parts):
        joined = join_content(
            content_key(document.uuid, secrets.token_hex(4)), [p.content_key for p in parts]
        )
    try:
        with transaction.atomic():
            stored = EnkelvoudigInformatieObject.objects.select_for_update().get(pk=document.pk)
            current = list(stored.bestandsdelen.order_by("volgnummer"))
            if not force and (errors := _unlock_errors(stored, lock, current)):
                raise Refused(errors)
            if [(p.pk, p.content_key) for p in current] != [(p.pk, p.content_key) for p in parts]:
                raise Refused(
                    [
                        FieldError(
                            "nonFieldErrors",
                            "incomplete-upload",
                            "The bestandsdelen changed while being joined; unlock again.",
                        )
                    ]
                )
            values: dict[str, Any] = {"lock": ""}
            if joined is not None:
                values |= {"content_key": joined.key, "bestandsomvang": joined.size}
            else:
                values |= {"content_key": "", "bestandsomvang": None}
            # An update, not save(): joining is no new registration of the version.
            EnkelvoudigInformatieObject.objects.filter(pk=document.pk).update(**values)
            _drop_parts(stored)
    except BaseException:
        if joined is not None:
            delete_content([joined.key])
        raise
    for name, value in values.items():
        setattr(document, name, value)


def _unlock_errors(
    document: EnkelvoudigInformatieObject, lock: str | None, parts: list[BestandsDeel]
) -> list[FieldError]:
    if not lock or not document.lock or not secrets.compare_digest(lock, document.lock):
        return [FieldError("lock", "incorrect-lock-id", "The lock is not the document's lock.")]
    if not any(part.content_key for part in parts):
        return [
            FieldError(
                "nonFieldErrors",
                "file-size",
                "No bestandsdeel was uploaded: upload them, or set bestandsomvang to 0.",
            )
        ]
    if missing := [str(part.volgnummer) for part in parts if not part.content_key]:
        return [
            FieldError(
                "nonFieldErrors",
                "incomplete-upload",
                f"Not all bestandsdelen are uploaded; missing: {', '.join(missing)}.",
            )
        ]
    return []


def _unlock(document: EnkelvoudigInformatieObject, lock: str | None, force: bool) -> None:
    documents = EnkelvoudigInformatieObject.objects.filter(pk=document.pk)
    if not force:
        documents = documents.filter(lock=lock) if lock else documents.none()
    if not documents.update(lock="") and not force:
        raise Refused(
            [FieldError("lock", "incorrect-lock-id", "The lock is not the document's lock.")]
        )
    document.lock = ""


def version_of(
    document: EnkelvoudigInformatieObject,
    versie: int | None = None,
    registratie_op: datetime.datetime | None = None,
) -> EnkelvoudigInformatieObject | None:
    """The document as it was in version `versie`, and/or the version current at
    `registratie_op` (the last one registered at or before it); None when there is none."""
    if versie is None and registratie_op is None:
        return document
    current_matches = (versie is None or versie == document.versie) and (
        registratie_op is None or document.begin_registratie <= registratie_op
    )
    if current_matches:
        return document
    earlier = document.earlier_versions.all()
    if versie is not None:
        earlier = earlier.filter(versie=versie)
    if registratie_op is not None:
        earlier = earlier.filter(begin_registratie__lte=registratie_op)
    found = earlier.order_by("-versie").first()
    return found.as_document(document) if found is not None else None


def delete_document(document: EnkelvoudigInformatieObject) -> None:
    """Delete the document with its versions, and their content once the deletion is committed."""
    delete_documents([document.pk])


def delete_documents(pks: list[int]) -> int:
    """Delete these documents with their versions, parts, links, gebruiksrechten and audit
    trails in one transaction, and their content once it is committed; return how many."""
    with transaction.atomic():
        # No update may add a version (and its content) between listing the keys and deleting.
        documents = EnkelvoudigInformatieObject.objects.select_for_update().filter(pk__in=pks)
        found = list(documents.values_list("uuid", "content_key"))
        keys = {key for _, key in found}
        keys.update(
            EnkelvoudigInformatieObjectVersie.objects.filter(document_id__in=pks).values_list(
                "content_key", flat=True
            )
        )
        keys.update(
            BestandsDeel.objects.filter(informatieobject_id__in=pks).values_list(
                "content_key", flat=True
            )
        )
        documents.delete()
        delete_trails([document_uuid for document_uuid, _ in found])
        stored = sorted(key for key in keys if key)
        if stored:
            transaction.on_commit(lambda: delete_content(stored))
    return len(found)
