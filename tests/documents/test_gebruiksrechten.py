"""/gebruiksrechten: the resource, its filters and scopes, and the document's
indicatieGebruiksrecht it keeps."""

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import EnkelvoudigInformatieObject, Gebruiksrecht
from tests.conftest import client_for
from tests.documents.test_api import create, document_body, lock

pytestmark = pytest.mark.django_db
RIGHTS = "/documenten/api/v1/gebruiksrechten"


def right(api: APIClient, document: dict, **changes: Any) -> dict:
    body = {
        "informatieobject": document["url"],
        "startdatum": "2024-01-01T00:00:00Z",
        "omschrijvingVoorwaarden": "Alleen intern",
        **changes,
    }
    response = api.post(RIGHTS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def indicatie(api: APIClient, document: dict) -> Any:
    return api.get(document["url"]).json()["indicatieGebruiksrecht"]


def test_create_read_update_delete(api: APIClient, document_type_url: str) -> None:
    document = create(api, document_type_url)
    created = right(api, document, einddatum="2025-01-01T00:00:00Z")
    assert created["url"].startswith(f"http://testserver{RIGHTS}/")
    assert created["informatieobject"] == document["url"]
    assert moment(created["startdatum"]) == moment("2024-01-01T00:00:00Z")
    assert moment(created["einddatum"]) == moment("2025-01-01T00:00:00Z")
    assert api.get(created["url"]).json() == created

    patched = api.patch(created["url"], {"omschrijvingVoorwaarden": "Nieuw"}, format="json")
    assert patched.status_code == 200 and patched.json()["omschrijvingVoorwaarden"] == "Nieuw"
    body = {**created, "omschrijvingVoorwaarden": "Geheel", "einddatum": None}
    put = api.put(created["url"], body, format="json")
    assert put.status_code == 200 and put.json()["einddatum"] is None

    assert api.delete(created["url"]).status_code == 204
    assert api.get(created["url"]).status_code == 404
    assert not Gebruiksrecht.objects.exists()


def test_the_first_sets_the_indicatie_and_the_last_unsets_it(
    api: APIClient, document_type_url: str
) -> None:
    document = create(api, document_type_url)
    assert indicatie(api, document) is None
    first = right(api, document)
    assert indicatie(api, document) is True
    second = right(api, document)
    assert api.delete(first["url"]).status_code == 204
    assert indicatie(api, document) is True  # one is left
    assert api.delete(second["url"]).status_code == 204
    assert indicatie(api, document) is None
    # In place: the document has no new version for it.
    assert api.get(document["url"]).json()["versie"] == 1


def test_the_indicatie_cannot_be_set_by_hand(api: APIClient, document_type_url: str) -> None:
    refused = api.post(
        "/documenten/api/v1/enkelvoudiginformatieobjecten",
        document_body(document_type_url, indicatieGebruiksrecht=True),
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["code"] == "missing-gebruiksrechten"

    document = create(api, document_type_url)
    token = lock(api, document)
    patch = {"indicatieGebruiksrecht": True, "lock": token}
    refused = api.patch(document["url"], patch, format="json")
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["code"] == "missing-gebruiksrechten"
    # false without gebruiksrechten is fine
    patch = {"indicatieGebruiksrecht": False, "lock": token}
    assert (
        api.patch(document["url"], patch, format="json").json()["indicatieGebruiksrecht"] is False
    )

    right(api, document)
    for value in (None, False):
        patch = {"indicatieGebruiksrecht": value, "lock": token}
        refused = api.patch(document["url"], patch, format="json")
        assert refused.status_code == 400
        assert refused.json()["invalidParams"][0]["code"] == "existing-gebruiksrechten"
    # A PUT without it keeps it true while there are gebruiksrechten.
    body = document_body(document_type_url, titel="Vervangen", lock=token)
    replaced = api.put(document["url"], body, format="json")
    assert replaced.status_code == 200 and replaced.json()["indicatieGebruiksrecht"] is True


def test_filters_and_a_plain_array(api: APIClient, document_type_url: str) -> None:
    one = create(api, document_type_url, identificatie="ONE")
    two = create(api, document_type_url, identificatie="TWO")
    early = right(api, one, startdatum="2024-01-01T00:00:00Z", einddatum="2024-06-01T00:00:00Z")
    late = right(api, two, startdatum="2024-03-01T12:00:00Z")

    def listed(query: str) -> list[str]:
        response = api.get(f"{RIGHTS}?{query}")
        assert response.status_code == 200, response.json()
        return [item["url"] for item in response.json()]

    assert listed("") == [early["url"], late["url"]]
    assert listed(f"informatieobject={two['url']}") == [late["url"]]
    assert listed("startdatum__gt=2024-01-01T00:00:00Z") == [late["url"]]
    assert listed("startdatum__gte=2024-01-01T00:00:00Z") == [early["url"], late["url"]]
    assert listed("startdatum__lt=2024-03-01T12:00:00Z") == [early["url"]]
    assert listed("startdatum__lte=2024-03-01T12:00:00Z") == [early["url"], late["url"]]
    assert listed("einddatum__lt=2024-07-01T00:00:00Z") == [early["url"]]
    assert listed("einddatum__lte=2024-06-01T00:00:00Z") == [early["url"]]
    assert listed("einddatum__gt=2024-06-01T00:00:00Z") == []
    assert listed("einddatum__gte=2024-06-01T00:00:00Z") == [early["url"]]
    expanded = api.get(f"{RIGHTS}?expand=informatieobject").json()
    assert expanded[0]["_expand"]["informatieobject"]["identificatie"] == "ONE"
    for query in ("startdatum__gt=gisteren", "startdatum=2024-01-01T00:00:00Z", "einddatum__lt="):
        response = api.get(f"{RIGHTS}?{query}")
        assert response.status_code == 400, query


def test_the_document_cannot_be_changed(api: APIClient, document_type_url: str) -> None:
    one = create(api, document_type_url, identificatie="ONE")
    two = create(api, document_type_url, identificatie="TWO")
    created = right(api, one)
    response = api.patch(created["url"], {"informatieobject": two["url"]}, format="json")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "wijzigen-niet-toegelaten"


def test_deleting_the_document_deletes_its_gebruiksrechten(
    api: APIClient, document_type_url: str
) -> None:
    document = create(api, document_type_url)
    right(api, document)
    assert api.delete(document["url"]).status_code == 204
    assert not Gebruiksrecht.objects.exists()


@pytest.mark.parametrize(
    ("method", "scope"),
    [
        ("get", "documenten.lezen"),
        ("post", "documenten.aanmaken"),
        ("patch", "documenten.bijwerken"),
        ("delete", "documenten.verwijderen"),
    ],
)
def test_each_action_needs_its_scope(
    api: APIClient, document_type_url: str, method: str, scope: str
) -> None:
    document = create(api, document_type_url)
    created = right(api, document)
    url = RIGHTS if method == "post" else created["url"]
    body = {"informatieobject": document["url"], "omschrijvingVoorwaarden": "x"}
    body["startdatum"] = "2024-01-01T00:00:00Z"
    others = [
        s
        for s in (
            "documenten.lezen",
            "documenten.aanmaken",
            "documenten.bijwerken",
            "documenten.verwijderen",
        )
        if s != scope
    ]
    data = None if method in ("get", "delete") else body

    def call(client: APIClient) -> int:
        return int(getattr(client, method)(url, data, format="json").status_code)

    without = client_for(Applicatie.objects.create(client_id="without", scopes=others))
    assert call(without) == 403
    allowed = client_for(Applicatie.objects.create(client_id="with", scopes=[scope]))
    assert call(allowed) < 300


def test_documents_above_the_maximum_are_invisible(api: APIClient, document_type_url: str) -> None:
    secret = create(api, document_type_url, vertrouwelijkheidaanduiding="geheim")
    open_ = create(api, document_type_url, identificatie="OPEN")
    hidden = right(api, secret)
    shown = right(api, open_)
    app = Applicatie.objects.create(
        client_id="intern",
        scopes=["documenten.lezen", "documenten.aanmaken"],
        max_vertrouwelijkheidaanduiding="intern",
    )
    client = client_for(app)
    assert [item["url"] for item in client.get(RIGHTS).json()] == [shown["url"]]
    assert client.get(hidden["url"]).status_code == 404
    body = {
        "informatieobject": secret["url"],
        "startdatum": "2024-01-01T00:00:00Z",
        "omschrijvingVoorwaarden": "x",
    }
    refused = client.post(RIGHTS, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["name"] == "informatieobject"
    assert EnkelvoudigInformatieObject.objects.get(uuid=secret["url"].rsplit("/", 1)[-1])
