"""How ZGW operations are described: the standards' operation ids and error responses.

Operation ids are as the standards and gemma-zds-client name them
(`enkelvoudiginformatieobject_read`); every operation lists the standard errors (`Fout`, and
`ValidatieFout` for 400). The scopes are the authentication extension's (`auth.schema`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# The standards' names for the router's actions; others (download, lock, publish) keep theirs.
_ACTION_NAMES = {"retrieve": "read", "destroy": "delete"}
# Errors every operation may answer: the standards list 406, 409, 410, 415 and 429 everywhere,
# and docload answers 400 to any query parameter it does not know.
_ALWAYS = (400, 401, 403, 406, 409, 410, 412, 415, 429, 500)
# The HTTP server's own answer to a request line over 8190 bytes, before docload sees it.
_URI_TOO_LONG = 414

_FIELD_VALIDATION_ERROR = inline_serializer(
    "FieldValidationError",
    many=True,
    fields={
        "name": serializers.CharField(help_text="Naam van het veld met ongeldige gegevens"),
        "code": serializers.CharField(help_text="Systeemcode die het type fout aangeeft"),
        "reason": serializers.CharField(help_text="Uitleg wat er precies fout is met de gegevens"),
    },
)
_FOUT_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "type": serializers.CharField(help_text="URI referentie naar het type fout"),
    "code": serializers.CharField(help_text="Systeemcode die het type fout aangeeft"),
    "title": serializers.CharField(help_text="Generieke titel voor het type fout"),
    "status": serializers.IntegerField(help_text="De HTTP status code"),
    "detail": serializers.CharField(help_text="Extra informatie bij de fout, indien beschikbaar"),
    "instance": serializers.CharField(help_text="URI met referentie naar dit voorkomen"),
}
Fout = inline_serializer("Fout", _FOUT_FIELDS)
ValidatieFout = inline_serializer(
    "ValidatieFout", {**_FOUT_FIELDS, "invalidParams": _FIELD_VALIDATION_ERROR}
)


class ZGWAutoSchema(AutoSchema):
    """Router viewsets are the ZGW APIs: their operations get the standards' ids and error
    responses. Other views (the dialects) describe their own."""

    def _is_zgw(self) -> bool:
        return bool(getattr(self.view, "basename", None) and getattr(self.view, "action", None))

    def get_operation_id(self) -> str:
        if self._is_zgw():
            action = getattr(self.view, "action", "")
            return f"{getattr(self.view, 'basename', '')}_{_ACTION_NAMES.get(action, action)}"
        return str(super().get_operation_id())

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = dict(super()._get_response_bodies(direction))
        if self._is_zgw():
            # Lists answer 404 too, for a page out of range.
            errors = {code: ValidatieFout if code == 400 else Fout for code in (*_ALWAYS, 404)}
            responses.setdefault(str(_URI_TOO_LONG), {"description": "URI Too Long"})
            media_types = ["application/problem+json"]
        else:
            # A dialect's view declares its error shape; authentication errors take it too.
            shape = getattr(self.view, "error_schema", None)
            if shape is None:
                return responses
            errors = {code: shape for code in getattr(self.view, "error_codes", (401, 403))}
            responses.setdefault(str(_URI_TOO_LONG), {"description": "URI Too Long"})
            if "{" in self.path:
                errors[404] = shape
            media_types = getattr(self.view, "error_media_types", ["application/json"])
        for code, body in sorted(errors.items()):
            responses.setdefault(
                str(code), self._get_response_for_code(body, str(code), media_types)
            )
        return responses
