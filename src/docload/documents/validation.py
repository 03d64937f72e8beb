"""The field rules of an EnkelvoudigInformatieObject, in one place.

The Documenten API and every import dialect call these functions on plain dicts keyed by the
API's field names (camelCase, nested `ondertekening` and `integriteit`). Values may be strings
(as read from a CSV) or already typed (as parsed from JSON). Nothing here depends on a request.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.http.request import split_domain_port, validate_host
from django.urls import Resolver404, resolve

from docload.catalog.models import InformatieObjectType
from docload.documents.constants import (
    VERTROUWELIJKHEID_ORDER,
    IntegriteitAlgoritme,
    OndertekeningSoort,
    Status,
)

REQUIRED = ("bronorganisatie", "creatiedatum", "titel", "auteur", "taal", "informatieobjecttype")
MAX_LENGTHS = {
    "identificatie": 40,
    "titel": 200,
    "auteur": 200,
    "formaat": 255,
    "bestandsnaam": 255,
    "link": 200,
    "beschrijving": 1000,
}
_PLAIN_TEXTS = tuple(
    (name, MAX_LENGTHS.get(name))
    for name in (
        "identificatie",
        "titel",
        "auteur",
        "formaat",
        "bestandsnaam",
        "beschrijving",
        "verschijningsvorm",
    )
)
_DATES = ("creatiedatum", "ontvangstdatum", "verzenddatum")
_RECEIVED_FORBIDS = (Status.IN_BEWERKING, Status.TER_VASTSTELLING)
# The choices' values, listed once (`Choices.values` builds a new list on every use).
_STATUSES = tuple(Status.values)
_ONDERTEKENING_SOORTEN = tuple(OndertekeningSoort.values)
_INTEGRITEIT_ALGORITMEN = tuple(IntegriteitAlgoritme.values)
url_validator = URLValidator()


@dataclass(frozen=True)
class FieldError:
    """One refused value: `name` is the API field name, `code` a stable machine code."""

    name: str
    code: str
    reason: str


def registry_uuid(url: str, name: str, url_name: str) -> str | FieldError:
    """The uuid in a URL of this registry naming a `url_name` resource, or why it is not one."""
    parsed = urlparse(url)
    host, _ = split_domain_port(parsed.netloc)
    if parsed.scheme not in ("http", "https") or not validate_host(host, settings.ALLOWED_HOSTS):
        return FieldError(name, "bad-url", f"{url!r} is not a URL of this registry.")
    try:
        match = resolve(parsed.path)
    except Resolver404:
        match = None
    if match is None or match.url_name != url_name:
        return FieldError(name, "bad-url", f"{url!r} is not an {name} URL.")
    return str(match.kwargs["uuid"])


def find_document_type(
    url: str, prepared: Mapping[str, InformatieObjectType] | None = None
) -> InformatieObjectType | FieldError:
    """The informatieobjecttype a URL of this registry's catalogue names, published or not, or
    one of `prepared` (by uuid): types a dry run found it would create."""
    found = registry_uuid(url, "informatieobjecttype", "informatieobjecttype-detail")
    if isinstance(found, FieldError):
        return found
    document_type = (prepared or {}).get(found) or InformatieObjectType.objects.filter(
        uuid=found
    ).first()
    if document_type is None:
        return FieldError(
            "informatieobjecttype",
            "does_not_exist",
            f"Informatieobjecttype {url!r} does not exist.",
        )
    return document_type


class DocumentTypes:
    """Resolves `informatieobjecttype` URLs to published types, remembering each answer.

    One instance per API request or per import job: a job of a million rows with three document
    types asks the database three times.
    """

    def __init__(self) -> None:
        self._known: dict[str, InformatieObjectType | FieldError] = {}
        # A dry run's types, by uuid: not stored, but its documents may refer to them.
        self.prepared: dict[str, InformatieObjectType] = {}

    def resolve(self, url: str) -> InformatieObjectType | FieldError:
        if url not in self._known:
            found = find_document_type(url, self.prepared)
            if isinstance(found, InformatieObjectType) and found.concept:
                found = FieldError(
                    "informatieobjecttype",
                    "not-published",
                    f"Informatieobjecttype {url!r} is not published.",
                )
            self._known[url] = found
        return self._known[url]


@functools.lru_cache(maxsize=1024)  # an import repeats the same few RSINs on every row
def rsin_is_valid(value: str) -> bool:
    """Nine digits passing the 11-test (elfproef) of RSIN and BSN numbers."""
    if len(value) != 9 or not value.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:8], range(9, 1, -1), strict=True)
    )
    return (total - int(value[8])) % 11 == 0


# What counts as not given. `value in ABSENT` is one comparison in C per member: the checks
# run for every field of every imported row.
ABSENT: tuple[Any, ...] = (None, "", {})


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, str):  # first: every imported row has its dates as text
        return datetime.date.fromisoformat(value.strip())
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise ValueError(value)


class Collector:
    """Gathers errors and cleaned values for one document."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list[FieldError] = []
        self.cleaned: dict[str, Any] = {}

    def error(self, name: str, code: str, reason: str) -> None:
        self.errors.append(FieldError(name, code, reason))

    def texts(self, fields: Iterable[tuple[str, int | None]]) -> None:
        """Text fields, each with its maximum length (or None), stored under their own name."""
        data, cleaned = self.data, self.cleaned
        for name, limit in fields:
            value = data.get(name)
            if value in ABSENT:
                cleaned[name] = ""
            elif not isinstance(value, str):
                self.error(name, "invalid", "Must be a string.")
            elif limit is not None and len(value) > limit:
                self.error(name, "max_length", f"At most {limit} characters (got {len(value)}).")
            else:
                cleaned[name] = value

    def choice(self, name: str, field: str, choices: Collection[str]) -> None:
        value = self.data.get(name)
        if value in ABSENT:
            self.cleaned[field] = ""
        elif value not in choices:
            self.error(name, "invalid_choice", f"{value!r} is not one of {', '.join(choices)}.")
        else:
            self.cleaned[field] = value

    def date(self, name: str, field: str, value: Any) -> None:
        if value in ABSENT:
            self.cleaned[field] = None
            return
        try:
            self.cleaned[field] = _parse_date(value)
        except (TypeError, ValueError):
            self.error(name, "invalid", f"{value!r} is not a date (YYYY-MM-DD).")


