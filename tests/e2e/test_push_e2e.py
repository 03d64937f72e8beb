"""`docload push` against a real server and worker, through a recording proxy."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment
from tests.e2e.deployment import DOCLOAD
from tests.e2e.proxy import Proxy
from tests.factories import csv_text, metadata_row

pytestmark = pytest.mark.e2e
BASE = "/data-import/uploadDefinitions"
SECRET = "push-test-secret-of-at-least-32-bytes"


@pytest.fixture
def proxy(deployment: Deployment) -> Iterator[Proxy]:
    deployment.docload(
        "createapp", "--client-id", "push-client", "--secret", SECRET, "--all-authorizations"
    )
    deployment.serve()
    running = Proxy(deployment.port)
    try:
        yield running
    finally:
        running.stop()


def folder(tmp_path: Path, type_url: str, count: int, **rows: dict[str, Any]) -> Path:
    """`count` content files under tmp_path/content and tmp_path/metadata.csv naming them."""
    content = tmp_path / "content"
    content.mkdir()
    names = [f"scan-{n}.pdf" for n in range(count)]
    for n, name in enumerate(names):
        (content / name).write_bytes(os.urandom(30_000 + n))
    table = [
        metadata_row(type_url, bestandspad=name, titel=name, **rows.get(name, {})) for name in names
    ]
    (tmp_path / "metadata.csv").write_text(csv_text(table))
    return content


def push(tmp_path: Path, server: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run the real `docload push` in a clean directory: no settings, no database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DOCLOAD"))}
    return subprocess.run(
        [
            DOCLOAD, "push", str(tmp_path / "content"),
            "--metadata", str(tmp_path / "metadata.csv"),
            "--server", server, "--client-id", "push-client", "--secret", SECRET,
            "--poll-interval", "0.2", *options,
        ],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def push_json(tmp_path: Path, server: str, *options: str) -> tuple[int, dict[str, Any]]:
    done = push(tmp_path, server, "--format", "json", *options)
    assert done.stdout.count("\n") == 1, (done.stdout, done.stderr)
    return done.returncode, json.loads(done.stdout)


def documents(deployment: Deployment) -> dict[str, bytes]:
    listed = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
    return {d["titel"]: deployment.request("GET", d["inhoud"])[1] for d in listed["results"]}


def server_files(deployment: Deployment, definition_id: str) -> dict[str, dict[str, Any]]:
    page = deployment.json("GET", f"{BASE}/{definition_id}/files?limit=1000")
    return {file["name"]: file for file in page["fileDefinitions"]}


def test_a_full_run_uploads_imports_and_downloads_the_report(
    deployment: Deployment, proxy: Proxy, tmp_path: Path
) -> None:
    content = folder(tmp_path, deployment.published_type(), 12)

    done = push(tmp_path, deployment.base_url, "--parallel", "3")

    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "upload" in done.stderr and "import" in done.stderr  # the two bars
    assert "first failing rows" not in done.stdout and "report:" in done.stdout
    report = list(csv.DictReader(io.StringIO((tmp_path / "metadata.csv.report.csv").read_text())))
    assert [row["resultaat"] for row in report] == ["Geïmporteerd"] * 12
    assert documents(deployment) == {p.name: p.read_bytes() for p in content.iterdir()}
    assert not (tmp_path / "metadata.csv.push.json").exists()


def test_a_failing_row_is_summarized_and_exits_1(
    deployment: Deployment, proxy: Proxy, tmp_path: Path
) -> None:
    folder(tmp_path, deployment.published_type(), 3, **{"scan-1.pdf": {"taal": "xx"}})

    code, result = push_json(tmp_path, proxy.base_url)

    assert code == 1, result
    assert result["rows"] == {"ok": 2, "failed": 1}
    [failure] = result["failures"]
    assert (failure["row"], failure["bestandspad"]) == (2, "scan-1.pdf")
    assert failure["opmerking"]
    assert sorted(documents(deployment)) == ["scan-0.pdf", "scan-2.pdf"]


def test_a_dry_run_imports_nothing_and_the_real_run_reuses_its_uploads(
    deployment: Deployment, proxy: Proxy, tmp_path: Path
) -> None:
    folder(tmp_path, deployment.published_type(), 3, **{"scan-1.pdf": {"taal": "xx"}})

    code, result = push_json(tmp_path, proxy.base_url, "--dry-run")

    assert code == 1, result  # a row would fail
    assert (result["dryRun"], result["rows"]) == (True, {"ok": 2, "failed": 1})
    assert result["failures"][0]["bestandspad"] == "scan-1.pdf"
    assert documents(deployment) == {}
    assert (tmp_path / "metadata.csv.push.json").exists()

    code, result = push_json(tmp_path, proxy.base_url)

    assert code == 1 and result["dryRun"] is False, result
    assert (result["uploaded"], result["skipped"]) == (0, 4)  # metadata and 3 files kept
    assert sorted(documents(deployment)) == ["scan-0.pdf", "scan-2.pdf"]


def test_an_interrupted_run_resumes_uploading_only_what_is_missing(
    deployment: Deployment, proxy: Proxy, tmp_path: Path
) -> None:
    content = folder(tmp_path, deployment.published_type(), 8)
    held_back = (content / "scan-5.pdf").read_bytes()
    (content / "scan-5.pdf").unlink()

    code, first = push_json(tmp_path, proxy.base_url)

    assert code == 2 and first["missing"] == ["scan-5.pdf"], first
    assert len(proxy.uploads()) == 8  # the metadata and 7 files
    files = server_files(deployment, first["definitionId"])
    assert files["scan-5.pdf"]["status"] == "NEW"
    assert documents(deployment) == {}  # not imported
    (content / "scan-5.pdf").write_bytes(held_back)
    (content / "scan-2.pdf").write_bytes(b"changed since it was uploaded")
    before = len(proxy.requests)

    code, second = push_json(tmp_path, proxy.base_url)

    assert code == 0, second
    assert second["definitionId"] == first["definitionId"]
    assert (second["uploaded"], second["skipped"]) == (2, 7)
    ids = {file["id"]: name for name, file in files.items()}
    resent = [
        ids[path.rsplit("/", 1)[1]]
        for method, path, status in proxy.requests[before:]
        if method == "POST" and "/files/" in path
    ]
    assert sorted(resent) == ["scan-2.pdf", "scan-5.pdf"]
    after = server_files(deployment, first["definitionId"])
    unchanged = set(files) - {"scan-2.pdf", "scan-5.pdf"}
    assert {n: after[n]["uploadedDate"] for n in unchanged} == {
        n: files[n]["uploadedDate"] for n in unchanged
    }
    assert documents(deployment) == {p.name: p.read_bytes() for p in content.iterdir()}


def test_a_server_error_mid_upload_is_retried(
    deployment: Deployment, proxy: Proxy, tmp_path: Path
) -> None:
    content = folder(tmp_path, deployment.published_type(), 6)
    proxy.fail_uploads = {3}

    code, result = push_json(tmp_path, proxy.base_url, "--parallel", "1")

    assert code == 0, result
    uploads = [(path, status) for method, path, status in proxy.requests if "/files/" in path]
    uploads = [(path, status) for path, status in uploads if path.count("/") == 5]
    assert [status for _, status in uploads].count(503) == 1
    failed = next(path for path, status in uploads if status == 503)
    assert [status for path, status in uploads if path == failed] == [503, 200]
    assert len(uploads) == 8  # 7 files, one of them twice
    assert documents(deployment) == {p.name: p.read_bytes() for p in content.iterdir()}
