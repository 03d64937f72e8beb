"""The served OpenAPI schemas, over HTTP from the real server: what clients and validators fetch."""

import json
import re
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e
COMMITTED = Path(__file__).parents[2] / "openapi"
# (committed file, API root: where the schema is served, and what `servers` names)
COMPONENTS = [
    ("documenten", "/documenten/api/v1"),
    ("catalogi", "/catalogi/api/v1"),
    ("docload", ""),
]


def fetch(deployment: Deployment, path: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(deployment.base_url + path, timeout=30) as response:
        assert response.status == 200
        return response.headers["Content-Type"], response.read()


def test_every_schema_url_serves_the_committed_schema(deployment: Deployment) -> None:
    deployment.serve(worker=False)
    for name, root in COMPONENTS:
        committed = yaml.safe_load((COMMITTED / f"{name}.yaml").read_text())
        assert committed["servers"] == [{"url": root or "/"}]
        schema = f"{root}/schema/"

        content_type, body = fetch(deployment, schema + "openapi.yaml")
        assert content_type.startswith("application/vnd.oai.openapi")
        served_yaml = yaml.safe_load(body)
        assert served_yaml["openapi"].startswith("3.")
        assert served_yaml == committed

        content_type, body = fetch(deployment, schema + "openapi.json")
        assert content_type.startswith("application/vnd.oai.openapi+json")
        assert json.loads(body) == committed

        content_type, body = fetch(deployment, schema)
        assert content_type.startswith("text/html")
        page = body.decode()
        assert re.search(f"""["']{re.escape(schema)}openapi[.]yaml["']""", page), page

        if root:  # where gemma-zds-client looks by default: the API root itself
            assert yaml.safe_load(fetch(deployment, root + "/")[1]) == committed


def test_paths_are_relative_to_their_api_root() -> None:
    documenten = yaml.safe_load((COMMITTED / "documenten.yaml").read_text())
    assert "/enkelvoudiginformatieobjecten/{uuid}/download" in documenten["paths"]
    assert not [path for path in documenten["paths"] if path.startswith("/documenten/")]
    docload = yaml.safe_load((COMMITTED / "docload.yaml").read_text())
    assert "/documenten/api/v1/import/create" in docload["paths"]
    assert "/data-import/uploadDefinitions" in docload["paths"]
