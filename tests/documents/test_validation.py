import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docload.documents.validation import DocumentTypes, rsin_is_valid, validate_document
from tests.factories import VALID_RSIN

pytestmark = pytest.mark.django_db


def valid_data(type_url: str, **changes: object) -> dict:
    data = {
        "bronorganisatie": VALID_RSIN,
        "creatiedatum": "2024-03-01",
        "titel": "Besluit",
        "auteur": "Gemeente",
        "taal": "nld",
        "informatieobjecttype": type_url,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def codes(type_url: str, **changes: object) -> set[tuple[str, str]]:
    _, errors = validate_document(valid_data(type_url, **changes), DocumentTypes())
    return {(error.name, error.code) for error in errors}


def test_valid_document_is_cleaned(document_type_url: str, document_type) -> None:
    cleaned, errors = validate_document(valid_data(document_type_url), DocumentTypes())
    assert errors == []
    assert cleaned["creatiedatum"] == datetime.date(2024, 3, 1)
    assert cleaned["informatieobjecttype"] == document_type
    # The document type's vertrouwelijkheidaanduiding is the default.
    assert cleaned["vertrouwelijkheidaanduiding"] == "openbaar"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bronorganisatie": "123456789"}, ("bronorganisatie", "invalid")),
        ({"bronorganisatie": "12345678"}, ("bronorganisatie", "invalid")),
        ({"titel": None}, ("titel", "required")),
        ({"titel": "x" * 201}, ("titel", "max_length")),
        ({"identificatie": "x" * 41}, ("identificatie", "max_length")),
        ({"creatiedatum": "2024-13-01"}, ("creatiedatum", "invalid")),
        ({"taal": "nl"}, ("taal", "invalid")),
        (
            {"vertrouwelijkheidaanduiding": "secret"},
            ("vertrouwelijkheidaanduiding", "invalid_choice"),
        ),
        ({"status": "klaar"}, ("status", "invalid_choice")),
        (
            {"status": "in_bewerking", "ontvangstdatum": "2024-03-02"},
            ("status", "invalid_for_received"),
        ),
        ({"bestandsomvang": "-1"}, ("bestandsomvang", "min_value")),
        ({"bestandsomvang": "veel"}, ("bestandsomvang", "invalid")),
        ({"bestandsomvang": str(2**63)}, ("bestandsomvang", "max_value")),
        ({"link": "not a url"}, ("link", "invalid")),
        ({"indicatieGebruiksrecht": True}, ("indicatieGebruiksrecht", "missing-gebruiksrechten")),
        ({"indicatieGebruiksrecht": "True"}, ("indicatieGebruiksrecht", "missing-gebruiksrechten")),
        ({"ondertekening": {"soort": "analoog"}}, ("ondertekening.datum", "required")),
        (
            {"ondertekening": {"soort": "pen", "datum": "2024-01-01"}},
            ("ondertekening.soort", "invalid_choice"),
        ),
        (
            {"integriteit": {"algoritme": "md5", "waarde": "abc"}},
            ("integriteit.datum", "required"),
        ),
        ({"trefwoorden": ["x" * 101]}, ("trefwoorden", "max_length")),
        (
            {"informatieobjecttype": "http://elsewhere.example/catalogi/api/v1/x"},
            ("informatieobjecttype", "bad-url"),
        ),
    ],
)
def test_each_rule_refuses_with_its_code(
    document_type_url: str, changes: dict, expected: tuple[str, str]
) -> None:
    assert expected in codes(document_type_url, **changes)


@pytest.mark.parametrize("name", ["titel", "auteur", "identificatie", "beschrijving"])
def test_a_refused_value_is_reported_once(document_type_url: str, name: str) -> None:
    _, errors = validate_document(
        valid_data(document_type_url, **{name: "x" * 1001}), DocumentTypes()
    )
    assert [(error.name, error.code) for error in errors] == [(name, "max_length")]


def test_received_document_may_be_definitief(document_type_url: str) -> None:
    assert codes(document_type_url, status="definitief", ontvangstdatum="2024-03-02") == set()


def test_unknown_and_unpublished_document_types(document_type, document_type_url: str) -> None:
    unknown = document_type_url.replace(
        str(document_type.uuid), "00000000-0000-0000-0000-000000000000"
    )
    assert ("informatieobjecttype", "does_not_exist") in codes(
        unknown, informatieobjecttype=unknown
    )
    document_type.concept = True
    document_type.save()
    assert ("informatieobjecttype", "not-published") in codes(document_type_url)


def test_document_types_are_looked_up_once(
    document_type_url: str, django_assert_num_queries
) -> None:
    types = DocumentTypes()
    with django_assert_num_queries(1):
        for _ in range(5):
            validate_document(valid_data(document_type_url), types)


@pytest.mark.parametrize("rsin", ["002220647", "111222333", "100000009"])
def test_known_rsins_pass_the_eleven_test(rsin: str) -> None:
    assert rsin_is_valid(rsin)


@given(st.text(min_size=9, max_size=9, alphabet="0123456789"))
def test_eleven_test_matches_its_definition(digits: str) -> None:
    weighted = sum(int(d) * w for d, w in zip(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True))
    assert rsin_is_valid(digits) == (weighted % 11 == 0)
