"""Drive docload's Documenten API with zgw-consumers, in a Django project of its own.

    python zgw_consumers_walk.py BASE_URL CLIENT_ID SECRET TYPE_URL

zgw-consumers is a Django app (its Service model holds the API root and credentials), so it
runs here with minimal settings of its own, apart from docload's. Prints one JSON object of
what it saw; any failure is an exception.
"""

from __future__ import annotations

import base64
import json
import sys

import django
from django.conf import settings

ZAAK = "https://zaken.example/api/v1/zaken/1"


def main(base_url: str, client_id: str, secret: str, type_url: str) -> None:
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "solo",
            "simple_certmanager",
            "zgw_consumers",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
    django.setup()
    from zgw_consumers.client import build_client
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    service = Service(
        label="docload",
        api_type=APITypes.drc,
        api_root=f"{base_url}/documenten/api/v1/",
        auth_type=AuthTypes.zgw,
        client_id=client_id,
        secret=secret,
    )
    content = b"bytes sent through zgw-consumers"
    body = {
        "bronorganisatie": "002220647",
        "creatiedatum": "2024-03-01",
        "titel": "Besluit",
        "auteur": "Gemeente",
        "taal": "nld",
        "informatieobjecttype": type_url,
        "inhoud": base64.b64encode(content).decode(),
    }
    seen: dict[str, object] = {}
    with build_client(service) as client:
        created = client.post("enkelvoudiginformatieobjecten", json=body)
        seen["created"] = created.status_code
        document = created.json()
        uuid = document["url"].rsplit("/", 1)[-1]
        listed = client.get(
            "enkelvoudiginformatieobjecten", params={"identificatie": document["identificatie"]}
        )
        seen["listed"] = listed.json()["count"]
        lock = client.post(f"enkelvoudiginformatieobjecten/{uuid}/lock").json()["lock"]
        patched = client.patch(
            f"enkelvoudiginformatieobjecten/{uuid}", json={"titel": "Nieuw", "lock": lock}
        ).json()
        seen["locked"] = patched["locked"]
        seen["patched_versie"] = patched["versie"]
        unlocked = client.post(f"enkelvoudiginformatieobjecten/{uuid}/unlock", json={"lock": lock})
        seen["unlocked"] = unlocked.status_code
        seen["downloaded"] = client.get(document["inhoud"]).content == content
        link = {"informatieobject": document["url"], "object": ZAAK, "objectType": "zaak"}
        linked = client.post("objectinformatieobjecten", json=link)
        assert linked.status_code == 201, linked.text
        links = client.get("objectinformatieobjecten", params={"object": ZAAK}).json()
        seen["link_listed"] = len(links)
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:5])
