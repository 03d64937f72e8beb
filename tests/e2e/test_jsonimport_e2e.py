"""The README's JSON import walk-through, pasted as a new user would, against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e
README = Path(__file__).parents[2] / "README.md"


def walk_through() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    picked = [block for block in blocks if "api/v1/json-import" in block]
    assert len(picked) == 1, "the README lost its JSON import walk-through"
    return "set -euo pipefail\n" + picked[0]


def test_the_json_import_walk_through_works_as_written(
    deployment: Deployment, tmp_path: Path
) -> None:
    deployment.serve()
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "var").symlink_to(deployment.data_dir)  # the README's paths are relative to it
    script = walk_through().replace("http://localhost:8000", deployment.base_url)
    script += '\necho "RUN $RUN"\n'
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env={**os.environ, "TOKEN": deployment.token},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
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
