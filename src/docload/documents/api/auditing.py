"""Audit trails in the API: the entries the viewsets write (`Audited`) and the read-only
`…/enkelvoudiginformatieobjecten/{uuid}/audittrail` the standard describes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets

from docload.auth.models import Scope
from docload.auth.permissions import applicatie_of
from docload.documents.api.access import visible_documents
from docload.documents.api.filters import CheckedQuery
from docload.documents.api.serializers import absolute_url
from docload.documents.audit import record
from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject

TOELICHTING_HEADER = "X-Audit-Toelichting"


def plain(data: Any) -> dict[str, Any] | None:
    """Serializer output as plain JSON values (ReturnDicts and dates become dicts and text)."""
    return None if data is None else json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def document_weergave(document: EnkelvoudigInformatieObject) -> str:
    return f"{document.bronorganisatie} - {document.identificatie}"


class Audited(viewsets.GenericViewSet):
    """Writes the audit entries of a viewset's changes; call inside the change's transaction."""

    basename: str

    def audit(
        self,
        actie: str,
        resultaat: int,
        document: EnkelvoudigInformatieObject,
        resource_url: str,
        resource_weergave: str,
        oud: Any = None,
        nieuw: Any = None,
    ) -> None:
        applicatie = applicatie_of(self.request)
        user = self.request.user
        record(
            document_uuid=document.uuid,
            hoofd_object=absolute_url(
                self.request, "enkelvoudiginformatieobject-detail", document.uuid
            ),
            actie=actie,
            resultaat=resultaat,
            resource=self.basename,
            resource_url=resource_url,
            resource_weergave=resource_weergave,
            applicatie_id=applicatie.client_id if applicatie is not None else "",
            applicatie_weergave=str(applicatie) if applicatie is not None else "",
            gebruikers_id=getattr(user, "user_id", ""),
            gebruikers_weergave=getattr(user, "representation", ""),
            toelichting=self.request.headers.get(TOELICHTING_HEADER, ""),
            oud=plain(oud),
            nieuw=plain(nieuw),
        )


TOELICHTING_PARAMETER = OpenApiParameter(
    TOELICHTING_HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Why the change is made: the `toelichting` of its audit trail entry.",
)


class WijzigingenSerializer(serializers.Serializer):
    oud = serializers.JSONField(
        allow_null=True, help_text="The resource's JSON before the action (null on create)."
    )
    nieuw = serializers.JSONField(
        allow_null=True, help_text="The resource's JSON after the action (null on destroy)."
    )


class AuditTrailSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    bron = serializers.ChoiceField(choices=[("drc", "Documenten API")], read_only=True)
    applicatieId = serializers.CharField(source="applicatie_id", read_only=True)
    applicatieWeergave = serializers.CharField(source="applicatie_weergave", read_only=True)
    gebruikersId = serializers.CharField(source="gebruikers_id", read_only=True)
    gebruikersWeergave = serializers.CharField(source="gebruikers_weergave", read_only=True)
    actie = serializers.CharField(read_only=True)
    actieWeergave = serializers.CharField(source="actie_weergave", read_only=True)
    resultaat = serializers.IntegerField(read_only=True)
    hoofdObject = serializers.SerializerMethodField()
    resource = serializers.CharField(read_only=True)
    resourceUrl = serializers.SerializerMethodField()
    toelichting = serializers.CharField(read_only=True)
    resourceWeergave = serializers.CharField(source="resource_weergave", read_only=True)
    aanmaakdatum = serializers.DateTimeField(read_only=True)
    wijzigingen = serializers.SerializerMethodField()

    def _absolute(self, url: str) -> str:
        # The import stores paths: made absolute against the request, as the API's own URLs.
        request = self.context.get("request")
        return request.build_absolute_uri(url) if url.startswith("/") and request else url

    @extend_schema_field(OpenApiTypes.URI)
    def get_hoofdObject(self, entry: AuditTrail) -> str:
        return self._absolute(entry.hoofd_object)

    @extend_schema_field(OpenApiTypes.URI)
    def get_resourceUrl(self, entry: AuditTrail) -> str:
        return self._absolute(entry.resource_url)

    @extend_schema_field(WijzigingenSerializer)
    def get_wijzigingen(self, entry: AuditTrail) -> dict[str, Any]:
        return {"oud": entry.oud, "nieuw": entry.nieuw}


DOCUMENT_KWARG = "enkelvoudiginformatieobject_uuid"
_DOCUMENT_PARAMETER = OpenApiParameter(
    DOCUMENT_KWARG,
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The uuid of the document whose audit trail it is.",
)


@extend_schema_view(
    list=extend_schema(parameters=[_DOCUMENT_PARAMETER]),
    retrieve=extend_schema(parameters=[_DOCUMENT_PARAMETER]),
)
class AuditTrailViewSet(CheckedQuery, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The audit trail of a document: every change to it, its gebruiksrechten and its links."""

    serializer_class = AuditTrailSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = {"list": Scope.AUDITTRAILS_LEZEN, "retrieve": Scope.AUDITTRAILS_LEZEN}
    known_query: dict[str, set[str]] = {"list": set(), "retrieve": set()}
    expandable = ()
    # The standard lists them as a plain array, not a page.
    pagination_class = None

    def get_queryset(self) -> QuerySet[AuditTrail]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator's visit
            return AuditTrail.objects.none()
        document = get_object_or_404(
            visible_documents(self.request), uuid=_uuid(self.kwargs[DOCUMENT_KWARG])
        )
        return AuditTrail.objects.filter(document_uuid=document.uuid).order_by("aanmaakdatum", "pk")


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
