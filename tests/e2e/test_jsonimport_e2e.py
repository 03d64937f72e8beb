"""The README's JSON import walk-through, pasted as a new user would, against a real server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.readme import block, checkout_with_data, run_script

pytestmark = pytest.mark.e2e


def test_the_json_import_walk_through_works_as_written(
    deployment: Deployment, tmp_path: Path
) -> None:
    deployment.serve()
    script = block("api/v1/json-import") + '\necho "RUN $RUN"\n'
    done = run_script(deployment, script, checkout_with_data(deployment, tmp_path))
    assert '"status":"Prepared"' in done.stdout and '"status":"Success"' in done.stdout
    assert "time,payload,batch,severity,code,message,key,value" in done.stdout
    run = done.stdout.rsplit("RUN ", 1)[1].strip()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = deployment.json("GET", f"/api/v1/json-import/{run}")["status"]
        if status == "RolledBack":
            break
        time.sleep(0.5)
    assert status == "RolledBack"
    documents = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert documents["count"] == 0
