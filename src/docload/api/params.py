"""Query parameters shared by the APIs."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request


def flag(request: Request, name: str) -> bool:
    """A `true`/`false` query parameter (false when absent); 400 naming it otherwise."""
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise exceptions.ValidationError({name: ["Must be true or false."]})
    return value == "true"
