"""The Open Zaak import API's rollback (a docload extension)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from docload.documents.models import EnkelvoudigInformatieObject
from tests.conftest import run_worker
from tests.factories import metadata_row, write_files
from tests.imports.conftest import start_import
from tests.imports.test_rollback import imported

pytestmark = pytest.mark.django_db(transaction=True)


def test_rollback_over_the_open_zaak_api(
    api: APIClient, document_type_url: str, base_dir: Path
) -> None:
    job = imported(document_type_url, base_dir, 2)
    url = f"/documenten/api/v1/import/{job.uuid}/rollback"
    response = api.post(url)
    assert response.status_code == 202 and response.json()["rollback"] == "rolling_back"
    run_worker()
    status = api.get(f"/documenten/api/v1/import/{job.uuid}/status").json()
    assert status["rollback"] == "rolled_back" and status["rolledBackOn"]
    assert api.post(url).status_code == 200
    assert not EnkelvoudigInformatieObject.objects.exists()

    paths = write_files(base_dir, 1, prefix="running")
    running = start_import([metadata_row(document_type_url, bestandspad=paths[0])])
    refused = api.post(f"/documenten/api/v1/import/{running.uuid}/rollback")
    assert refused.status_code == 409
    assert refused.json()["code"] == "import-running"
    assert refused["Content-Type"] == "application/problem+json"
