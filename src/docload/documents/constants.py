"""Enumerations of the Documenten API."""

from django.db import models


class Vertrouwelijkheidaanduiding(models.TextChoices):
    OPENBAAR = "openbaar"
    BEPERKT_OPENBAAR = "beperkt_openbaar"
    INTERN = "intern"
    ZAAKVERTROUWELIJK = "zaakvertrouwelijk"
    VERTROUWELIJK = "vertrouwelijk"
    CONFIDENTIEEL = "confidentieel"
    GEHEIM = "geheim"
    ZEER_GEHEIM = "zeer_geheim"


VERTROUWELIJKHEID_CHOICES = Vertrouwelijkheidaanduiding.choices
# Ordered from least to most confidential.
VERTROUWELIJKHEID_ORDER = list(Vertrouwelijkheidaanduiding.values)


def levels_up_to(maximum: str) -> list[str]:
    """Every vertrouwelijkheidaanduiding at or below `maximum`."""
    return VERTROUWELIJKHEID_ORDER[: VERTROUWELIJKHEID_ORDER.index(maximum) + 1]


class Status(models.TextChoices):
    IN_BEWERKING = "in_bewerking"
    TER_VASTSTELLING = "ter_vaststelling"
    DEFINITIEF = "definitief"
    GEARCHIVEERD = "gearchiveerd"


class OndertekeningSoort(models.TextChoices):
    ANALOOG = "analoog"
    DIGITAAL = "digitaal"
    PKI = "pki"


class IntegriteitAlgoritme(models.TextChoices):
    CRC_16 = "crc_16"
    CRC_32 = "crc_32"
    CRC_64 = "crc_64"
    FLETCHER_4 = "fletcher_4"
    FLETCHER_8 = "fletcher_8"
    FLETCHER_16 = "fletcher_16"
    FLETCHER_32 = "fletcher_32"
    HMAC = "hmac"
    MD5 = "md5"
    SHA_1 = "sha_1"
    SHA_256 = "sha_256"
    SHA_512 = "sha_512"
    SHA_3 = "sha_3"


class ObjectType(models.TextChoices):
    ZAAK = "zaak"
    BESLUIT = "besluit"
    VERZOEK = "verzoek"
