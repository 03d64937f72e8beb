"""Query parameters of the Documenten API lists, as the standard has them.

A parameter the operation does not know, or a filter given without a value, is a 400 naming
it: never silently ignored, so a misspelt filter cannot return everything.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.request import Request

from docload.auth.models import Scope
from docload.documents.api.access import visible_documents
from docload.documents.api.serializers import field_error, raise_field_errors
from docload.documents.models import (
    EnkelvoudigInformatieObject,
    Gebruiksrecht,
    ObjectInformatieObject,
)
from docload.documents.validation import FieldError, find_document_type

PAGE = "page"
_URL = URLValidator()
EXPAND = "expand"

DOCUMENT_FILTERS = [
    OpenApiParameter("identificatie", str),
    OpenApiParameter("bronorganisatie", str),
    OpenApiParameter("trefwoorden", str, description="Keywords separated by commas: all of them."),
    OpenApiParameter("informatieobjecttype", OpenApiTypes.URI),
    OpenApiParameter("creatiedatum__gte", OpenApiTypes.DATE),
    OpenApiParameter("creatiedatum__lte", OpenApiTypes.DATE),
]
_PERIOD_LOOKUPS = ("lt", "lte", "gt", "gte")
GEBRUIKSRECHT_FILTERS = [
    OpenApiParameter("informatieobject", OpenApiTypes.URI),
    *(
        OpenApiParameter(f"{name}__{lookup}", OpenApiTypes.DATETIME)
        for name in ("startdatum", "einddatum")
        for lookup in _PERIOD_LOOKUPS
    ),
]
LINK_FILTERS = [
    OpenApiParameter("object", OpenApiTypes.URI),
    OpenApiParameter("informatieobject", OpenApiTypes.URI),
]


def expand_parameter(*names: str) -> OpenApiParameter:
    return OpenApiParameter(
        EXPAND, str, description=f"Linked resources to include in `_expand`: {', '.join(names)}."
    )


def checked_query(request: Request, known: Collection[str]) -> dict[str, str]:
    """The request's query parameters; 400 when one is unknown or given empty."""
    errors = []
    for name, values in request.query_params.lists():
        if name not in known:
            errors.append(FieldError(name, "unknown-parameters", f"Unknown parameter {name!r}."))
        elif not all(value.strip() for value in values):
            errors.append(FieldError(name, "blank", f"{name} needs a value."))
        elif len(values) > 1:
            errors.append(FieldError(name, "invalid", f"{name} is given more than once."))
    raise_field_errors(errors)
    return {name: request.query_params[name] for name in request.query_params}


class CheckedQuery(viewsets.GenericViewSet):
    """Checks the query of the actions in `known_query`; `expand` reaches the serializer."""

    known_query: dict[str, set[str]]
    expandable: tuple[str, ...]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        known = self.known_query.get(self.action or "")
        self.query = checked_query(request, known) if known is not None else {}
        self.expand = expanded(self.query, self.expandable)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["expand"] = getattr(self, "expand", set())
        return context


class DocumentParts(CheckedQuery):
    """What belongs to a document (links, gebruiksrechten): only of documents the application
    may see, listed as a plain array as the standard has them; `narrow` applies a list's
    filters. Each sets `queryset` to its model's objects."""

    expandable = ("informatieobject",)
    pagination_class = None
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # The standard's scopes for a document's parts, whichever of these actions a viewset has.
    required_scopes = {
        "list": Scope.DOCUMENTEN_LEZEN,
        "retrieve": Scope.DOCUMENTEN_LEZEN,
        "create": Scope.DOCUMENTEN_AANMAKEN,
        "update": Scope.DOCUMENTEN_BIJWERKEN,
        "partial_update": Scope.DOCUMENTEN_BIJWERKEN,
        "destroy": Scope.DOCUMENTEN_VERWIJDEREN,
    }

    def narrow(self, items: QuerySet[Any], params: dict[str, str]) -> QuerySet[Any]:
        return items

    def get_queryset(self) -> QuerySet[Any]:
        items = (
            super()
            .get_queryset()
            .filter(informatieobject__in=visible_documents(self.request))
            .select_related("informatieobject")
        )
        if self.action == "list":
            items = self.narrow(items, self.query)
        return items.order_by("pk")


