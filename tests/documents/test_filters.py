"""List filters and expand as the Documenten API 1.4 has them; nothing silently ignored."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.documents.test_api import DOCUMENTS, create

pytestmark = pytest.mark.django_db
LINKS = "/documenten/api/v1/objectinformatieobjecten"


def titles(api: APIClient, **params: Any) -> list[str]:
    response = api.get(DOCUMENTS, params)
    assert response.status_code == 200, response.json()
    return sorted(document["titel"] for document in response.json()["results"])


def test_documents_filter_by_identificatie_bronorganisatie_and_trefwoorden(
    api: APIClient, document_type_url: str
) -> None:
    create(api, document_type_url, titel="a", identificatie="A-1", trefwoorden=["brug", "weg"])
    create(api, document_type_url, titel="b", identificatie="B-1", trefwoorden=["brug"])
    create(api, document_type_url, titel="c", identificatie="C-1", bronorganisatie="517439943")
    assert titles(api, identificatie="A-1") == ["a"]
    assert titles(api, bronorganisatie="517439943") == ["c"]
    assert titles(api, trefwoorden="brug") == ["a", "b"]
    assert titles(api, trefwoorden="brug,weg") == ["a"]  # every keyword
    assert titles(api, trefwoorden="tunnel") == []
    assert titles(api, informatieobjecttype=document_type_url) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("url", "params", "name", "code"),
    [
        (DOCUMENTS, {"identificatei": "A-1"}, "identificatei", "unknown-parameters"),
        (DOCUMENTS, {"identificatie": ""}, "identificatie", "blank"),
        (
            DOCUMENTS,
            {"informatieobjecttype": "https://elsewhere/x"},
            "informatieobjecttype",
            "bad-url",
        ),
        (DOCUMENTS, {"creatiedatum__gte": "gisteren"}, "creatiedatum__gte", "invalid"),
        (DOCUMENTS, {"expand": "zaak"}, "expand", "invalid"),
        (LINKS, {"objct": "https://zaken.example/1"}, "objct", "unknown-parameters"),
        (LINKS, {"informatieobject": "not-a-url"}, "informatieobject", "invalid"),
        (LINKS, {"object": " "}, "object", "blank"),
        (LINKS, {"object": "null"}, "object", "invalid"),
        (
            LINKS,
            {"object": ["https://zaken.example/1", "https://zaken.example/2"]},
            "object",
            "invalid",
        ),  # given twice
    ],
)
def test_unknown_or_empty_parameters_are_400_naming_them(
    api: APIClient, url: str, params: dict[str, str], name: str, code: str
) -> None:
    response = api.get(url, params)
    assert response.status_code == 400
    [param] = response.json()["invalidParams"]
    assert (param["name"], param["code"]) == (name, code)


def test_read_knows_its_own_parameters(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    assert api.get(created["url"], {"versie": "1"}).status_code == 200
    refused = api.get(created["url"], {"identificatie": "x"})
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["code"] == "unknown-parameters"


def test_expand_includes_the_linked_resources(api: APIClient, document_type_url: str) -> None:
    created = create(api, document_type_url)
    listed = api.get(DOCUMENTS, {"expand": "informatieobjecttype"}).json()["results"]
    assert listed[0]["_expand"]["informatieobjecttype"]["url"] == document_type_url
    read = api.get(created["url"], {"expand": "informatieobjecttype"}).json()
    assert read["_expand"]["informatieobjecttype"]["omschrijving"] == "Brief"
    assert "_expand" not in api.get(created["url"]).json()

    zaak = "https://zaken.example/api/v1/zaken/1"
    body = {"informatieobject": created["url"], "object": zaak, "objectType": "zaak"}
    assert api.post(LINKS, body, format="json").status_code == 201
    [link] = api.get(LINKS, {"object": zaak, "expand": "informatieobject"}).json()
    assert link["_expand"]["informatieobject"]["url"] == created["url"]
