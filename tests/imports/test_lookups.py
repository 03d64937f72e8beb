"""Lookups: a batch's references on unique values, resolved with one query per kind."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject
from docload.documents.validation import find_document_type
from docload.imports.lookups import LookupFailed, resolve_lookups
from docload.imports.sources import SourceRow
from tests.factories import VALID_RSIN

pytestmark = pytest.mark.django_db


def a_type(omschrijving: str, reference: str | None = None) -> InformatieObjectType:
    return InformatieObjectType.objects.create(
        omschrijving=omschrijving,
        reference=reference,
        vertrouwelijkheidaanduiding="openbaar",
        begin_geldigheid=datetime.date(2024, 1, 1),
        concept=False,
    )


def a_document(
    document_type: InformatieObjectType, identificatie: str
) -> EnkelvoudigInformatieObject:
    return EnkelvoudigInformatieObject.objects.create(
        identificatie=identificatie,
        bronorganisatie=VALID_RSIN,
        creatiedatum=datetime.date(2024, 1, 1),
        titel="t",
        auteur="a",
        taal="nld",
        informatieobjecttype=document_type,
    )


def rows(*records: dict[str, Any]) -> list[SourceRow]:
    return [SourceRow(number, record) for number, record in enumerate(records, start=1)]


def test_a_batch_is_resolved_with_one_query_per_kind(
    django_assert_num_queries: Any,
) -> None:
    letter, decision = a_type("Brief", "brief"), a_type("Besluit", "besluit")
    documents = [a_document(letter, f"DOC-{n}") for n in range(3)]
    batch = rows(
        *(
            {"titel": f"t{n}", "lookup:informatieobjecttype": {"reference": "brief"}}
            for n in range(40)
        ),
        {"lookup:informatieobjecttype": {"omschrijving": "Besluit"}},
        *(
            {
                "object": "https://zaken.example.org/zaken/1",
                "lookup:informatieobject": {
                    "identificatie": d.identificatie,
                    "bronorganisatie": VALID_RSIN,
                },
            }
            for d in documents
        ),
    )
    with django_assert_num_queries(3):  # types by reference, by omschrijving; documents
        resolved = resolve_lookups(batch)
    assert find_document_type(resolved[0].values["informatieobjecttype"]) == letter
    assert find_document_type(resolved[40].values["informatieobjecttype"]) == decision
    assert (
        resolved[0].values["titel"] == "t0"
        and "lookup:informatieobjecttype" not in resolved[0].values
    )
    assert [r.values["informatieobject"].rsplit("/", 1)[1] for r in resolved[41:]] == [
        str(d.uuid) for d in documents
    ]


@pytest.mark.parametrize(
    ("lookup", "code", "value", "count"),
    [
        ({"lookup:informatieobjecttype": {"reference": "nope"}}, "LookupNotFound", "nope", 0),
        (
            {"lookup:informatieobjecttype": {"omschrijving": "Dubbel"}},
            "LookupFoundTooMany",
            "Dubbel",
            2,
        ),
        (
            {"lookup:informatieobject": {"identificatie": "DOC-9", "bronorganisatie": VALID_RSIN}},
            "LookupNotFound",
            {"bronorganisatie": VALID_RSIN, "identificatie": "DOC-9"},
            0,
        ),
        (
            {"lookup:informatieobjecttype": {"reference": "a", "omschrijving": "b"}},
            "LookupInvalid",
            None,
            0,
        ),
        ({"lookup:informatieobject": {"identificatie": "DOC-1"}}, "LookupInvalid", None, 0),
        ({"lookup:zaak": {"identificatie": "Z"}}, "LookupInvalid", None, 0),
        ({"lookup:informatieobjecttype": "brief"}, "LookupInvalid", None, 0),
    ],
)
def test_a_lookup_that_does_not_find_exactly_one_fails_the_batch(
    lookup: dict[str, Any], code: str, value: Any, count: int
) -> None:
    a_type("Dubbel"), a_type("Dubbel")
    with pytest.raises(LookupFailed) as failed:
        resolve_lookups(rows({"titel": "fine"}, lookup))
    assert failed.value.code == code and failed.value.key == next(iter(lookup))
    if value is not None:
        assert (failed.value.value, failed.value.count) == (value, count)