def validate_document(
    data: Mapping[str, Any], document_types: DocumentTypes, *, creating: bool = True
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check one document's values; return model field values and every error found.

    `data` holds the complete document (for an update: the current values merged with the new).
    Uniqueness against other documents is checked separately and set-based (`identifiers`:
    `taken_identificaties`, `existing_uuids`), so that an import can check a whole batch at once.
    """
    check = Collector(data)
    for name in REQUIRED:
        if data.get(name) in ABSENT:
            check.error(name, "required", "This field is required.")
    check.texts(_PLAIN_TEXTS)

    bronorganisatie = data.get("bronorganisatie")
    if bronorganisatie not in ABSENT:
        if isinstance(bronorganisatie, str) and rsin_is_valid(bronorganisatie):
            check.cleaned["bronorganisatie"] = bronorganisatie
        else:
            check.error("bronorganisatie", "invalid", f"{bronorganisatie!r} is not a valid RSIN.")

    taal = data.get("taal")
    if taal not in ABSENT:
        if isinstance(taal, str) and len(taal) == 3 and taal.isascii() and taal.isalpha():
            check.cleaned["taal"] = taal.lower()
        else:
            check.error("taal", "invalid", "Must be exactly 3 letters (ISO 639-2/B).")

    for name in _DATES:
        check.date(name, name, data.get(name))

    check.choice(
        "vertrouwelijkheidaanduiding", "vertrouwelijkheidaanduiding", VERTROUWELIJKHEID_ORDER
    )
    check.choice("status", "status", _STATUSES)
    if check.cleaned.get("ontvangstdatum") and check.cleaned.get("status") in _RECEIVED_FORBIDS:
        check.error(
            "status",
            "invalid_for_received",
            "With an ontvangstdatum the status cannot be in_bewerking or ter_vaststelling.",
        )

    _check_bestandsomvang(check)
    _check_link(check)
    _check_gebruiksrecht(check, creating)
    _check_ondertekening(check)
    _check_integriteit(check)
    _check_trefwoorden(check)

    type_url = data.get("informatieobjecttype")
    if type_url not in ABSENT:
        found = document_types.resolve(str(type_url))
        if isinstance(found, FieldError):
            check.errors.append(found)
        else:
            check.cleaned["informatieobjecttype"] = found
            if not check.cleaned.get("vertrouwelijkheidaanduiding"):
                check.cleaned["vertrouwelijkheidaanduiding"] = found.vertrouwelijkheidaanduiding
    return check.cleaned, check.errors


# The standard's int64, which is also what the database column holds.
MAX_BESTANDSOMVANG = 2**63 - 1


def _check_bestandsomvang(check: Collector) -> None:
    value = check.data.get("bestandsomvang")
    if value in ABSENT:
        check.cleaned["bestandsomvang"] = None
        return
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        size = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        check.error("bestandsomvang", "invalid", f"{value!r} is not a whole number.")
        return
    if size < 0:
        check.error("bestandsomvang", "min_value", "Must be 0 or more.")
    elif size > MAX_BESTANDSOMVANG:
        check.error("bestandsomvang", "max_value", f"Must be at most {MAX_BESTANDSOMVANG}.")
    else:
        check.cleaned["bestandsomvang"] = size


def _check_link(check: Collector) -> None:
    check.texts([("link", MAX_LENGTHS["link"])])
    link = check.cleaned.get("link")
    if link:
        try:
            url_validator(link)
        except DjangoValidationError:
            check.error("link", "invalid", f"{link!r} is not a valid URL.")


def _check_gebruiksrecht(check: Collector, creating: bool) -> None:
    value = check.data.get("indicatieGebruiksrecht")
    if value in ABSENT:
        check.cleaned["indicatie_gebruiksrecht"] = None
        return
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            check.error("indicatieGebruiksrecht", "invalid", f"{value!r} is not a boolean.")
            return
        value = lowered == "true"
    if not isinstance(value, bool):
        check.error("indicatieGebruiksrecht", "invalid", f"{value!r} is not a boolean.")
    elif value and creating:
        check.error(
            "indicatieGebruiksrecht",
            "missing-gebruiksrechten",
            "indicatieGebruiksrecht cannot be true when creating: no gebruiksrechten exist yet.",
        )
    else:
        check.cleaned["indicatie_gebruiksrecht"] = value


def _nested(check: Collector, name: str, parts: Iterable[str]) -> dict[str, Any] | None:
    value = check.data.get(name)
    if value in ABSENT:
        return None
    if not isinstance(value, Mapping):
        check.error(name, "invalid", "Must be an object.")
        return None
    filled = {part: value.get(part) for part in parts}
    if not any(item not in ABSENT for item in filled.values()):
        return None
    for part, item in filled.items():
        if item in ABSENT:
            check.error(f"{name}.{part}", "required", f"Required when {name} is given.")
    return filled


def _check_ondertekening(check: Collector) -> None:
    check.cleaned.update(ondertekening_soort="", ondertekening_datum=None)
    filled = _nested(check, "ondertekening", ("soort", "datum"))
    if filled is None:
        return
    soort = filled["soort"]
    if soort not in ABSENT:
        if soort in _ONDERTEKENING_SOORTEN:
            check.cleaned["ondertekening_soort"] = soort
        else:
            check.error("ondertekening.soort", "invalid_choice", f"{soort!r} is unknown.")
    check.date("ondertekening.datum", "ondertekening_datum", filled["datum"])


def _check_integriteit(check: Collector) -> None:
    check.cleaned.update(integriteit_algoritme="", integriteit_waarde="", integriteit_datum=None)
    filled = _nested(check, "integriteit", ("algoritme", "waarde", "datum"))
    if filled is None:
        return
    algoritme, waarde = filled["algoritme"], filled["waarde"]
    if algoritme not in ABSENT:
        if algoritme in _INTEGRITEIT_ALGORITMEN:
            check.cleaned["integriteit_algoritme"] = algoritme
        else:
            check.error("integriteit.algoritme", "invalid_choice", f"{algoritme!r} is unknown.")
    if waarde not in ABSENT:
        if isinstance(waarde, str) and len(waarde) <= 128:
            check.cleaned["integriteit_waarde"] = waarde
        else:
            check.error("integriteit.waarde", "max_length", "At most 128 characters.")
    check.date("integriteit.datum", "integriteit_datum", filled["datum"])


def _check_trefwoorden(check: Collector) -> None:
    value = check.data.get("trefwoorden")
    if value in ABSENT:
        check.cleaned["trefwoorden"] = []
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        check.error("trefwoorden", "invalid", "Must be a list of strings.")
    elif any(len(item) > 100 for item in value):
        check.error("trefwoorden", "max_length", "Each trefwoord has at most 100 characters.")
    else:
        check.cleaned["trefwoorden"] = value
