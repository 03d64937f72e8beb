"""OpenAPI description of ZGW bearer-token authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ZGWTokenScheme(OpenApiAuthenticationExtension):
    target_class = "docload.auth.authentication.ZGWTokenAuthentication"
    name = "JWT-Claims"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
