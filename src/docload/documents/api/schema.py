"""Facts of the documents' schema that the serializers cannot say, as the standard has them.

The serializers leave checking to `documents.validation` (one set of rules for the API and the
import), so they declare neither lengths nor required fields; this drf-spectacular hook adds
them from the model and the rules, and the URL and base64 formats.
"""

from __future__ import annotations

from typing import Any

from docload.documents.models import EnkelvoudigInformatieObject

# Required on create and PUT, as validation.validate_document requires them.
_REQUIRED = ["bronorganisatie", "creatiedatum", "titel", "auteur", "taal", "informatieobjecttype"]
_MAX_LENGTHS = {
    name: getattr(EnkelvoudigInformatieObject._meta.get_field(name), "max_length", None)
    for name in (
        "identificatie", "bronorganisatie", "titel", "auteur", "formaat", "taal", "bestandsnaam",
        "link", "beschrijving",
    )
}  # fmt: skip
_URL_MAX_LENGTH = 1000


def document_schema_facts(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: lengths, formats and required fields of the document and
    link components."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.startswith(("EnkelvoudigInformatieObject", "PatchedEnkelvoudigInformatieObject")):
            _document(name, component)
        elif name.startswith("ObjectInformatieObject") and "url" in component["properties"]:
            component["properties"]["url"].update(format="uri", maxLength=_URL_MAX_LENGTH)
    return result


def _document(name: str, component: dict[str, Any]) -> None:
    properties = component["properties"]
    request = name.endswith("Request")
    for field, length in _MAX_LENGTHS.items():
        if field in properties:
            properties[field]["maxLength"] = length
    if "url" in properties:
        properties["url"].update(format="uri", maxLength=_URL_MAX_LENGTH)
    if "link" in properties:
        properties["link"]["format"] = "uri"
    if "bestandsomvang" in properties:
        properties["bestandsomvang"]["format"] = "int64"
    if "inhoud" in properties:
        # Written as base64, read as the URL to download it from.
        properties["inhoud"]["format"] = "byte" if request else "uri"
    if not name.startswith("Patched"):
        required = set(component.get("required", [])) | set(_REQUIRED)
        component["required"] = sorted(field for field in required if field in properties)
