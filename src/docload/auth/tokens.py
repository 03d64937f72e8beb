"""Making and reading ZGW JWTs (HS256, signed with the application's secret)."""

from __future__ import annotations

import time
from typing import Any

import jwt
from django.conf import settings

from docload.auth.models import Applicatie


class TokenError(Exception):
    """The token cannot be used; the message says why."""


def make_token(applicatie: Applicatie, user_id: str = "docload", now: float | None = None) -> str:
    """A signed JWT for `applicatie` with the standard ZGW claims."""
    claims = {
        "iss": applicatie.client_id,
        "iat": int(now if now is not None else time.time()),
        "client_id": applicatie.client_id,
        "user_id": user_id,
        "user_representation": user_id,
    }
    return jwt.encode(claims, applicatie.secret, algorithm="HS256")


def read_token(token: str) -> tuple[Applicatie, dict[str, Any]]:
    """Verify `token` and return its application and claims, or raise TokenError."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"Malformed token: {exc}") from exc
    client_id = unverified.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise TokenError("The token has no client_id claim.")
    applicatie = Applicatie.objects.filter(client_id=client_id).first()
    if applicatie is None:
        raise TokenError(f"No application with client_id {client_id!r}.")
    try:
        claims = jwt.decode(
            token,
            applicatie.secret,
            algorithms=["HS256"],
            leeway=settings.JWT_LEEWAY_SECONDS,
            # ZGW defines no audience: a token names its application by client_id and is
            # signed with its secret. An `aud` some clients add is accepted, not checked.
            options={"require": ["iat"], "verify_aud": False},
        )
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"Invalid token: {exc}") from exc
    issued_at = claims["iat"]
    now = time.time()
    if not isinstance(issued_at, int | float):
        raise TokenError("The iat claim is not a number.")
    if issued_at > now + settings.JWT_LEEWAY_SECONDS:
        raise TokenError("The token was issued in the future.")
    if now - issued_at > settings.JWT_MAX_AGE_SECONDS + settings.JWT_LEEWAY_SECONDS:
        raise TokenError("The token has expired.")
    return applicatie, claims
