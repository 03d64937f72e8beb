import uuid

from django.db import models

from docload.documents.constants import (
    VERTROUWELIJKHEID_CHOICES,
    IntegriteitAlgoritme,
    ObjectType,
    OndertekeningSoort,
    Status,
)


class EnkelvoudigInformatieObject(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    identificatie = models.CharField(max_length=40)
    bronorganisatie = models.CharField(max_length=9)
    creatiedatum = models.DateField()
    titel = models.CharField(max_length=200)
    vertrouwelijkheidaanduiding = models.CharField(max_length=20, choices=VERTROUWELIJKHEID_CHOICES)
    auteur = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    formaat = models.CharField(max_length=255, blank=True)
    taal = models.CharField(max_length=3)
    bestandsnaam = models.CharField(max_length=255, blank=True)
    bestandsomvang = models.BigIntegerField(null=True, blank=True)
    # Storage key of the content; empty when the document has no content.
    content_key = models.CharField(max_length=300, blank=True)
    link = models.URLField(max_length=200, blank=True)
    beschrijving = models.CharField(max_length=1000, blank=True)
    ontvangstdatum = models.DateField(null=True, blank=True)
    verzenddatum = models.DateField(null=True, blank=True)
    indicatie_gebruiksrecht = models.BooleanField(null=True, blank=True)
    verschijningsvorm = models.TextField(blank=True)
    ondertekening_soort = models.CharField(
        max_length=10, choices=OndertekeningSoort.choices, blank=True
    )
    ondertekening_datum = models.DateField(null=True, blank=True)
    integriteit_algoritme = models.CharField(
        max_length=20, choices=IntegriteitAlgoritme.choices, blank=True
    )
    integriteit_waarde = models.CharField(max_length=128, blank=True)
    integriteit_datum = models.DateField(null=True, blank=True)
    informatieobjecttype = models.ForeignKey(
        "catalog.InformatieObjectType", on_delete=models.PROTECT, related_name="documents"
    )
    trefwoorden = models.JSONField(default=list, blank=True)
    versie = models.PositiveIntegerField(default=1)
    begin_registratie = models.DateTimeField(auto_now=True)
    locked = models.BooleanField(default=False)
    # The import that created the document, if any (for reports and rollback).
    import_job = models.ForeignKey(
        "imports.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "enkelvoudig informatieobject"
        verbose_name_plural = "enkelvoudige informatieobjecten"
        constraints = [
            models.UniqueConstraint(
                fields=["bronorganisatie", "identificatie"],
                name="unique_bronorganisatie_identificatie",
            )
        ]
        indexes = [models.Index(fields=["identificatie"]), models.Index(fields=["creatiedatum"])]

    def __str__(self) -> str:
        return f"{self.bronorganisatie} - {self.identificatie}"


class ObjectInformatieObject(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    informatieobject = models.ForeignKey(
        EnkelvoudigInformatieObject, on_delete=models.CASCADE, related_name="object_links"
    )
    object = models.URLField(max_length=1000)
    object_type = models.CharField(max_length=10, choices=ObjectType.choices)

    class Meta:
        verbose_name = "objectinformatieobject"
        verbose_name_plural = "objectinformatieobjecten"
        constraints = [
            models.UniqueConstraint(
                fields=["informatieobject", "object"], name="unique_object_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.informatieobject_id} -> {self.object}"


class IdentificatieSequence(models.Model):
    """Per-year counter behind generated `DOCUMENT-<year>-<10 digits>` identificaties."""

    year = models.PositiveIntegerField(primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"
