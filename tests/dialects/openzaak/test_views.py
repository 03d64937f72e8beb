"""The Open Zaak import API, through HTTP: the walk-through and every error code."""

import csv
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.columns import REQUIRED_HEADERS
from docload.imports.models import Job
from tests.conftest import client_for, run_worker
from tests.factories import csv_text, metadata_row, write_files

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/documenten/api/v1/import"


def create(api: APIClient) -> str:
    response = api.post(f"{BASE}/create")
    assert response.status_code == 201, response.content
    return response.json()["uploadUrl"].split("/")[-2]


def upload(api: APIClient, uuid: str, body: str | bytes, content_type: str = "text/csv") -> Any:
    data = body.encode() if isinstance(body, str) else body
    return api.generic("POST", f"{BASE}/{uuid}/upload", data, content_type=content_type)


def error_code(response: Any) -> str:
    assert response["Content-Type"] == "application/problem+json"
    params = response.json().get("invalidParams")
    return params[0]["code"] if params else response.json()["code"]


def test_walk_through(api: APIClient, base_dir: Path, document_type_url: str) -> None:
    paths = write_files(base_dir, 30)
    rows = [metadata_row(document_type_url, bestandspad=p, titel=p) for p in paths]
    rows[4]["creatiedatum"] = "gisteren"
    response = api.post(f"{BASE}/create")
    urls = response.json()
    assert set(urls) == {"uploadUrl", "statusUrl", "reportUrl"}
    assert urls["statusUrl"].startswith("http://testserver/documenten/api/v1/import/")
    uuid = urls["uploadUrl"].split("/")[-2]
    assert api.get(urls["statusUrl"]).json()["status"] == "pending"
    assert api.get(urls["reportUrl"]).status_code == 404

    assert upload(api, uuid, csv_text(rows)).status_code == 200
    assert api.get(urls["statusUrl"]).json()["status"] == "active"
    assert api.delete(f"{BASE}/{uuid}/delete").json()["invalidParams"][0]["code"] == (
        "import-invalid-status"
    )
    run_worker()

    status = api.get(urls["statusUrl"]).json()
    counters = ("total", "processed", "processedSuccessfully", "processedInvalid", "status")
    assert [status[key] for key in counters] == [30, 30, 29, 1, "finished"]
    assert status["rowsPerSecond"] > 0

    report = api.get(urls["reportUrl"])
    assert report["Content-Type"].startswith("text/csv")
    assert "attachment" in report["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert lines[0] == [*REQUIRED_HEADERS, "opmerking", "resultaat"]
    assert [line[REQUIRED_HEADERS.index("titel")] for line in lines[1:]] == paths
    assert lines[5][-1] == "Niet geïmporteerd" and "creatiedatum" in lines[5][-2]
    assert all(line[-1] == "Geïmporteerd" and line[0] for i, line in enumerate(lines[1:]) if i != 4)

    listed = api.get("/documenten/api/v1/enkelvoudiginformatieobjecten").json()
    assert listed["count"] == 29
    some = listed["results"][0]
    download = api.get(some["inhoud"])
    assert b"".join(download.streaming_content) == (base_dir / some["titel"]).read_bytes()

    assert api.delete(f"{BASE}/{uuid}/delete").status_code == 204
    assert api.get(urls["statusUrl"]).status_code == 404
    assert EnkelvoudigInformatieObject.objects.count() == 29


def test_only_one_open_import_even_under_concurrent_creates(superuser_app: Applicatie) -> None:
    statuses: list[int] = []

    def create_one() -> None:
        try:
            statuses.append(client_for(superuser_app).post(f"{BASE}/create").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [400] * 19
    assert Job.objects.count() == 1


def test_create_while_another_is_open(api: APIClient) -> None:
    create(api)
    assert error_code(api.post(f"{BASE}/create")) == "existing-import-started"


def test_upload_checks_in_order(
    api: APIClient, base_dir: Path, settings: Any, document_type_url: str
) -> None:
    good = csv_text([metadata_row(document_type_url)])
    uuid = create(api)
    missing = "00000000-0000-0000-0000-000000000000"
    assert upload(api, missing, good).status_code == 404
    assert api.post(f"{BASE}/not-a-uuid/upload").status_code == 404

    settings.IMPORT_DOCUMENTEN_BASE_DIR = base_dir / "absent"
    assert error_code(upload(api, uuid, good)) == "import-dir-not-found"
    (base_dir / "a-file").write_text("x")
    settings.IMPORT_DOCUMENTEN_BASE_DIR = base_dir / "a-file"
    assert error_code(upload(api, uuid, good)) == "import-dir-not-dir"
    settings.IMPORT_DOCUMENTEN_BASE_DIR = base_dir

    response = upload(api, uuid, good, content_type="application/json")
    assert response.status_code == 415
    assert error_code(upload(api, uuid, "")) == "empty-file"
    assert error_code(upload(api, uuid, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")) == "parse_error"
    headers = [h for h in REQUIRED_HEADERS if h not in ("titel", "zaakUuid")]
    response = upload(api, uuid, csv_text([], headers))
    assert error_code(response) == "missing-import-headers"
    assert "titel" in response.json()["invalidParams"][0]["reason"]
    assert "zaakUuid" in response.json()["invalidParams"][0]["reason"]
    assert Job.objects.get().status == "pending"

    assert upload(api, uuid, good).status_code == 200
    assert error_code(upload(api, uuid, good)) == "invalid-status"


def test_binary_after_the_header_is_a_parse_error(api: APIClient, document_type_url: str) -> None:
    uuid = create(api)
    body = csv_text([metadata_row(document_type_url)]).encode() + b"\xff\xfe\x00"
    assert error_code(upload(api, uuid, body)) == "parse_error"
    assert Job.objects.get().status == "pending"


def test_upload_to_a_finished_import_while_another_is_open(
    api: APIClient, document_type_url: str
) -> None:
    first = create(api)
    Job.objects.filter(uuid=first).update(status="finished")
    create(api)
    response = upload(api, first, csv_text([metadata_row(document_type_url)]))
    assert error_code(response) == "existing-import-started"


def test_permission_denied_without_all_authorizations(document_type_url: str) -> None:
    limited = client_for(
        Applicatie.objects.create(client_id="limited", scopes=["documenten.aanmaken"])
    )
    for response in (
        limited.post(f"{BASE}/create"),
        limited.get(f"{BASE}/00000000-0000-0000-0000-000000000000/status"),
        limited.delete(f"{BASE}/00000000-0000-0000-0000-000000000000/delete"),
    ):
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
    assert not Job.objects.exists()
    assert APIClient().post(f"{BASE}/create").status_code == 401


def test_delete_and_unknown_imports(api: APIClient) -> None:
    uuid = create(api)
    assert api.delete(f"{BASE}/{uuid}/delete").status_code == 204
    assert api.delete(f"{BASE}/{uuid}/delete").status_code == 404
    assert api.get(f"{BASE}/{uuid}/status").status_code == 404
    assert api.get(f"{BASE}/{uuid}/report").status_code == 404


def test_resume_continues_an_import_that_stopped(
    api: APIClient, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 3)
    uuid = create(api)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    assert upload(api, uuid, csv_text(rows)).status_code == 200
    assert error_code(api.post(f"{BASE}/{uuid}/resume")) == "invalid-status"

    Job.objects.filter(uuid=uuid).update(status="error", comment="database gone")
    resumed = api.post(f"{BASE}/{uuid}/resume")
    assert resumed.status_code == 200
    assert (resumed.json()["status"], resumed.json()["comment"]) == ("active", "")
    run_worker()
    assert api.get(f"{BASE}/{uuid}/status").json()["processedSuccessfully"] == 3
