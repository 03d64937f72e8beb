"""The extension rules in FOLIO's fileExtension shape: metadata formats, blocked extensions."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from docload.imports.areas import METADATA_EXTENSIONS, SUPPORTED_METADATA


def extension_rules() -> list[dict[str, Any]]:
    """Allowed metadata formats and blocked extensions; any other is allowed as content."""
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
