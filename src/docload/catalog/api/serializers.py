from django.db import models
from rest_framework import serializers

from docload.api.fields import StrictCharField
from docload.catalog.models import InformatieObjectType


class InformatieObjectTypeSerializer(serializers.HyperlinkedModelSerializer):
    serializer_field_mapping = {
        **serializers.HyperlinkedModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
    }
    beginGeldigheid = serializers.DateField(source="begin_geldigheid")

    class Meta:
        model = InformatieObjectType
        fields = (
            "url",
            "omschrijving",
            "vertrouwelijkheidaanduiding",
            "beginGeldigheid",
            "concept",
        )
        extra_kwargs = {
            "url": {"lookup_field": "uuid", "view_name": "informatieobjecttype-detail"},
            "concept": {"read_only": True},
        }
