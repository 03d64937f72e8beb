import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
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
    # The current version lives in this row; earlier ones in EnkelvoudigInformatieObjectVersie.
    begin_registratie = models.DateTimeField(auto_now=True)
    # The lock token (`POST .../lock`); empty when the document is not locked.
    lock = models.CharField(max_length=64, blank=True, default="")
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

    # True on the copy of an earlier version (EnkelvoudigInformatieObjectVersie.as_document).
    is_earlier_version = False

    @property
    def locked(self) -> bool:
        return bool(self.lock)


# Columns a version keeps outside its metadata snapshot, or does not keep at all (the lock and
# the import belong to the document, not to a version).
_NOT_IN_SNAPSHOT = {"id", "uuid", "versie", "begin_registratie", "content_key", "lock"}
_NOT_IN_SNAPSHOT |= {"import_job"}


def _snapshot_fields() -> list[models.Field[Any, Any]]:
    return [
        field
        for field in EnkelvoudigInformatieObject._meta.concrete_fields
        if field.name not in _NOT_IN_SNAPSHOT
    ]


class EnkelvoudigInformatieObjectVersie(models.Model):
    """An earlier version of a document: what it was from `begin_registratie` until the next
    version. The current version is the document's own row, so creating a document (the API or
    an import) writes no row here; every update first copies the row it replaces here.
    """

    document = models.ForeignKey(
        EnkelvoudigInformatieObject, on_delete=models.CASCADE, related_name="earlier_versions"
    )
    versie = models.PositiveIntegerField()
    begin_registratie = models.DateTimeField()
    # Storage key of this version's content, often shared with the next versions.
    content_key = models.CharField(max_length=300, blank=True)
    # The other metadata, {attname: value} (dates as ISO text).
    metadata = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "versie van een enkelvoudig informatieobject"
        verbose_name_plural = "versies van enkelvoudige informatieobjecten"
        constraints = [
            models.UniqueConstraint(fields=["document", "versie"], name="unique_document_versie")
        ]
        indexes = [models.Index(fields=["document", "begin_registratie"])]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.versie}"

    @classmethod
    def of(cls, document: EnkelvoudigInformatieObject) -> "EnkelvoudigInformatieObjectVersie":
        """The (unsaved) earlier version that `document`, as it is now, becomes."""
        return cls(
            document=document,
            versie=document.versie,
            begin_registratie=document.begin_registratie,
            content_key=document.content_key,
            metadata={
                field.attname: field.value_from_object(document) for field in _snapshot_fields()
            },
        )

    def as_document(self, document: EnkelvoudigInformatieObject) -> EnkelvoudigInformatieObject:
        """`document` as it was in this version (an unsaved copy, never to be saved)."""
        values = {
            field.attname: None
            if (value := self.metadata.get(field.attname)) is None
            else field.to_python(value)
            for field in _snapshot_fields()
            if field.attname in self.metadata
        }
        earlier = EnkelvoudigInformatieObject(
            pk=document.pk,
            uuid=document.uuid,
            lock=document.lock,
            import_job_id=document.import_job_id,
            versie=self.versie,
            begin_registratie=self.begin_registratie,
            content_key=self.content_key,
            **values,
        )
        earlier.is_earlier_version = True
        return earlier


class BestandsDeel(models.Model):
    """One part of a document's content uploaded in parts (the standard's bestandsdelen).

    A document created or updated with `inhoud: null` and a `bestandsomvang` gets its parts;
    each part's bytes are stored under `content_key` once uploaded. Unlocking the document
    joins the parts into its content and deletes them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    informatieobject = models.ForeignKey(
        EnkelvoudigInformatieObject, on_delete=models.CASCADE, related_name="bestandsdelen"
    )
    volgnummer = models.PositiveIntegerField()
    omvang = models.BigIntegerField()
    # Storage key of the uploaded bytes; empty until the part is uploaded.
    content_key = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "bestandsdeel"
        verbose_name_plural = "bestandsdelen"
        ordering = ["volgnummer"]
        constraints = [
            models.UniqueConstraint(
                fields=["informatieobject", "volgnummer"], name="unique_bestandsdeel_volgnummer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.informatieobject_id} deel {self.volgnummer}"

    @property
    def voltooid(self) -> bool:
        return bool(self.content_key)


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


class Gebruiksrecht(models.Model):
    """Conditions on using a document beyond consulting it. The document's
    `indicatie_gebruiksrecht` is true while it has any (documents.services keeps it so)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    informatieobject = models.ForeignKey(
        EnkelvoudigInformatieObject, on_delete=models.CASCADE, related_name="gebruiksrechten"
    )
    omschrijving_voorwaarden = models.TextField()
    startdatum = models.DateTimeField()
    einddatum = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "gebruiksrecht"
        verbose_name_plural = "gebruiksrechten"

    def __str__(self) -> str:
        return f"{self.informatieobject_id}: {self.omschrijving_voorwaarden[:50]}"


class AuditTrail(models.Model):
    """One change to a document or a resource of it (its gebruiksrechten, its links), written in
    the transaction of the change. `hoofd_object` is the document's URL as the client saw it (the
    import, which has no request, writes the path); `document_uuid` finds a document's entries
    whatever host it was reached by. They go when the document goes, as the standard says.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document_uuid = models.UUIDField(db_index=True)
    bron = models.CharField(max_length=50)
    applicatie_id = models.CharField(max_length=100, blank=True)
    applicatie_weergave = models.CharField(max_length=200, blank=True)
    gebruikers_id = models.CharField(max_length=255, blank=True)
    gebruikers_weergave = models.CharField(max_length=255, blank=True)
    actie = models.CharField(max_length=50)
    actie_weergave = models.CharField(max_length=200, blank=True)
    resultaat = models.PositiveIntegerField()
    hoofd_object = models.CharField(max_length=1000)
    resource = models.CharField(max_length=50)
    resource_url = models.CharField(max_length=1000)
    toelichting = models.TextField(blank=True)
    resource_weergave = models.CharField(max_length=200)
    aanmaakdatum = models.DateTimeField(auto_now_add=True)
    # Plain JSON values (the API's shape): no encoder, so bulk inserts encode them fast.
    oud = models.JSONField(null=True, blank=True)
    nieuw = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "audit trail regel"
        verbose_name_plural = "audit trail regels"

    def __str__(self) -> str:
        return f"{self.actie} {self.resource} {self.resource_url}"


class IdentificatieSequence(models.Model):
    """Per-year counter behind generated `DOCUMENT-<year>-<10 digits>` identificaties."""

    year = models.PositiveIntegerField(primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"
