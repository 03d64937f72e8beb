"""Which files an upload definition may hold, and which of them is the metadata file."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

METADATA_EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}
MANIFEST_NAME = "manifest.json"
SUPPORTED_METADATA = {"csv"}


def extension_of(name: str) -> str:
    """FOLIO's rule: from the last dot on, when the name has more than an extension."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def metadata_format(name: str) -> str:
    """`csv`, `xlsx` or `json` for a metadata file; "" for a content file."""
    if name.lower() == MANIFEST_NAME:
        return "json"
    return METADATA_EXTENSIONS.get(extension_of(name), "")


def is_blocked(name: str) -> bool:
    return extension_of(name) in settings.UPLOAD_BLOCKED_EXTENSIONS


def extension_rules() -> list[dict[str, Any]]:
    """The rules in FOLIO's fileExtension shape: allowed metadata formats, blocked extensions.

    Any other extension is allowed as a content file.
    """
    rules = [
        _rule(extension, f"{kind} metadata file", ["metadata"], blocked=False)
        for extension, kind in METADATA_EXTENSIONS.items()
        if kind in SUPPORTED_METADATA
    ]
    rules += [
        _rule(extension, "blocked: not accepted for upload", [], blocked=True)
        for extension in settings.UPLOAD_BLOCKED_EXTENSIONS
    ]
    return rules


def _rule(extension: str, description: str, data_types: list[str], blocked: bool) -> dict[str, Any]:
    return {
        # Stable ids, so clients can tell rules apart across requests.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"docload:file-extension:{extension}")),
        "extension": extension,
        "description": description,
        "dataTypes": data_types,
        "importBlocked": blocked,
    }
