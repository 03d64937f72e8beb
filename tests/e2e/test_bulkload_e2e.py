"""The bulk load against a real server and worker: the README's curl calls, and a scheduled load
that outlives a restart of the server."""

from __future__ import annotations

import datetime
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from docload.imports.columns import REQUIRED_HEADERS
from tests.e2e.deployment import Deployment
from tests.e2e.readme import block, run_script
from tests.factories import metadata_row, write_files
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.e2e
TRANSACTIONS = "/api/tool/Transaction/"


def workbook(deployment: Deployment, documents: int) -> bytes:
    """Two types, documents of them with content in the import directory, a link each."""
    types = [uuid.uuid4(), uuid.uuid4()]
    type_url = f"{deployment.base_url}/catalogi/api/v1/informatieobjecttypen/"
    document_url = f"{deployment.base_url}/documenten/api/v1/enkelvoudiginformatieobjecten/"
    document_uuids = [uuid.uuid4() for _ in range(documents)]
    paths = write_files(deployment.import_dir, documents)
    rows = [
        metadata_row(f"{type_url}{types[i % 2]}", bestandspad=paths[i], uuid=str(d))
        for i, d in enumerate(document_uuids)
    ]
    return workbook_bytes(
        {
            "informatieobjecttypen": [
                ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
                *([str(u), f"Type {i}", "openbaar", "2024-01-01"] for i, u in enumerate(types)),
            ],
            "enkelvoudiginformatieobjecten": [
                list(REQUIRED_HEADERS),
                *([row.get(name, "") for name in REQUIRED_HEADERS] for row in rows),
            ],
            "objectinformatieobjecten": [
                ["informatieobject", "object", "objectType"],
                *(
                    [f"{document_url}{d}", f"https://zaken.example.org/zaken/{i}", "zaak"]
                    for i, d in enumerate(document_uuids)
                ),
            ],
        }
    )


def wait_for_transaction(deployment: Deployment, transaction_id: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        poll = deployment.json("GET", f"{TRANSACTIONS}poll/?transactions={transaction_id}")
        if poll[transaction_id]["status"] in ("Success", "Fail"):
            return poll[transaction_id]
        time.sleep(0.5)
    raise AssertionError(f"transaction still {poll} after {timeout}s")


def test_the_readme_calls_load_three_sheets(deployment: Deployment, tmp_path: Path) -> None:
    deployment.serve()
    (tmp_path / "load.xlsx").write_bytes(workbook(deployment, 200))
    script = block("bulkload_spreadsheet") + '\necho "TRANSACTION $TRANSACTION_ID"\n'
    done = run_script(deployment, script, tmp_path, timeout=120)
    transaction_id = done.stdout.rsplit("TRANSACTION ", 1)[1].strip()
    assert wait_for_transaction(deployment, transaction_id, 120)["status"] == "Success"
    detail = deployment.json("GET", f"{TRANSACTIONS}{transaction_id}/?limit=1")
    assert detail["sub_transactions_count"] == 2 + 200 + 200
    links = deployment.json("GET", "/documenten/api/v1/objectinformatieobjecten")
    assert len(links) == 200


def test_a_scheduled_load_runs_at_its_time_after_a_restart(
    deployment: Deployment, tmp_path: Path
) -> None:
    server = deployment.serve()
    (tmp_path / "load.xlsx").write_bytes(workbook(deployment, 3))
    uploaded = subprocess.run(
        [
            *("curl", "-sf", "-H", f"Authorization: Bearer {deployment.token}"),
            *("-F", "uploadedfile=@load.xlsx", f"{deployment.base_url}/api/uploadfiles/"),
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert uploaded.returncode == 0, uploaded.stderr
    at = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(seconds=25)
    offset = 120  # the time is given at UTC+2
    local = at + datetime.timedelta(minutes=offset)
    started = deployment.json(
        "POST",
        "/api/tool/BulkLoad/?method=bulkload_spreadsheet&nowait=true&format=json",
        {
            "bulkload_file": "load.xlsx",
            "execute_immediately": False,
            "execute_date": local.date().isoformat(),
            "execute_time": local.time().replace(microsecond=0).isoformat(),
            "execute_timezone": str(offset),
        },
    )
    transaction_id = started["transaction_id"]
    assert deployment.json("GET", f"{TRANSACTIONS}{transaction_id}/")["status"] == "Scheduled"
    schedule = deployment.json("GET", "/api/data/Schedule/")
    assert [s["state"] for s in schedule["schedules"]] == ["Scheduled"]

    server.terminate()
    server.wait(timeout=30)
    deployment.serve()
    assert deployment.json("GET", f"{TRANSACTIONS}{transaction_id}/")["status"] == "Scheduled"
    assert wait_for_transaction(deployment, transaction_id, 120)["status"] == "Success"
    detail = deployment.json("GET", f"{TRANSACTIONS}{transaction_id}/")
    assert datetime.datetime.fromisoformat(detail["started_time"]) >= at
    assert detail["sub_transactions_count"] == 2 + 3 + 3
