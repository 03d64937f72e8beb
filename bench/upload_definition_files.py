"""Upload definitions at scale: many content files uploaded one by one, then imported.

    .venv/bin/python bench/upload_definition_files.py [--files 100000] [--file-bytes 1024] [--keep]

It starts a real server with its worker (`docload serve`) on a fresh data dir, creates an upload
definition with a metadata CSV, adds the content files in calls of 10,000 names, pages through
their ids, then uploads every file in turn over one keep-alive HTTP connection, timing each
upload and sampling the server's RSS (gunicorn master and workers, and the worker) after the
first 1,000 uploads and at the end. Then it uploads the metadata, calls processFiles and waits
for the import. A baseline in the same run: the same files written by a plain open/write loop.

Acceptance: median upload latency of the last 10% within 1.2x that of the first 10%, and less
than 100 MB server RSS growth between the two samples. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.deployment import Deployment, tree_rss_bytes
from tests.factories import csv_text, metadata_row

_MB = 1024 * 1024
_ADD_BATCH = 10_000
_PAGE = 1000
_RSS_SAMPLE_AFTER = 1000
BASE = "/data-import/uploadDefinitions"


def content_names(count: int) -> list[str]:
    return [f"doc-{index:07d}.bin" for index in range(count)]


def create_definition(deployment: Deployment, names: list[str]) -> str:
    definition = deployment.json("POST", BASE, {"fileDefinitions": [{"name": "metadata.csv"}]})
    definition_id = str(definition["id"])
    for start in range(0, len(names), _ADD_BATCH):
        batch = [{"name": name} for name in names[start : start + _ADD_BATCH]]
        deployment.json("POST", f"{BASE}/{definition_id}/files", {"fileDefinitions": batch})
    return definition_id


def file_ids(deployment: Deployment, definition_id: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    offset = 0
    while True:
        page = deployment.json(
            "GET",
            f"{BASE}/{definition_id}/files?offset={offset}&limit={_PAGE}&query=status%3D%3DNEW",
        )
        ids.update({file["name"]: file["id"] for file in page["fileDefinitions"]})
        offset += _PAGE
        if offset >= page["totalRecords"]:
            return ids


def upload(
    connection: http.client.HTTPConnection, token: str, path: str, body: bytes
) -> dict[str, Any]:
    connection.request(
        "POST",
        path,
        body,
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/octet-stream",
            "Content-Length": str(len(body)),
        },
    )
    response = connection.getresponse()
    content = response.read()
    assert response.status == 200, (response.status, content)
    return dict(json.loads(content))


def baseline_files_per_s(directory: Path, names: list[str], content: bytes) -> float:
    directory.mkdir(parents=True)
    os.sync()
    started = time.perf_counter()
    for name in names:
        with open(directory / name, "wb") as target:
            target.write(content)
    return len(names) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000, help="content files")
    parser.add_argument("--file-bytes", type=int, default=1024, help="size of each file")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    options = parser.parse_args()
    count = options.files
    content = os.urandom(options.file_bytes)
    names = content_names(count)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-upload-defs-", dir="/tmp"))
    deployment = Deployment(work_dir / "data")
    try:
        deployment.serve()
        server_pid = deployment.processes[0].pid
        document_type = deployment.published_type()

        started = time.perf_counter()
        definition_id = create_definition(deployment, names)
        ids = file_ids(deployment, definition_id)
        setup_seconds = time.perf_counter() - started
        assert len(ids) == count + 1, len(ids)

        connection = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=120)
        latencies: list[float] = []
        rss_first = 0
        os.sync()
        started = time.perf_counter()
        for index, name in enumerate(names):
            path = f"{BASE}/{definition_id}/files/{ids[name]}"
            sent = time.perf_counter()
            upload(connection, deployment.token, path, content)
            latencies.append(time.perf_counter() - sent)
            if index + 1 == min(_RSS_SAMPLE_AFTER, count):
                rss_first = tree_rss_bytes(server_pid)
        uploads_seconds = time.perf_counter() - started
        rss_last = tree_rss_bytes(server_pid)

        rows = [metadata_row(document_type, bestandspad=name, titel=name) for name in names]
        metadata = csv_text(rows).encode()
        uploaded = upload(
            connection,
            deployment.token,
            f"{BASE}/{definition_id}/files/{ids['metadata.csv']}",
            metadata,
        )
        connection.close()
        assert uploaded["status"] == "LOADED", uploaded["status"]
        started = time.perf_counter()
        body = json.dumps({"uploadDefinition": {"id": definition_id}}).encode()
        answer = deployment.request(
            "POST", f"{BASE}/{definition_id}/processFiles", body, "application/json"
        )
        assert answer[0] == 204, answer
        job = deployment.json("GET", f"{BASE}/{definition_id}")["metaJobExecutionId"]
        status = deployment.wait_for(
            f"/documenten/api/v1/import/{job}/status", {"finished", "error"}, timeout=3600
        )
        import_seconds = time.perf_counter() - started
        assert status["status"] == "finished", status

        baseline = baseline_files_per_s(work_dir / "baseline", names, content)
    finally:
        deployment.stop()
        if not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)

    tenth = max(1, count // 10)
    first_ms = statistics.median(latencies[:tenth]) * 1000
    last_ms = statistics.median(latencies[-tenth:]) * 1000
    latency_ratio = last_ms / first_ms
    uploads_per_s = count / uploads_seconds
    rss_growth = (rss_last - rss_first) / _MB
    import_per_s = count / import_seconds
    print(f"{count} files x {options.file_bytes} B, one definition")
    print(f"  setup (create, add in calls of {_ADD_BATCH}, page ids)  {setup_seconds:8.1f} s")
    verdict = "ok" if latency_ratio <= 1.2 else "OVER the 1.2 target"
    print(
        f"  median upload latency  first 10% {first_ms:.2f} ms, last 10% {last_ms:.2f} ms,"
        f" ratio {latency_ratio:.2f}  {verdict}"
    )
    print(f"  uploads/s              {uploads_per_s:8.0f}  ({uploads_seconds:.1f} s)")
    verdict = "ok" if rss_growth <= 100 else "OVER the 100 MB target"
    print(
        f"  server RSS             {rss_first / _MB:.0f} MB after {_RSS_SAMPLE_AFTER} uploads,"
        f" {rss_last / _MB:.0f} MB at the end: growth {rss_growth:.1f} MB  {verdict}"
    )
    print(
        f"  import documents/s     {import_per_s:8.0f}"
        f"  ({import_seconds:.1f} s, processFiles to finished)"
    )
    print(
        f"  baseline open/write    {baseline:8.0f} files/s;"
        f" uploads/s is {uploads_per_s / baseline:.3f} of it"
    )
    print(
        json.dumps(
            {
                "files": count,
                "file_bytes": options.file_bytes,
                "first_10pct_median_ms": round(first_ms, 3),
                "last_10pct_median_ms": round(last_ms, 3),
                "latency_ratio": round(latency_ratio, 3),
                "uploads_per_s": round(uploads_per_s, 1),
                "rss_first_mb": round(rss_first / _MB, 1),
                "rss_last_mb": round(rss_last / _MB, 1),
                "rss_growth_mb": round(rss_growth, 1),
                "import_docs_per_s": round(import_per_s, 1),
                "baseline_files_per_s": round(baseline, 1),
                "uploads_vs_baseline": round(uploads_per_s / baseline, 4),
                "setup_s": round(setup_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
