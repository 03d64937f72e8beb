import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
TYPES = "/catalogi/api/v1/informatieobjecttypen"


def test_create_publish_update_delete(api: APIClient) -> None:
    body = {
        "omschrijving": "Brief",
        "vertrouwelijkheidaanduiding": "intern",
        "beginGeldigheid": "2024-01-01",
    }
    created = api.post(TYPES, body, format="json")
    assert created.status_code == 201
    url = created.json()["url"]
    assert created.json()["concept"] is True

    published = api.post(f"{url}/publish")
    assert published.status_code == 200 and published.json()["concept"] is False

    patched = api.patch(url, {"omschrijving": "Besluit"}, format="json")
    assert patched.json()["omschrijving"] == "Besluit"
    assert api.get(TYPES).json()["count"] == 1
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_invalid_type_is_refused(api: APIClient) -> None:
    response = api.post(
        TYPES, {"omschrijving": "x", "vertrouwelijkheidaanduiding": "nee"}, format="json"
    )
    assert response.status_code == 400
    names = {param["name"] for param in response.json()["invalidParams"]}
    assert names == {"vertrouwelijkheidaanduiding", "beginGeldigheid"}


def test_a_number_is_not_a_string(api: APIClient) -> None:
    body = {
        "omschrijving": 0,
        "vertrouwelijkheidaanduiding": "intern",
        "beginGeldigheid": "2024-01-01",
    }
    response = api.post(TYPES, body, format="json")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "omschrijving"
