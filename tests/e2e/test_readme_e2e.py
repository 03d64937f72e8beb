"""The README's walk-throughs, run as a new user would paste them, against a real server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.readme import blocks, checkout_with_data, run_script

pytestmark = pytest.mark.e2e


def walk_throughs() -> str:
    """The registry, import and upload-definition blocks, in the README's order."""
    markers = ("IOT=$(", "import/create", "DEF_ID=")
    picked = [block for block in blocks("") if any(marker in block for marker in markers)]
    assert len(picked) == 3, "the README lost one of its walk-throughs"
    return "\n".join(picked)


def test_the_walk_throughs_work_as_written(deployment: Deployment, tmp_path: Path) -> None:
    deployment.serve()
    script = walk_throughs() + '\necho "IMPORTS $ID $META_JOB_EXECUTION_ID"\n'
    done = run_script(deployment, script, checkout_with_data(deployment, tmp_path))
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
