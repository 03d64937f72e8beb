"""`/gebruiksrechten`: conditions on using a document, as the Documenten API describes them."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status

from docload.documents.api.access import visible_documents
from docload.documents.api.auditing import TOELICHTING_PARAMETER, Audited, document_weergave
from docload.documents.api.filters import (
    EXPAND,
    GEBRUIKSRECHT_FILTERS,
    DocumentParts,
    expand_parameter,
    filter_gebruiksrechten,
)
from docload.documents.api.serializers import EnkelvoudigInformatieObjectSerializer, absolute_url
from docload.documents.gebruiksrechten import (
    create_gebruiksrecht,
    delete_gebruiksrecht,
    update_gebruiksrecht,
)
from docload.documents.models import EnkelvoudigInformatieObject, Gebruiksrecht


class VisibleDocumentField(serializers.HyperlinkedRelatedField):
    """A document URL; a document above the application's maximum does not exist for it."""

    def get_queryset(self) -> QuerySet[EnkelvoudigInformatieObject]:
        return visible_documents(self.context.get("request"))


class GebruiksrechtenSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    informatieobject = VisibleDocumentField(
        view_name="enkelvoudiginformatieobject-detail", lookup_field="uuid"
    )
    omschrijvingVoorwaarden = serializers.CharField(source="omschrijving_voorwaarden")

    class Meta:
        model = Gebruiksrecht
        fields = ("url", "informatieobject", "startdatum", "einddatum", "omschrijvingVoorwaarden")
        extra_kwargs = {"einddatum": {"required": False}}

    def get_url(self, gebruiksrecht: Gebruiksrecht) -> str:
        return absolute_url(
            self.context.get("request"), "gebruiksrechten-detail", gebruiksrecht.uuid
        )

    def validate_informatieobject(
        self, document: EnkelvoudigInformatieObject
    ) -> EnkelvoudigInformatieObject:
        if self.instance is not None and document.pk != self.instance.informatieobject_id:
            raise serializers.ValidationError(
                "The document of a gebruiksrecht cannot be changed.",
                code="wijzigen-niet-toegelaten",
            )
        return document

    def to_representation(self, gebruiksrecht: Gebruiksrecht) -> dict[str, Any]:
        data = dict(super().to_representation(gebruiksrecht))
        if "informatieobject" in self.context.get("expand", ()):
            context = {**self.context, "expand": set()}
            document = EnkelvoudigInformatieObjectSerializer(
                gebruiksrecht.informatieobject, context=context
            )
            data["_expand"] = {"informatieobject": document.data}
        return data


def weergave(gebruiksrecht: Gebruiksrecht) -> str:
    document = gebruiksrecht.informatieobject
    return f"({document_weergave(document)}) - {gebruiksrecht.omschrijving_voorwaarden[:50]}"


_WRITES = [TOELICHTING_PARAMETER]


@extend_schema_view(
    list=extend_schema(parameters=[*GEBRUIKSRECHT_FILTERS, expand_parameter("informatieobject")]),
    retrieve=extend_schema(parameters=[expand_parameter("informatieobject")]),
    create=extend_schema(parameters=_WRITES),
    update=extend_schema(parameters=_WRITES),
    partial_update=extend_schema(parameters=_WRITES),
    destroy=extend_schema(parameters=_WRITES),
)
class GebruiksrechtenViewSet(
    Audited,
    DocumentParts,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Gebruiksrechten of documents: the first sets the document's indicatieGebruiksrecht to
    true, deleting the last sets it to null."""

    serializer_class = GebruiksrechtenSerializer
    known_query = {"list": {*(p.name for p in GEBRUIKSRECHT_FILTERS), EXPAND}, "retrieve": {EXPAND}}
    queryset = Gebruiksrecht.objects.all()

    def narrow(self, items: QuerySet[Any], params: dict[str, str]) -> QuerySet[Any]:
        return filter_gebruiksrechten(items, params)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            gebruiksrecht = create_gebruiksrecht(dict(serializer.validated_data))
            serializer.instance = gebruiksrecht
            self._audit("create", status.HTTP_201_CREATED, gebruiksrecht, None, serializer.data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        gebruiksrecht = cast(Gebruiksrecht, serializer.instance)
        oud = self.get_serializer(gebruiksrecht).data
        with transaction.atomic():
            update_gebruiksrecht(gebruiksrecht, dict(serializer.validated_data))
            self._audit(self.action, status.HTTP_200_OK, gebruiksrecht, oud, serializer.data)

    def perform_destroy(self, instance: Gebruiksrecht) -> None:
        oud = self.get_serializer(instance).data
        with transaction.atomic():
            delete_gebruiksrecht(instance)
            self._audit("destroy", status.HTTP_204_NO_CONTENT, instance, oud, None)

    def _audit(
        self, actie: str, resultaat: int, gebruiksrecht: Gebruiksrecht, oud: Any, nieuw: Any
    ) -> None:
        self.audit(
            actie,
            resultaat,
            gebruiksrecht.informatieobject,
            absolute_url(self.request, "gebruiksrechten-detail", gebruiksrecht.uuid),
            weergave(gebruiksrecht),
            oud,
            nieuw,
        )
