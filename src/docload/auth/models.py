"""Applicatie: a client of the API, identified by the `client_id` claim of its JWT."""

import secrets
import uuid

from django.db import models

from docload.documents.constants import VERTROUWELIJKHEID_CHOICES, Vertrouwelijkheidaanduiding


class Scope(models.TextChoices):
    DOCUMENTEN_LEZEN = "documenten.lezen"
    DOCUMENTEN_AANMAKEN = "documenten.aanmaken"
    DOCUMENTEN_BIJWERKEN = "documenten.bijwerken"
    DOCUMENTEN_VERWIJDEREN = "documenten.verwijderen"
    DOCUMENTEN_LOCK = "documenten.lock"
    DOCUMENTEN_GEFORCEERD_UNLOCK = "documenten.geforceerd-unlock"
    DOCUMENTEN_GEFORCEERD_BIJWERKEN = "documenten.geforceerd-bijwerken"
    AUDITTRAILS_LEZEN = "audittrails.lezen"
    CATALOGI_LEZEN = "catalogi.lezen"
    CATALOGI_SCHRIJVEN = "catalogi.schrijven"


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


class Applicatie(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # One client id per application (the ZGW list form adds nothing for a single registry).
    client_id = models.CharField(max_length=100, unique=True)
    secret = models.CharField(max_length=255, default=generate_secret)
    label = models.CharField(max_length=100, blank=True)
    heeft_alle_autorisaties = models.BooleanField(default=False)
    scopes = models.JSONField(default=list, blank=True)
    max_vertrouwelijkheidaanduiding = models.CharField(
        max_length=20,
        choices=VERTROUWELIJKHEID_CHOICES,
        default=Vertrouwelijkheidaanduiding.OPENBAAR,
    )

    class Meta:
        verbose_name = "applicatie"
        verbose_name_plural = "applicaties"

    def __str__(self) -> str:
        return self.label or self.client_id

    def has_scope(self, scope: str) -> bool:
        return self.heeft_alle_autorisaties or scope in self.scopes
