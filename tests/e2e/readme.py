"""The README's shell blocks, run as a new user pastes them, against a test deployment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.deployment import Deployment

README = Path(__file__).parents[2] / "README.md"


def blocks(marker: str) -> list[str]:
    """The README's ```sh blocks that contain `marker`, in its order."""
    return [b for b in re.findall(r"```sh\n(.*?)```", README.read_text(), re.S) if marker in b]


def block(marker: str) -> str:
    """The README's one ```sh block that contains `marker`."""
    found = blocks(marker)
    assert len(found) == 1, f"the README lost its block with {marker!r}"
    return found[0]


def run_script(
    deployment: Deployment,
    script: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `script` with bash (-euo pipefail) against the deployment instead of localhost:8000,
    with $TOKEN set; fail with its output's end when it fails."""
    script = "set -euo pipefail\n" + script.replace("http://localhost:8000", deployment.base_url)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env={**(env or deployment.env), "TOKEN": deployment.token},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def checkout_with_data(deployment: Deployment, tmp_path: Path) -> Path:
    """A folder standing for the checkout, whose var/ is the deployment's data (the README's
    paths are relative to the checkout)."""
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "var").symlink_to(deployment.data_dir)
    return work
