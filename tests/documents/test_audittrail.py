"""Audit trails: an entry per change of a document, its links and its gebruiksrechten, read at
…/enkelvoudiginformatieobjecten/{uuid}/audittrail."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject, Gebruiksrecht
from tests.conftest import client_for
from tests.documents.test_api import DOCUMENTS, create, document_body, lock
from tests.documents.test_gebruiksrechten import RIGHTS, right

pytestmark = pytest.mark.django_db
LINKS = "/documenten/api/v1/objectinformatieobjecten"


def trail(api: APIClient, document: dict) -> list[dict[str, Any]]:
    response = api.get(f"{document['url']}/audittrail")
    assert response.status_code == 200, response.json()
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_every_change_has_its_entry(api: APIClient, document_type_url: str) -> None:
    document = create(api, document_type_url)
    token = lock(api, document)
    headers = {"HTTP_X_AUDIT_TOELICHTING": "Titel verbeterd"}
    api.patch(document["url"], {"titel": "Nieuw", "lock": token}, format="json", **headers)
    put_body = {**document, "inhoud": None, "titel": "Geheel", "lock": token}
    del put_body["url"]
    assert api.put(document["url"], put_body, format="json").status_code == 200
    link_body = {
        "informatieobject": document["url"],
        "object": "https://zaken.example/api/v1/zaken/1",
        "objectType": "zaak",
    }
    link = api.post(LINKS, link_body, format="json").json()
    assert api.delete(link["url"]).status_code == 204
    gebruiksrecht = right(api, document)
    api.patch(gebruiksrecht["url"], {"omschrijvingVoorwaarden": "Anders"}, format="json")
    assert api.delete(gebruiksrecht["url"]).status_code == 204

    entries = trail(api, document)
    assert [(e["resource"], e["actie"], e["resultaat"]) for e in entries] == [
        ("enkelvoudiginformatieobject", "create", 201),
        ("enkelvoudiginformatieobject", "partial_update", 200),
        ("enkelvoudiginformatieobject", "update", 200),
        ("objectinformatieobject", "create", 201),
        ("objectinformatieobject", "destroy", 204),
        ("gebruiksrechten", "create", 201),
        ("gebruiksrechten", "partial_update", 200),
        ("gebruiksrechten", "destroy", 204),
    ]
    assert {e["hoofdObject"] for e in entries} == {document["url"]}
    assert {e["bron"] for e in entries} == {"drc"}
    assert {e["applicatieId"] for e in entries} == {"test-all"}
    created, patched, put = entries[:3]
    assert created["wijzigingen"]["oud"] is None
    assert created["wijzigingen"]["nieuw"]["titel"] == "Besluit"
    assert created["actieWeergave"] == "Object aangemaakt"
    assert created["resourceUrl"] == document["url"]
    assert (
        created["resourceWeergave"]
        == f"{document['bronorganisatie']} - {document['identificatie']}"
    )
    assert patched["toelichting"] == "Titel verbeterd"
    assert patched["wijzigingen"]["oud"]["titel"] == "Besluit"
    assert patched["wijzigingen"]["nieuw"]["titel"] == "Nieuw"
    assert (put["wijzigingen"]["oud"]["versie"], put["wijzigingen"]["nieuw"]["versie"]) == (2, 3)
    assert entries[3]["resourceUrl"] == link["url"]
    assert entries[4]["wijzigingen"] == {"oud": entries[3]["wijzigingen"]["nieuw"], "nieuw": None}
    assert entries[5]["resourceUrl"] == gebruiksrecht["url"]
    assert entries[6]["wijzigingen"]["nieuw"]["omschrijvingVoorwaarden"] == "Anders"

    one = api.get(f"{document['url']}/audittrail/{patched['uuid']}")
    assert one.status_code == 200 and one.json() == patched


def test_the_user_comes_from_the_token(document_type_url: str) -> None:
    app = Applicatie.objects.create(client_id="app", label="De app", heeft_alle_autorisaties=True)
    client = client_for(app)
    document = create(client, document_type_url)
    (entry,) = trail(client, document)
    assert (entry["applicatieId"], entry["applicatieWeergave"]) == ("app", "De app")


def test_a_refused_change_leaves_no_entry(api: APIClient, document_type_url: str) -> None:
    document = create(api, document_type_url)
    refused = api.patch(document["url"], {"titel": "x"}, format="json")  # not locked
    assert refused.status_code == 400
    bad = api.post(RIGHTS, {"informatieobject": document["url"]}, format="json")
    assert bad.status_code == 400
    assert [e["actie"] for e in trail(api, document)] == ["create"]


@pytest.mark.parametrize("failing", ["create", "patch", "gebruiksrecht"])
def test_the_entry_is_written_in_the_transaction_of_the_change(
    api: APIClient, document_type_url: str, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    document = create(api, document_type_url, identificatie="EEN")
    token = lock(api, document)

    def broken(**values: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr("docload.documents.api.auditing.record", broken)
    api.raise_request_exception = False
    if failing == "create":
        response = api.post(DOCUMENTS, document_body(document_type_url), format="json")
    elif failing == "patch":
        response = api.patch(document["url"], {"titel": "Nieuw", "lock": token}, format="json")
    else:
        body = {"informatieobject": document["url"], "omschrijvingVoorwaarden": "x"}
        response = api.post(RIGHTS, {**body, "startdatum": "2024-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 500
    # The change went with its entry.
    assert EnkelvoudigInformatieObject.objects.count() == 1
    stored = EnkelvoudigInformatieObject.objects.get()
    assert (stored.titel, stored.versie, stored.indicatie_gebruiksrecht) == ("Besluit", 1, None)
    assert not Gebruiksrecht.objects.exists()


def test_deleting_the_document_deletes_its_trail(api: APIClient, document_type_url: str) -> None:
    kept = create(api, document_type_url, identificatie="KEPT")
    document = create(api, document_type_url, identificatie="GONE")
    right(api, document)
    assert AuditTrail.objects.count() == 3
    assert api.delete(document["url"]).status_code == 204
    # As the standard: the document goes with its related resources, its audit trail included.
    assert api.get(f"{document['url']}/audittrail").status_code == 404
    assert [e["resourceUrl"] for e in trail(api, kept)] == [kept["url"]]
    assert AuditTrail.objects.count() == 1


def test_scope_visibility_and_query(api: APIClient, document_type_url: str) -> None:
    document = create(api, document_type_url)
    secret = create(api, document_type_url, identificatie="S", vertrouwelijkheidaanduiding="geheim")
    (entry,) = trail(api, document)
    reader = client_for(Applicatie.objects.create(client_id="r", scopes=["documenten.lezen"]))
    assert reader.get(f"{document['url']}/audittrail").status_code == 403
    auditor = client_for(
        Applicatie.objects.create(
            client_id="a", scopes=["audittrails.lezen"], max_vertrouwelijkheidaanduiding="intern"
        )
    )
    assert len(auditor.get(f"{document['url']}/audittrail").json()) == 1
    assert auditor.get(f"{secret['url']}/audittrail").status_code == 404
    (secret_entry,) = trail(api, secret)
    assert auditor.get(f"{secret['url']}/audittrail/{secret_entry['uuid']}").status_code == 404
    # An entry is found under its own document only.
    assert api.get(f"{secret['url']}/audittrail/{entry['uuid']}").status_code == 404
    unknown = api.get(f"{document['url']}/audittrail?actie=create")
    assert unknown.status_code == 400
    assert unknown.json()["invalidParams"][0]["code"] == "unknown-parameters"
