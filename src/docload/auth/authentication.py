"""DRF authentication with ZGW bearer tokens."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from docload.auth.models import Applicatie
from docload.auth.tokens import TokenError, read_token


class ZGWTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <jwt>`; `request.auth` becomes the Applicatie."""

    def authenticate(self, request: Request) -> tuple[Any, Applicatie] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        try:
            applicatie, claims = read_token(token.strip())
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return ClientUser(claims), applicatie

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="docload"'


class ClientUser:
    """The person or system acting, as the token describes it."""

    is_authenticated = True

    def __init__(self, claims: dict[str, Any]) -> None:
        self.client_id = str(claims.get("client_id", ""))
        self.user_id = str(claims.get("user_id", ""))
        self.representation = str(claims.get("user_representation", ""))
