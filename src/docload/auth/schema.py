"""OpenAPI description of ZGW bearer-token authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ZGWTokenScheme(OpenApiAuthenticationExtension):
    target_class = "docload.auth.authentication.ZGWTokenAuthentication"
    name = "JWT-Claims"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[str]]]:
        """The scope the operation needs (`required_scopes` of its view); where any of several
        will do, one requirement each (OpenAPI's "or"). None for the bulk endpoints, which need
        `heeft_alle_autorisaties` instead."""
        view = auto_schema.view
        key = getattr(view, "action", None) or auto_schema.method.lower()
        scopes = getattr(view, "required_scopes", {}).get(key)
        if not scopes:
            return [{self.name: []}]
        alternatives = scopes if isinstance(scopes, tuple) else (scopes,)
        return [{self.name: [str(scope)]} for scope in alternatives]
