"""The field rules of the records around documents that imports create: informatieobjecttypen
and objectinformatieobjecten, on plain dicts keyed by the API's field names, as
`documents.validation` has them for documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from docload.documents.constants import VERTROUWELIJKHEID_ORDER, ObjectType
from docload.documents.validation import ABSENT, Collector, FieldError, registry_uuid, url_validator


def validate_document_type(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Check an informatieobjecttype's values (API names); return model field values (`concept`
    None when not given) and every error found."""
    check = Collector(data)
    for name in ("omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"):
        if data.get(name) in ABSENT:
            check.error(name, "required", "This field is required.")
    check.texts([("omschrijving", 80), ("reference", 100)])
    check.cleaned["reference"] = check.cleaned.get("reference") or None
    check.choice(
        "vertrouwelijkheidaanduiding", "vertrouwelijkheidaanduiding", VERTROUWELIJKHEID_ORDER
    )
    check.date("beginGeldigheid", "begin_geldigheid", data.get("beginGeldigheid"))
    concept = data.get("concept")
    check.cleaned["concept"] = None
    if concept not in ABSENT:
        text = str(concept).strip().lower()
        if text not in _BOOLEANS:
            check.error("concept", "invalid", f"{concept!r} is not true or false.")
        else:
            check.cleaned["concept"] = _BOOLEANS[text]
    return check.cleaned, check.errors


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def validate_link(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Check an objectinformatieobject's values (API names); return model field values, the
    document as `informatieobject_uuid`, and every error found. Whether the document exists and
    is not linked to the object yet is for the caller to ask."""
    check = Collector(data)
    for name in ("informatieobject", "object", "objectType"):
        if data.get(name) in ABSENT:
            check.error(name, "required", "This field is required.")
    document = data.get("informatieobject")
    if document not in ABSENT:
        found = registry_uuid(
            str(document), "informatieobject", "enkelvoudiginformatieobject-detail"
        )
        if isinstance(found, FieldError):
            check.errors.append(found)
        else:
            check.cleaned["informatieobject_uuid"] = found
    target = data.get("object")
    if target not in ABSENT:
        try:
            url_validator(target)
        except DjangoValidationError:
            check.error("object", "invalid", f"{target!r} is not a URL.")
        else:
            if len(str(target)) > 1000:
                check.error("object", "max_length", "At most 1000 characters.")
            check.cleaned["object"] = target
    check.choice("objectType", "object_type", ObjectType.values)
    return check.cleaned, check.errors
