import uuid

from django.db import models

from docload.documents.constants import VERTROUWELIJKHEID_CHOICES


class InformatieObjectType(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    omschrijving = models.CharField(max_length=80)
    # A migration's own name for the type (JSON imports look types up by it); not in the API.
    reference = models.CharField(max_length=100, unique=True, null=True, blank=True)
    vertrouwelijkheidaanduiding = models.CharField(max_length=20, choices=VERTROUWELIJKHEID_CHOICES)
    begin_geldigheid = models.DateField()
    concept = models.BooleanField(default=True)

    class Meta:
        verbose_name = "informatieobjecttype"
        verbose_name_plural = "informatieobjecttypen"

    def __str__(self) -> str:
        return self.omschrijving
