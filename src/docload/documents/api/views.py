"""Documenten API views."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from docload.auth.models import Scope
from docload.auth.permissions import applicatie_of, visible_levels
from docload.documents.api.serializers import (
    EnkelvoudigInformatieObjectSerializer,
    ObjectInformatieObjectSerializer,
    field_error,
    raise_field_errors,
)
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.services import (
    InvalidContent,
    delete_document,
    identificatie_errors,
    save_document,
    store_base64,
)
from docload.documents.storage import StoredContent, open_content
from docload.documents.validation import FieldError, find_document_type

_DOCUMENT_SCOPES = {
    "list": Scope.DOCUMENTEN_LEZEN,
    "retrieve": Scope.DOCUMENTEN_LEZEN,
    "download": Scope.DOCUMENTEN_LEZEN,
    "create": Scope.DOCUMENTEN_AANMAKEN,
    "update": Scope.DOCUMENTEN_BIJWERKEN,
    "partial_update": Scope.DOCUMENTEN_BIJWERKEN,
    "destroy": Scope.DOCUMENTEN_VERWIJDEREN,
}


def _visible_documents(request: Request) -> QuerySet[EnkelvoudigInformatieObject]:
    documents = EnkelvoudigInformatieObject.objects.select_related("informatieobjecttype")
    applicatie = applicatie_of(request)
    levels = visible_levels(applicatie) if applicatie is not None else []
    if levels is not None:
        documents = documents.filter(vertrouwelijkheidaanduiding__in=levels)
    return documents.order_by("pk")


def _filter_date(request: Request, name: str) -> datetime.date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise field_error(name, "invalid", f"{value!r} is not a date (YYYY-MM-DD).") from None


_LIST_FILTERS = [
    OpenApiParameter("identificatie", str),
    OpenApiParameter("bronorganisatie", str),
    OpenApiParameter("informatieobjecttype", OpenApiTypes.URI),
    OpenApiParameter("creatiedatum__gte", OpenApiTypes.DATE),
    OpenApiParameter("creatiedatum__lte", OpenApiTypes.DATE),
]


@extend_schema_view(list=extend_schema(parameters=_LIST_FILTERS))
class EnkelvoudigInformatieObjectViewSet(viewsets.ModelViewSet):
    """Documents: metadata plus content."""

    serializer_class = EnkelvoudigInformatieObjectSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = _DOCUMENT_SCOPES

    def get_queryset(self) -> QuerySet[EnkelvoudigInformatieObject]:
        documents = _visible_documents(self.request)
        if self.action != "list":
            return documents
        params = self.request.query_params
        for name in ("identificatie", "bronorganisatie"):
            if params.get(name):
                documents = documents.filter(**{name: params[name]})
        if params.get("informatieobjecttype"):
            found = find_document_type(params["informatieobjecttype"])
            if isinstance(found, FieldError):
                return documents.none()
            documents = documents.filter(informatieobjecttype=found)
        if (since := _filter_date(self.request, "creatiedatum__gte")) is not None:
            documents = documents.filter(creatiedatum__gte=since)
        if (until := _filter_date(self.request, "creatiedatum__lte")) is not None:
            documents = documents.filter(creatiedatum__lte=until)
        return documents

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self._save(serializer, EnkelvoudigInformatieObject())

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        self._save(serializer, cast(EnkelvoudigInformatieObject, serializer.instance))

    def _save(
        self, serializer: serializers.BaseSerializer, document: EnkelvoudigInformatieObject
    ) -> None:
        cleaned: dict[str, Any] = serializer.validated_data["cleaned"]
        inhoud: str | None = serializer.validated_data["inhoud"]
        raise_field_errors(identificatie_errors(cleaned, exclude_pk=document.pk))
        content: StoredContent | None = None
        if inhoud:
            try:
                content = store_base64(document.uuid, inhoud)
            except InvalidContent as exc:
                raise field_error("inhoud", "invalid", f"Not valid base64: {exc}") from exc
        try:
            serializer.instance = save_document(document, cleaned, content)
        except IntegrityError:
            # Another request took the identificatie between the check above and the insert.
            raise_field_errors(identificatie_errors(cleaned, exclude_pk=document.pk))
            raise

    def perform_destroy(self, instance: EnkelvoudigInformatieObject) -> None:
        delete_document(instance)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, uuid: str | None = None) -> FileResponse:
        """Stream the document's content."""
        document = self.get_object()
        if not document.content_key:
            raise Http404("This document has no content.")
        return FileResponse(
            open_content(document.content_key),
            as_attachment=True,
            filename=document.bestandsnaam or str(document.uuid),
            content_type=document.formaat or "application/octet-stream",
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("object", OpenApiTypes.URI),
            OpenApiParameter("informatieobject", OpenApiTypes.URI),
        ]
    )
)
class ObjectInformatieObjectViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Links between documents and zaken, besluiten or verzoeken."""

    serializer_class = ObjectInformatieObjectSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = {
        "list": Scope.DOCUMENTEN_LEZEN,
        "retrieve": Scope.DOCUMENTEN_LEZEN,
        "create": Scope.DOCUMENTEN_AANMAKEN,
        "destroy": Scope.DOCUMENTEN_VERWIJDEREN,
    }

    def get_queryset(self) -> QuerySet[ObjectInformatieObject]:
        links = ObjectInformatieObject.objects.filter(
            informatieobject__in=_visible_documents(self.request)
        ).select_related("informatieobject")
        params = self.request.query_params
        if params.get("object"):
            links = links.filter(object=params["object"])
        if params.get("informatieobject"):
            uuid = params["informatieobject"].rstrip("/").rsplit("/", 1)[-1]
            links = links.filter(informatieobject__uuid=uuid) if len(uuid) == 36 else links.none()
        return links.order_by("pk")
