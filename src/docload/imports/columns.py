"""The flat row format (Open Zaak's 27 CSV columns): shared by CSV and spreadsheet sources."""

from __future__ import annotations

from typing import Any, NamedTuple

from docload.imports.errors import ImportProblem

REQUIRED_HEADERS = (
    "uuid",
    "identificatie",
    "bronorganisatie",
    "creatiedatum",
    "titel",
    "vertrouwelijkheidaanduiding",
    "auteur",
    "status",
    "formaat",
    "taal",
    "bestandsnaam",
    "bestandsomvang",
    "bestandspad",
    "link",
    "beschrijving",
    "ontvangstdatum",
    "verzenddatum",
    "indicatieGebruiksrecht",
    "verschijningsvorm",
    "ondertekening.soort",
    "ondertekening.datum",
    "integriteit.algoritme",
    "integriteit.waarde",
    "integriteit.datum",
    "informatieobjecttype",
    "zaakUuid",
    "trefwoorden",
)
_PLAIN = (
    "identificatie",
    "bronorganisatie",
    "creatiedatum",
    "titel",
    "vertrouwelijkheidaanduiding",
    "auteur",
    "status",
    "formaat",
    "taal",
    "bestandsnaam",
    "bestandsomvang",
    "link",
    "beschrijving",
    "ontvangstdatum",
    "verzenddatum",
    "verschijningsvorm",
    "informatieobjecttype",
)


class RowInput(NamedTuple):
    """What one row asks for: document values (API names) plus import-only instructions."""

    document: dict[str, Any]
    uuid: str
    content_reference: str
    zaak_uuid: str


def check_headers(
    header: list[str], what: str = "The CSV file", required: tuple[str, ...] = REQUIRED_HEADERS
) -> None:
    """Raise `missing-import-headers` naming every required header the file lacks."""
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportProblem(
            "missing-import-headers",
            f"{what} is missing these headers: {', '.join(missing)}.",
        )


def _cells(values: dict[str, Any]) -> dict[str, str]:
    """Every cell as stripped text ("" when empty), in one pass over the row."""
    return {
        name: value.strip() if type(value) is str else "" if value is None else str(value).strip()
        for name, value in values.items()
    }


def flat_row_input(values: dict[str, Any]) -> RowInput:
    """Map one flat row to document values. Empty cells are absent."""
    cells = _cells(values)
    cell = cells.get
    document: dict[str, Any] = {name: cell(name) or None for name in _PLAIN}
    document["indicatieGebruiksrecht"] = cell("indicatieGebruiksrecht") or None
    for nested, parts in _NESTED:
        filled = {part: cell(header) or None for part, header in parts}
        document[nested] = filled if any(filled.values()) else None
    trefwoorden = cell("trefwoorden")
    document["trefwoorden"] = (
        [word.strip() for word in trefwoorden.replace('"', "").split(",") if word.strip()]
        if trefwoorden
        else []
    )
    return RowInput(
        document=document,
        uuid=cell("uuid", ""),
        content_reference=cell("bestandspad", ""),
        zaak_uuid=cell("zaakUuid", ""),
    )


# The nested objects, each part with its column: ("soort", "ondertekening.soort"), ...
_NESTED = tuple(
    (nested, tuple((part, f"{nested}.{part}") for part in parts))
    for nested, parts in (
        ("ondertekening", ("soort", "datum")),
        ("integriteit", ("algoritme", "waarde", "datum")),
    )
)
