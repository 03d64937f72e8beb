"""The README's walk-throughs, run as a new user would paste them, against a real server."""

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


def walk_throughs() -> str:
    """The registry, import and upload-definition blocks, in the README's order."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    picked = [
        block
        for block in blocks
        if "IOT=$(" in block or "import/create" in block or "DEF_ID=" in block
    ]
    assert len(picked) == 3, "the README lost one of its walk-throughs"
    return "set -euo pipefail\n" + "\n".join(picked)


def test_the_walk_throughs_work_as_written(deployment: Deployment, tmp_path: Path) -> None:
    deployment.serve()
    script = walk_throughs().replace("http://localhost:8000", deployment.base_url)
    script += '\necho "IMPORTS $ID $META_JOB_EXECUTION_ID"\n'
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "var").symlink_to(deployment.data_dir)  # the README's paths are relative to it
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env={**os.environ, "TOKEN": deployment.token},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    jobs = done.stdout.rsplit("IMPORTS ", 1)[1].split()
    # Both imports (the Import API's and the upload definition's) import their one row.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = [
            deployment.json("GET", f"/documenten/api/v1/import/{job}/status") for job in jobs
        ]
        if len(statuses) == 2 and all(s["status"] == "finished" for s in statuses):
            break
        time.sleep(0.5)
    assert [s["processedSuccessfully"] for s in statuses] == [1, 1], statuses
