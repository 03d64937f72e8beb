"""Upload definitions through a real server and worker: the curl walk-through of the spec."""

import csv
import io
import json
import os
import tarfile

import pytest

from tests.e2e.conftest import Deployment
from tests.factories import csv_text, metadata_row

pytestmark = pytest.mark.e2e
BASE = "/data-import/uploadDefinitions"


def start(deployment: Deployment) -> str:
    """Serve with a FOLIO client's token; the published type's URL."""
    deployment.docload("createapp", "--client-id", "folio-client", "--all-authorizations")
    deployment.token = deployment.docload("token", "--client-id", "folio-client").strip()
    deployment.serve()
    return deployment.published_type()


def upload_all(deployment: Deployment, definition: dict, uploads: dict[str, bytes]) -> None:
    for file in definition["fileDefinitions"]:
        status, body = deployment.request(
            "POST",
            f"{BASE}/{definition['id']}/files/{file['id']}",
            uploads[file["name"]],
            "application/octet-stream",
        )
        assert status == 200, body


def process(deployment: Deployment, definition: dict) -> None:
    status, body = deployment.request(
        "POST",
        f"{BASE}/{definition['id']}/processFiles",
        json.dumps({"uploadDefinition": {"id": definition["id"]}}).encode(),
        "application/json",
    )
    assert status == 204, body


def test_upload_definition_walk_through(deployment: Deployment) -> None:
    type_url = start(deployment)
    contents = {f"scan-{n}.pdf": os.urandom(200_000 + n) for n in range(20)}
    rows = [metadata_row(type_url, bestandspad=name, titel=name) for name in contents]
    names = ["metadata.csv", *contents]

    definition = deployment.json(
        "POST", BASE, {"fileDefinitions": [{"name": name} for name in names]}
    )
    assert definition["status"] == "NEW"
    upload_all(deployment, definition, {"metadata.csv": csv_text(rows).encode(), **contents})
    assert deployment.json("GET", f"{BASE}/{definition['id']}")["status"] == "LOADED"

    process(deployment, definition)
    processed = deployment.json("GET", f"{BASE}/{definition['id']}")
    assert processed["status"] == "COMPLETED"
    job = processed["metaJobExecutionId"]

    final = deployment.wait_for(f"/documenten/api/v1/import/{job}/status", {"finished", "error"})
    assert (final["status"], final["processedSuccessfully"]) == ("finished", 20)
    _, report = deployment.request("GET", f"/documenten/api/v1/import/{job}/report")
    results = [row["resultaat"] for row in csv.DictReader(io.StringIO(report.decode()))]
    assert results == ["Geïmporteerd"] * 20

    listed = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert listed["count"] == 20
    for document in listed["results"]:
        status, content = deployment.request("GET", document["inhoud"])
        assert status == 200 and content == contents[document["titel"]]

    status, _ = deployment.request("DELETE", f"{BASE}/{definition['id']}")
    assert status == 204
    assert not deployment.stored_sizes("staging")


def test_a_definition_with_one_archive(deployment: Deployment) -> None:
    type_url = start(deployment)
    contents = {f"docs/{n % 3}/scan-{n}.pdf": os.urandom(50_000 + n) for n in range(30)}
    rows = [metadata_row(type_url, bestandspad=name, titel=name) for name in contents]
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as packed:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            packed.addfile(info, io.BytesIO(content))
    uploads = {"metadata.csv": csv_text(rows).encode(), "scans.tar.gz": archive.getvalue()}

    definition = deployment.json("POST", BASE, {"fileDefinitions": [{"name": n} for n in uploads]})
    upload_all(deployment, definition, uploads)
    process(deployment, definition)
    job = deployment.json("GET", f"{BASE}/{definition['id']}")["metaJobExecutionId"]

    final = deployment.wait_for(f"/documenten/api/v1/import/{job}/status", {"finished", "error"})
    assert (final["status"], final["processedSuccessfully"]) == ("finished", 30)
    listed = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert listed["count"] == 30
    for document in listed["results"]:
        status, content = deployment.request("GET", document["inhoud"])
        assert status == 200 and content == contents[document["titel"]]
