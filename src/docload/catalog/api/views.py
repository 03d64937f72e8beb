from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from docload.auth.models import Scope
from docload.catalog.api.serializers import InformatieObjectTypeSerializer
from docload.catalog.models import InformatieObjectType


class InformatieObjectTypeViewSet(viewsets.ModelViewSet):
    """Document types. New ones are concepts until published."""

    serializer_class = InformatieObjectTypeSerializer
    lookup_field = "uuid"
    required_scopes = {
        "list": Scope.CATALOGI_LEZEN,
        "retrieve": Scope.CATALOGI_LEZEN,
        "create": Scope.CATALOGI_SCHRIJVEN,
        "update": Scope.CATALOGI_SCHRIJVEN,
        "partial_update": Scope.CATALOGI_SCHRIJVEN,
        "destroy": Scope.CATALOGI_SCHRIJVEN,
        "publish": Scope.CATALOGI_SCHRIJVEN,
    }

    def get_queryset(self) -> QuerySet[InformatieObjectType]:
        return InformatieObjectType.objects.order_by("pk")

    @extend_schema(request=None, responses=InformatieObjectTypeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, uuid: str | None = None) -> Response:
        """Publish the document type: documents may refer to it from now on."""
        informatieobjecttype = self.get_object()
        informatieobjecttype.concept = False
        informatieobjecttype.save(update_fields=["concept"])
        return Response(self.get_serializer(informatieobjecttype).data)
