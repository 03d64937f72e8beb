"""Lookups (fylr-style): `"lookup:<key>": {"<unique field>": "<value>"}` in a record stands for
the URL of the one record those values name.

A batch's lookups are resolved together, one query per kind of lookup (not per record): its
document types by each field asked for, its documents by (identificatie, bronorganisatie). Every
lookup must find exactly one record; when one does not, the whole batch fails (`LookupFailed`),
as in the original.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.urls import reverse

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.sources import SourceRow

PREFIX = "lookup:"
# The lookups a record may hold, the field each one fills, the unique fields it may name (one
# of them, or all of them together), the model and the URL name of what it finds.
_KINDS: dict[str, tuple[str, tuple[tuple[str, ...], ...], type[Model], str]] = {
    "lookup:informatieobjecttype": (
        "informatieobjecttype",
        (("reference",), ("omschrijving",)),
        InformatieObjectType,
        "informatieobjecttype-detail",
    ),
    "lookup:_id": (  # the document a record updates
        "_id",
        (("bronorganisatie", "identificatie"),),
        EnkelvoudigInformatieObject,
        "enkelvoudiginformatieobject-detail",
    ),
    "lookup:informatieobject": (
        "informatieobject",
        (("bronorganisatie", "identificatie"),),
        EnkelvoudigInformatieObject,
        "enkelvoudiginformatieobject-detail",
    ),
}


# Each lookup's allowed field sets, sorted, to compare a lookup's keys with.
_ALLOWED = {key: {tuple(sorted(fields)) for fields in kind[1]} for key, kind in _KINDS.items()}


class LookupFailed(Exception):
    """A lookup of the batch found no record, more than one, or was not a valid lookup."""

    def __init__(self, code: str, message: str, key: str, value: Any, count: int = 0) -> None:
        super().__init__(message)
        self.code, self.message, self.key, self.value, self.count = (
            code,
            message,
            key,
            value,
            count,
        )


def resolve_lookups(
    rows: list[SourceRow],
    also: Mapping[tuple[str, tuple[str, ...]], Mapping[tuple[str, ...], list[uuid.UUID]]]
    | None = None,
) -> list[SourceRow]:
    """The rows with every lookup replaced by the URL it stands for; LookupFailed otherwise.

    `also` holds records that are not stored but count as found (a dry run's earlier payloads:
    `prepared.PreparedRecords.lookups`), in the same shape: (key, fields) → value → uuids.
    """
    wanted: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = defaultdict(set)
    for row in rows:
        for key, asked in _lookups(row.values):
            wanted[key, tuple(asked)].add(tuple(asked.values()))
    found = {(key, fields): _find(key, fields, values) for (key, fields), values in wanted.items()}
    for (key, fields), asked_values in wanted.items():
        extra = (also or {}).get((key, fields), {})
        for value in asked_values & set(extra):
            found[key, fields].setdefault(value, []).extend(extra[value])
    urls: dict[tuple[str, uuid.UUID], str] = {}  # built once per record found, not per row
    resolved = []
    for row in rows:
        values = dict(row.values)
        for key, asked in _lookups(row.values):
            fields, value = tuple(asked), tuple(asked.values())
            matches = found[key, fields].get(value, [])
            shown = asked if len(asked) > 1 else next(iter(asked.values()))
            if not matches:
                raise LookupFailed(
                    "LookupNotFound", f"{key}: nothing has {_describe(asked)}.", key, shown
                )
            if len(matches) > 1:
                raise LookupFailed(
                    "LookupFoundTooMany",
                    f"{key}: {len(matches)} records have {_describe(asked)}.",
                    key,
                    shown,
                    len(matches),
                )
            field, _, _, url_name = _KINDS[key]
            del values[key]
            if (key, matches[0]) not in urls:
                urls[key, matches[0]] = registry_url(reverse(url_name, kwargs={"uuid": matches[0]}))
            values[field] = urls[key, matches[0]]
        resolved.append(row._replace(values=values))
    return resolved


def registry_url(path: str) -> str:
    """An absolute URL of this registry for `path`, on a host it serves."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    return f"http://{host}{path}"


def _lookups(values: dict[str, Any]) -> Iterable[tuple[str, dict[str, str]]]:
    """The record's lookups, each checked: a known kind naming its unique fields."""
    for key, asked in values.items():
        if not key.startswith(PREFIX):
            continue
        if key not in _KINDS:
            raise LookupFailed("LookupInvalid", f"{key} is not a lookup docload knows.", key, asked)
        allowed = _KINDS[key][1]
        if (
            not isinstance(asked, dict)
            or tuple(sorted(asked)) not in _ALLOWED[key]
            or not all(isinstance(value, str | int) for value in asked.values())
        ):
            choices = " or ".join("+".join(fields) for fields in allowed)
            raise LookupFailed(
                "LookupInvalid", f"{key} must name {choices}, nothing else.", key, asked
            )
        yield key, {field: str(asked[field]) for field in sorted(asked)}


def _find(
    key: str, fields: tuple[str, ...], values: set[tuple[str, ...]]
) -> dict[tuple[str, ...], list[uuid.UUID]]:
    """The uuids of the records with each of `values` of `fields`: one query for them all."""
    _, _, model, _ = _KINDS[key]
    # A pair is narrowed by its last field (identificatie: few documents share one), then
    # matched whole.
    condition = {f"{fields[-1]}__in": {value[-1] for value in values}}
    matches: dict[tuple[str, ...], list[uuid.UUID]] = defaultdict(list)
    for found in model._default_manager.filter(**condition).values_list("uuid", *fields):
        value = tuple(str(part) for part in found[1:])
        if value in values:
            matches[value].append(found[0])
    return matches


def _describe(asked: dict[str, str]) -> str:
    return " and ".join(f"{field} {value!r}" for field, value in asked.items())
