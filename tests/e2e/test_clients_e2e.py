"""Real ZGW client libraries drive a running docload unchanged: gemma-zds-client in its default
configuration (the schema loaded from the server) and zgw-consumers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from zds_client import Client, ClientAuth

from tests.e2e.deployment import Deployment
from tests.factories import document_body

pytestmark = pytest.mark.e2e
SECRET = "a-client-secret-long-enough-for-hs256-signing"
SCOPES = [
    "documenten.lezen",
    "documenten.aanmaken",
    "documenten.bijwerken",
    "documenten.lock",
    "catalogi.lezen",
]


def application(deployment: Deployment, client_id: str) -> None:
    scopes = [argument for scope in SCOPES for argument in ("--scope", scope)]
    deployment.docload("createapp", "--client-id", client_id, "--secret", SECRET, *scopes)


def test_gemma_zds_client_in_its_default_configuration(deployment: Deployment) -> None:
    deployment.serve(worker=False)
    type_url = deployment.published_type()
    application(deployment, "zds-app")
    client = Client(
        api_root=f"{deployment.base_url}/documenten/api/v1/",
        auth=ClientAuth(client_id="zds-app", secret=SECRET),
    )
    content = os.urandom(50_000)

    created = client.create("enkelvoudiginformatieobject", document_body(type_url, content))
    assert created["versie"] == 1 and created["locked"] is False
    listed = client.list(
        "enkelvoudiginformatieobject", params={"identificatie": created["identificatie"]}
    )
    assert [found["url"] for found in listed["results"]] == [created["url"]]
    uuid = created["url"].rsplit("/", 1)[-1]

    lock = client.operation("enkelvoudiginformatieobject_lock", {}, uuid=uuid)["lock"]
    patched = client.partial_update(
        "enkelvoudiginformatieobject", {"titel": "Gewijzigd", "lock": lock}, url=created["url"]
    )
    assert (patched["titel"], patched["versie"], patched["locked"]) == ("Gewijzigd", 2, True)
    # `operation` expects 200; the standard's unlock answers 204, so through `request`.
    client.request(
        f"{created['url']}/unlock",
        "enkelvoudiginformatieobject_unlock",
        method="POST",
        expected_status=204,
        json={"lock": lock},
    )
    read = client.retrieve("enkelvoudiginformatieobject", url=created["url"])
    assert read["locked"] is False

    downloaded = requests.get(read["inhoud"], headers=client.auth.credentials(), timeout=30)
    assert downloaded.status_code == 200 and downloaded.content == content

    zaak = "https://zaken.example/api/v1/zaken/7"
    link = client.create(
        "objectinformatieobject",
        {"informatieobject": created["url"], "object": zaak, "objectType": "zaak"},
    )
    links = client.list("objectinformatieobject", params={"object": zaak})
    assert [found["url"] for found in links] == [link["url"]]  # a plain array, as the standard


def test_zgw_consumers(deployment: Deployment, tmp_path: Path) -> None:
    """zgw-consumers is a Django app of its own: it runs in a process with its own settings."""
    deployment.serve(worker=False)
    type_url = deployment.published_type()
    application(deployment, "consumer-app")
    script = Path(__file__).with_name("zgw_consumers_walk.py")
    arguments = [deployment.base_url, "consumer-app", SECRET, type_url]
    done = subprocess.run(
        [sys.executable, str(script), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "created": 201,
        "listed": 1,
        "locked": True,
        "patched_versie": 2,
        "unlocked": 204,
        "downloaded": True,
        "link_listed": 1,
    }
