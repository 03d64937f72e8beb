"""The served OpenAPI schema, over HTTP from the real server: what clients and validators fetch."""

import json
import re
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e
COMMITTED = yaml.safe_load((Path(__file__).parents[2] / "openapi.yaml").read_text())
SCHEMA = "/documenten/api/v1/schema/"


def fetch(deployment: Deployment, path: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(deployment.base_url + path, timeout=30) as response:
        assert response.status == 200
        return response.headers["Content-Type"], response.read()


def test_every_schema_url_serves_the_committed_schema(deployment: Deployment) -> None:
    deployment.serve(worker=False)

    content_type, body = fetch(deployment, SCHEMA + "openapi.yaml")
    assert content_type.startswith("application/vnd.oai.openapi")
    served_yaml = yaml.safe_load(body)
    assert served_yaml["openapi"].startswith("3.")
    assert served_yaml == COMMITTED

    content_type, body = fetch(deployment, SCHEMA + "openapi.json")
    assert content_type.startswith("application/vnd.oai.openapi+json")
    assert json.loads(body) == COMMITTED

    content_type, body = fetch(deployment, SCHEMA)
    assert content_type.startswith("text/html")
    page = body.decode()
    assert re.search(r"""["']/documenten/api/v1/schema/openapi\.yaml["']""", page), page
