"""A stored document as the API's values (API names, nested parts), for answers and updates."""

from __future__ import annotations

from typing import Any

from docload.documents.models import EnkelvoudigInformatieObject


def ondertekening_of(document: EnkelvoudigInformatieObject) -> dict[str, Any]:
    return {"soort": document.ondertekening_soort, "datum": document.ondertekening_datum}


def integriteit_of(document: EnkelvoudigInformatieObject) -> dict[str, Any]:
    return {
        "algoritme": document.integriteit_algoritme,
        "waarde": document.integriteit_waarde,
        "datum": document.integriteit_datum,
    }


def current_values(document: EnkelvoudigInformatieObject, type_url: str) -> dict[str, Any]:
    """The stored document as values `validate_document` takes (API names), for an update to
    merge its changes into; `type_url` names its informatieobjecttype."""
    return {
        "identificatie": document.identificatie,
        "bronorganisatie": document.bronorganisatie,
        "creatiedatum": document.creatiedatum,
        "titel": document.titel,
        "vertrouwelijkheidaanduiding": document.vertrouwelijkheidaanduiding,
        "auteur": document.auteur,
        "status": document.status,
        "formaat": document.formaat,
        "taal": document.taal,
        "bestandsnaam": document.bestandsnaam,
        "bestandsomvang": document.bestandsomvang,
        "link": document.link,
        "beschrijving": document.beschrijving,
        "ontvangstdatum": document.ontvangstdatum,
        "verzenddatum": document.verzenddatum,
        "indicatieGebruiksrecht": document.indicatie_gebruiksrecht,
        "verschijningsvorm": document.verschijningsvorm,
        "ondertekening": ondertekening_of(document),
        "integriteit": integriteit_of(document),
        "informatieobjecttype": type_url,
        "trefwoorden": document.trefwoorden,
    }