def expanded(params: dict[str, str], allowed: Collection[str]) -> set[str]:
    """The names `expand` asks for; 400 for one that cannot be expanded."""
    names = {name.strip() for name in params.get(EXPAND, "").split(",") if name.strip()}
    unknown = sorted(names - set(allowed))
    if unknown:
        raise field_error(EXPAND, "invalid", f"Cannot expand {', '.join(unknown)}.")
    return names


def filter_documents(
    documents: QuerySet[EnkelvoudigInformatieObject], params: dict[str, str]
) -> QuerySet[EnkelvoudigInformatieObject]:
    for name in ("identificatie", "bronorganisatie"):
        if name in params:
            documents = documents.filter(**{name: params[name]})
    if "trefwoorden" in params:
        for keyword in (word.strip() for word in params["trefwoorden"].split(",")):
            if keyword:
                documents = _with_keyword(documents, keyword)
    if "informatieobjecttype" in params:
        found = find_document_type(params["informatieobjecttype"])
        if isinstance(found, FieldError):
            raise_field_errors([found])
        else:
            documents = documents.filter(informatieobjecttype=found)
    if "creatiedatum__gte" in params:
        documents = documents.filter(creatiedatum__gte=_date(params, "creatiedatum__gte"))
    if "creatiedatum__lte" in params:
        documents = documents.filter(creatiedatum__lte=_date(params, "creatiedatum__lte"))
    return documents


def _with_keyword(
    documents: QuerySet[EnkelvoudigInformatieObject], keyword: str
) -> QuerySet[EnkelvoudigInformatieObject]:
    if connection.vendor == "postgresql":
        return documents.filter(trefwoorden__contains=[keyword])
    # SQLite has no JSON containment lookup: ask its json_each for the keyword.
    column = f"{EnkelvoudigInformatieObject._meta.db_table}.trefwoorden"
    has = RawSQL(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = %s)", [keyword])
    return documents.alias(has_keyword=has).filter(has_keyword=True)


def _date(params: dict[str, str], name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(params[name])
    except ValueError:
        raise field_error(
            name, "invalid", f"{params[name]!r} is not a date (YYYY-MM-DD)."
        ) from None


def filter_links(
    links: QuerySet[ObjectInformatieObject], params: dict[str, str]
) -> QuerySet[ObjectInformatieObject]:
    if "object" in params:
        try:
            _URL(params["object"])
        except ValidationError:
            raise field_error("object", "invalid", f"{params['object']!r} is not a URL.") from None
        links = links.filter(object=params["object"])
    if "informatieobject" in params:
        links = links.filter(informatieobject__uuid=_document_uuid(params["informatieobject"]))
    return links


def filter_gebruiksrechten(
    rights: QuerySet[Gebruiksrecht], params: dict[str, str]
) -> QuerySet[Gebruiksrecht]:
    if "informatieobject" in params:
        rights = rights.filter(informatieobject__uuid=_document_uuid(params["informatieobject"]))
    for parameter in GEBRUIKSRECHT_FILTERS[1:]:
        if parameter.name in params:
            rights = rights.filter(**{parameter.name: _datetime(params, parameter.name)})
    return rights


def _datetime(params: dict[str, str], name: str) -> datetime.datetime:
    try:
        value = parse_datetime(params[name])
    except ValueError:
        value = None
    if value is None:
        raise field_error(name, "invalid", f"{params[name]!r} is not an ISO 8601 date and time.")
    try:
        aware = timezone.make_aware(value) if timezone.is_naive(value) else value
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 (ISO 8601 allows up to ±23:59).
        return aware.astimezone(datetime.UTC)
    except OverflowError:
        raise field_error(name, "invalid", f"{params[name]!r} is out of range.") from None


def _document_uuid(url: str) -> uuid.UUID:
    try:
        return uuid.UUID(url.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        raise field_error(
            "informatieobject", "invalid", f"{url!r} is not an enkelvoudiginformatieobject URL."
        ) from None
