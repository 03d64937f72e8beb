"""Documenten API serializers: they shape JSON; the rules live in documents.validation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from docload.catalog.api.serializers import InformatieObjectTypeSerializer
from docload.documents.constants import (
    VERTROUWELIJKHEID_CHOICES,
    IntegriteitAlgoritme,
    ObjectType,
    OndertekeningSoort,
    Status,
)
from docload.documents.gebruiksrechten import indicatie_errors
from docload.documents.models import (
    BestandsDeel,
    EnkelvoudigInformatieObject,
    ObjectInformatieObject,
)
from docload.documents.validation import DocumentTypes, FieldError, validate_document
from docload.documents.values import current_values, integriteit_of, ondertekening_of


def raise_field_errors(errors: list[FieldError]) -> None:
    """Turn validation errors into a DRF ValidationError (rendered as invalidParams)."""
    if errors:
        detail: dict[str, list[ErrorDetail]] = {}
        for error in errors:
            detail.setdefault(error.name, []).append(ErrorDetail(error.reason, code=error.code))
        raise serializers.ValidationError(detail)


def field_error(name: str, code: str, reason: str) -> serializers.ValidationError:
    """A ValidationError for one field, to raise."""
    return serializers.ValidationError({name: [ErrorDetail(reason, code=code)]})


def absolute_url(request: Any, view_name: str, uuid: Any) -> str:
    path = reverse(view_name, kwargs={"uuid": str(uuid)})
    return request.build_absolute_uri(path) if request is not None else path


class OndertekeningSerializer(serializers.Serializer):
    soort = serializers.ChoiceField(choices=OndertekeningSoort.choices, allow_blank=True)
    datum = serializers.DateField(allow_null=True)


class IntegriteitSerializer(serializers.Serializer):
    algoritme = serializers.ChoiceField(choices=IntegriteitAlgoritme.choices, allow_blank=True)
    waarde = serializers.CharField(allow_blank=True)
    datum = serializers.DateField(allow_null=True)


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


def _date() -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True)


@extend_schema_field(OpenApiTypes.URI)
class DocumentTypeUrlField(serializers.CharField):
    """Read: the absolute URL of the type. Write: a URL, checked by documents.validation."""

    def to_representation(self, value: Any) -> str:
        return absolute_url(self.context.get("request"), "informatieobjecttype-detail", value.uuid)


class BestandsDeelSerializer(serializers.Serializer):
    """A part of content uploaded in parts. Read: in the document's `bestandsdelen` and as the
    answer to an upload. Write (multipart/form-data): the part's bytes and the document's lock.
    """

    url = serializers.SerializerMethodField(help_text="URL to upload this part to (PUT).")
    volgnummer = serializers.IntegerField(
        read_only=True, help_text="The part's place in the content, from 1."
    )
    omvang = serializers.IntegerField(
        read_only=True, help_text="The size of the part in bytes: an upload must be this size."
    )
    voltooid = serializers.BooleanField(
        read_only=True, help_text="Whether the part has been uploaded (all `omvang` bytes)."
    )
    lock = serializers.CharField(
        source="informatieobject.lock",
        help_text="Write: the document's lock. Read: the document's lock in the answers to "
        "the create or update that made the parts and to an upload; empty in reads.",
    )
    inhoud = serializers.FileField(write_only=True, help_text="The part's bytes.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, part: BestandsDeel) -> str:
        return absolute_url(self.context.get("request"), "bestandsdeel-detail", part.uuid)

    def to_representation(self, part: BestandsDeel) -> dict[str, Any]:
        data = super().to_representation(part)
        data["lock"] = part.informatieobject.lock if self.context.get("reveal_lock") else ""
        return data


class EnkelvoudigInformatieObjectSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    identificatie = _text()
    bronorganisatie = serializers.CharField(required=False)
    creatiedatum = _date()
    titel = serializers.CharField(required=False)
    vertrouwelijkheidaanduiding = serializers.ChoiceField(
        choices=VERTROUWELIJKHEID_CHOICES, required=False, allow_blank=True
    )
    auteur = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    formaat = _text()
    taal = serializers.CharField(required=False)
    versie = serializers.IntegerField(read_only=True)
    beginRegistratie = serializers.DateTimeField(source="begin_registratie", read_only=True)
    bestandsnaam = _text()
    inhoud = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Write: the content, base64-encoded. Read: the URL to download it.",
    )
    bestandsomvang = serializers.IntegerField(required=False, allow_null=True)
    link = _text()
    beschrijving = _text()
    ontvangstdatum = _date()
    verzenddatum = _date()
    indicatieGebruiksrecht = serializers.BooleanField(
        source="indicatie_gebruiksrecht", required=False, allow_null=True
    )
    verschijningsvorm = _text()
    ondertekening = OndertekeningSerializer(required=False, allow_null=True)
    integriteit = IntegriteitSerializer(required=False, allow_null=True)
    informatieobjecttype = DocumentTypeUrlField(required=False)
    locked = serializers.BooleanField(read_only=True)
    lock = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="PUT and PATCH: the document's lock (from POST .../lock). Ignored on POST.",
    )
    bestandsdelen = serializers.SerializerMethodField(
        help_text="When the content is uploaded in parts (created or updated with `inhoud` null "
        "and a `bestandsomvang`): the parts, until the document is unlocked."
    )
    trefwoorden = serializers.ListField(child=serializers.CharField(), required=False)

    def get_url(self, document: EnkelvoudigInformatieObject) -> str:
        return absolute_url(
            self.context.get("request"), "enkelvoudiginformatieobject-detail", document.uuid
        )

    @extend_schema_field(BestandsDeelSerializer(many=True, read_only=True))
    def get_bestandsdelen(self, document: EnkelvoudigInformatieObject) -> list[dict[str, Any]]:
        if document.is_earlier_version:
            return []  # parts belong to the current version
        parts = document.bestandsdelen.all()  # ordered by volgnummer, often prefetched
        for part in parts:
            part.informatieobject = document
        return list(BestandsDeelSerializer(parts, many=True, context=self.context).data)

    def to_representation(self, document: EnkelvoudigInformatieObject) -> dict[str, Any]:
        data = super().to_representation(document)
        inhoud = None
        if document.content_key:
            inhoud = absolute_url(
                self.context.get("request"), "enkelvoudiginformatieobject-download", document.uuid
            )
            if document.is_earlier_version:
                inhoud += "?" + urlencode({"versie": document.versie})
        data["inhoud"] = inhoud
        data["ondertekening"] = OndertekeningSerializer(ondertekening_of(document)).data
        data["integriteit"] = IntegriteitSerializer(integriteit_of(document)).data
        if "informatieobjecttype" in self.context.get("expand", ()):
            data["_expand"] = {
                "informatieobjecttype": InformatieObjectTypeSerializer(
                    document.informatieobjecttype, context=self.context
                ).data
            }
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(attrs)
        if "indicatie_gebruiksrecht" in attrs:
            attrs["indicatieGebruiksrecht"] = attrs.pop("indicatie_gebruiksrecht")
        # `inhoud: null` (not absent): the content is to come in parts.
        in_parts = "inhoud" in attrs and attrs["inhoud"] is None
        inhoud = attrs.pop("inhoud", None)
        lock = attrs.pop("lock", None)
        values = self._current_values() if self.partial else {}
        values.update(attrs)
        cleaned, errors = validate_document(values, DocumentTypes(), creating=self.instance is None)
        if self.instance is not None and not errors:
            given = "indicatieGebruiksrecht" in attrs
            errors = indicatie_errors(self.instance, cleaned, given)
        raise_field_errors(errors)
        return {"cleaned": cleaned, "inhoud": inhoud, "in_parts": in_parts, "lock": lock}

    def _current_values(self) -> dict[str, Any]:
        document = self.instance
        if document is None:
            return {}
        type_field = self.fields["informatieobjecttype"]
        return current_values(document, type_field.to_representation(document.informatieobjecttype))


class EnkelvoudigInformatieObjectCreateLockSerializer(EnkelvoudigInformatieObjectSerializer):
    """A create: as a document, and its answer has the `lock` of a document created to have its
    content uploaded in parts."""

    lock = serializers.CharField(
        read_only=True,
        help_text="The lock of a document created with `inhoud` null and a `bestandsomvang` "
        "(to upload the bestandsdelen with, then unlock); empty for other documents.",
    )


class LockSerializer(serializers.Serializer):
    lock = serializers.CharField(read_only=True, help_text="The lock, for PUT, PATCH and unlock.")


class UnlockSerializer(serializers.Serializer):
    lock = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The document's lock; not needed with the scope documenten.geforceerd-unlock.",
    )


class ObjectInformatieObjectSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    informatieobject = serializers.HyperlinkedRelatedField(
        view_name="enkelvoudiginformatieobject-detail",
        lookup_field="uuid",
        queryset=EnkelvoudigInformatieObject.objects.all(),
    )
    objectType = serializers.ChoiceField(source="object_type", choices=ObjectType.choices)

    class Meta:
        model = ObjectInformatieObject
        fields = ("url", "informatieobject", "object", "objectType")
        validators: list[Any] = []

    def get_url(self, link: ObjectInformatieObject) -> str:
        return absolute_url(self.context.get("request"), "objectinformatieobject-detail", link.uuid)

    def to_representation(self, link: ObjectInformatieObject) -> dict[str, Any]:
        data = dict(super().to_representation(link))
        if "informatieobject" in self.context.get("expand", ()):
            context = {**self.context, "expand": set()}
            document = EnkelvoudigInformatieObjectSerializer(link.informatieobject, context=context)
            data["_expand"] = {"informatieobject": document.data}
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ObjectInformatieObject.objects.filter(
            informatieobject=attrs["informatieobject"], object=attrs["object"]
        ).exists():
            raise serializers.ValidationError(
                "This document is already linked to this object.", code="unique"
            )
        return attrs
