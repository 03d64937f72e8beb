"""Server memory while streaming large uploads: a 1 GB CSV and a 1 GB staged content file.

    .venv/bin/python bench/upload_memory.py [--mb 1024] [--keep]

It starts a real server on a fresh data dir (`docload serve --no-worker`: gunicorn only), then
streams, with http.client and bodies generated on the fly (never held in memory):

- a CSV to the Import API (`POST /documenten/api/v1/import/create`, then its `uploadUrl`);
- a content file to an upload definition (`POST /data-import/uploadDefinitions/{id}/files/{id}`).

While each body streams, it polls the resident memory of the server (gunicorn master and workers)
and reports the growth of their sum over the level just before the upload. The target is less
than 50 MB per upload, whatever the size. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.deployment import Deployment, tree_rss_bytes

from docload.imports.columns import REQUIRED_HEADERS

_MB = 1024 * 1024
_CHUNK = _MB
_POLL_SECONDS = 0.02


def csv_chunks(length: int) -> Iterator[bytes]:
    """A CSV of exactly `length` bytes: the 27 headers, then rows (the last one cut short)."""
    header = (",".join(REQUIRED_HEADERS) + "\n").encode()
    row = (",".join(["", "", "002220647", "2024-03-01", "Besluit"] + [""] * 22) + "\n").encode()
    block = header + row * ((_CHUNK - len(header)) // len(row))
    rows = row * (_CHUNK // len(row))
    sent = 0
    while sent < length:
        chunk = (block if sent == 0 else rows)[: length - sent]
        sent += len(chunk)
        yield chunk


def binary_chunks(length: int) -> Iterator[bytes]:
    """`length` bytes of one random megabyte, repeated."""
    pattern = os.urandom(_CHUNK)
    sent = 0
    while sent < length:
        chunk = pattern[: length - sent]
        sent += len(chunk)
        yield chunk


def measured_upload(
    deployment: Deployment, path: str, chunks: Iterator[bytes], length: int, content_type: str
) -> tuple[float, float, bytes]:
    """Stream one upload while polling the server's RSS: (growth in MB, seconds, response body)."""
    server_pid = deployment.processes[0].pid
    baseline = peak = tree_rss_bytes(server_pid)
    outcome: list[tuple[int, bytes]] = []
    upload = threading.Thread(
        target=lambda: outcome.append(deployment.stream(path, chunks, length, content_type))
    )
    started = time.monotonic()
    upload.start()
    while upload.is_alive():
        peak = max(peak, tree_rss_bytes(server_pid))
        time.sleep(_POLL_SECONDS)
    upload.join()
    assert outcome and outcome[0][0] == 200, outcome
    return (peak - baseline) / _MB, time.monotonic() - started, outcome[0][1]


def upload_csv(deployment: Deployment, length: int) -> tuple[float, float]:
    urls = deployment.json("POST", "/documenten/api/v1/import/create")
    growth, seconds, _ = measured_upload(
        deployment, urls["uploadUrl"], csv_chunks(length), length, "text/csv"
    )
    return growth, seconds


def upload_content_file(deployment: Deployment, length: int) -> tuple[float, float]:
    definition = deployment.json(
        "POST", "/data-import/uploadDefinitions", {"fileDefinitions": [{"name": "big.bin"}]}
    )
    path = (
        f"/data-import/uploadDefinitions/{definition['id']}"
        f"/files/{definition['fileDefinitions'][0]['id']}"
    )
    growth, seconds, body = measured_upload(
        deployment, path, binary_chunks(length), length, "application/octet-stream"
    )
    uploaded = json.loads(body)["fileDefinitions"][0]
    assert uploaded["status"] == "UPLOADED", uploaded
    return growth, seconds


def warm_up(deployment: Deployment) -> None:
    """Let the workers answer small requests of both kinds first (one import may be open)."""
    for _ in range(8):
        upload_content_file(deployment, 1024)
        urls = deployment.json("POST", "/documenten/api/v1/import/create")
        status, _ = deployment.request("DELETE", urls["uploadUrl"].replace("/upload", "/delete"))
        assert status == 204


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of each upload in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    options = parser.parse_args()
    length = options.mb * _MB
    data_dir = Path(tempfile.mkdtemp(prefix="uploads-bench-", dir="/tmp"))
    deployment = Deployment(data_dir / "data")
    try:
        deployment.serve(worker=False)
        warm_up(deployment)
        csv_growth, csv_seconds = upload_csv(deployment, length)
        file_growth, file_seconds = upload_content_file(deployment, length)
    finally:
        deployment.stop()
        if not options.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"Streamed {length / _MB:.0f} MiB per upload")
    for label, growth, seconds in (
        ("CSV to the Import API", csv_growth, csv_seconds),
        ("content file to an upload definition", file_growth, file_seconds),
    ):
        verdict = "ok" if growth < 50 else "OVER the 50 MB target"
        print(
            f"  {label:<40} RSS growth {growth:6.1f} MB  "
            f"({length / _MB / seconds:6.0f} MiB/s)  {verdict}"
        )
    print(
        json.dumps(
            {
                "csv_upload_rss_growth_mb": round(csv_growth, 1),
                "file_upload_rss_growth_mb": round(file_growth, 1),
                "bytes": length,
            }
        )
    )


if __name__ == "__main__":
    main()
