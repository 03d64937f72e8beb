from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    running = Deployment(tmp_path / "data", IMPORT_LEASE_SECONDS="3")
    try:
        yield running
    finally:
        running.stop()
