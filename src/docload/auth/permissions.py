"""Authorization: scopes for the plain API, all-authorizations for bulk endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from docload.auth.models import Applicatie
from docload.documents.constants import levels_up_to


def applicatie_of(request: Request) -> Applicatie | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Applicatie) else None


class HasScopes(permissions.BasePermission):
    """The view's `required_scopes[action]` (or per HTTP method) must be granted.

    A tuple of scopes means any one of them (the standard's `(documenten.lock |
    documenten.geforceerd-unlock)`).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        applicatie = applicatie_of(request)
        if applicatie is None:
            return False
        required: dict[str, str | tuple[str, ...]] = getattr(view, "required_scopes", {})
        key = getattr(view, "action", None) or (request.method or "").lower()
        scope = required.get(key) if key else None
        if scope is None:
            return True
        alternatives = (scope,) if isinstance(scope, str) else scope
        return any(applicatie.has_scope(alternative) for alternative in alternatives)


class HasAllAuthorizations(permissions.BasePermission):
    """Bulk import endpoints: only applications with heeft_alle_autorisaties."""

    def has_permission(self, request: Request, view: Any) -> bool:
        applicatie = applicatie_of(request)
        return applicatie is not None and applicatie.heeft_alle_autorisaties


def visible_levels(applicatie: Applicatie) -> list[str] | None:
    """The vertrouwelijkheidaanduidingen this application may see; None means all."""
    if applicatie.heeft_alle_autorisaties:
        return None
    return levels_up_to(applicatie.max_vertrouwelijkheidaanduiding)
