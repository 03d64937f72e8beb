"""The README's five-minute tour, pasted as a new user would, against a real server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.deployment import DOCLOAD, Deployment
from tests.e2e.readme import block, run_script

pytestmark = pytest.mark.e2e
CHECKOUT = Path(__file__).parents[2]


def test_the_tour_works_as_written(deployment: Deployment, tmp_path: Path) -> None:
    deployment.serve()
    work = tmp_path / "checkout"
    work.mkdir()
    (work / ".venv").symlink_to(Path(DOCLOAD).parents[1])
    shutil.copytree(
        CHECKOUT / "examples", work / "examples", ignore=shutil.ignore_patterns("sample*")
    )
    (work / "tests").symlink_to(CHECKOUT / "tests")
    done = run_script(deployment, block("examples/make_sample.py"), work, timeout=600)
    assert "upload" in done.stderr and "import" in done.stderr  # push's two bars
    assert "Dry run: nothing was imported" in done.stderr
    report = (work / "examples" / "sample" / "metadata.csv.report.csv").read_text()
    assert report.count("Geïmporteerd") == 50
    documents = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert documents["count"] == 100  # 50 pushed, 50 from the workbook
    links = deployment.json("GET", "/documenten/api/v1/objectinformatieobjecten")
    assert len(links) == 50
    assert os.path.getsize(work / "examples" / "sample" / "load.xlsx") > 0
