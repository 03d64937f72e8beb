"""The Import API through a real server and real workers."""

import csv
import io
import signal
import time
import uuid

import psutil
import pytest

from tests.e2e.deployment import Deployment
from tests.factories import csv_text, metadata_row, write_files

pytestmark = pytest.mark.e2e
# Enough rows that the import is still running well after the first worker is killed.
ROWS = 8000


def start_import(deployment: Deployment, rows: list[dict]) -> dict[str, str]:
    urls: dict[str, str] = deployment.json("POST", "/documenten/api/v1/import/create")
    status, body = deployment.request(
        "POST", urls["uploadUrl"], csv_text(rows).encode(), "text/csv"
    )
    assert status == 200, body
    return urls


def report_rows(deployment: Deployment, report_url: str) -> list[dict[str, str]]:
    status, body = deployment.request("GET", report_url)
    assert status == 200
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_import_of_a_thousand_rows(deployment: Deployment) -> None:
    deployment.serve()
    type_url = deployment.published_type()
    paths = write_files(deployment.import_dir, 1000, size=2048)
    rows = [metadata_row(type_url, bestandspad=p, titel=p) for p in paths]
    urls: dict[str, str] = deployment.json("POST", "/documenten/api/v1/import/create")
    assert deployment.json("GET", urls["statusUrl"])["status"] == "pending"
    status, _ = deployment.request("POST", urls["uploadUrl"], csv_text(rows).encode(), "text/csv")
    assert status == 200

    seen = {deployment.json("GET", urls["statusUrl"])["status"]}
    final = deployment.wait_for(urls["statusUrl"], {"finished", "error"})
    seen.add(final["status"])
    assert seen == {"active", "finished"}
    assert (final["total"], final["processed"], final["processedSuccessfully"]) == (
        1000,
        1000,
        1000,
    )

    report = report_rows(deployment, urls["reportUrl"])
    assert [row["titel"] for row in report] == paths
    assert {row["resultaat"] for row in report} == {"Geïmporteerd"}

    listed = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert listed["count"] == 1000
    for document in listed["results"][:20]:
        status, content = deployment.request("GET", document["inhoud"])
        assert content == (deployment.import_dir / document["titel"]).read_bytes()


def test_a_killed_worker_is_replaced_and_every_row_imports_once(deployment: Deployment) -> None:
    deployment.env["IMPORT_DOCUMENTEN_BATCH_SIZE"] = "50"
    deployment.serve(worker=False)
    type_url = deployment.published_type()
    paths = write_files(deployment.import_dir, ROWS, size=4096)
    uuids = [str(uuid.uuid4()) for _ in paths]
    rows = [
        metadata_row(type_url, bestandspad=p, uuid=u) for p, u in zip(paths, uuids, strict=True)
    ]
    urls = start_import(deployment, rows)

    first = deployment.start("worker")
    deadline = time.monotonic() + 60
    while deployment.json("GET", urls["statusUrl"])["processed"] < 300:
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.05)
    helpers = psutil.Process(first.pid).children(recursive=True)
    if deployment.env.get("DOCLOAD_STORAGE") != "s3":  # S3 content is copied in threads
        assert helpers, "the worker copies content in processes of its own"
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = deployment.json("GET", urls["statusUrl"])
    assert killed_at["status"] == "active" and killed_at["processed"] < ROWS
    # Its copy processes do not outlive it.
    _, alive = psutil.wait_procs(helpers, timeout=10)
    assert alive == []

    deployment.start("worker")
    final = deployment.wait_for(urls["statusUrl"], {"finished", "error"})
    assert (final["status"], final["processed"], final["processedSuccessfully"]) == (
        "finished",
        ROWS,
        ROWS,
    )

    report = report_rows(deployment, urls["reportUrl"])
    assert [row["uuid"] for row in report] == uuids
    assert {row["resultaat"] for row in report} == {"Geïmporteerd"}
    query = "SELECT uuid FROM documents_enkelvoudiginformatieobject"
    stored = [row[0] for row in deployment.sql(query)]
    assert sorted(uuid.UUID(str(value)) for value in stored) == sorted(
        uuid.UUID(value) for value in uuids
    )
    (results,) = deployment.sql(
        "SELECT COUNT(*), COUNT(DISTINCT row_number) FROM imports_rowresult"
    )
    assert results == (ROWS, ROWS)
    assert len(deployment.stored_sizes("documenten")) == ROWS
