"""Server memory while streaming a large document download.

Imports one large document (default 200 MB) with `docload import`, serves the API with gunicorn,
downloads the document, and reports how much the server's resident memory (gunicorn master and
workers together) grew, against the size of the download. Last line: a JSON object.

    .venv/bin/python bench/download_memory.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.deployment import Deployment, tree_rss_bytes

from docload.imports.columns import REQUIRED_HEADERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    size = args.megabytes * 1024 * 1024

    with tempfile.TemporaryDirectory(prefix="docload-bench-") as tmp:
        deployment = Deployment(Path(tmp) / "data")
        try:
            deployment.serve(worker=False)
            type_url = deployment.published_type()
            files = deployment.import_dir
            files.mkdir(exist_ok=True)
            with open(files / "big.bin", "wb") as big:
                for _ in range(args.megabytes):
                    big.write(os.urandom(1024 * 1024))
            row = {name: "" for name in REQUIRED_HEADERS}
            row.update(
                bronorganisatie="002220647", creatiedatum="2024-01-01", titel="big", auteur="bench",
                taal="nld", informatieobjecttype=type_url, bestandspad="big.bin",
            )  # fmt: skip
            with open(Path(tmp) / "metadata.csv", "w", newline="") as metadata:
                writer = csv.DictWriter(metadata, REQUIRED_HEADERS)
                writer.writeheader()
                writer.writerow(row)
            deployment.docload("import", str(Path(tmp) / "metadata.csv"), "--base-dir", str(files))
            listed = deployment.json("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
            download_url = listed["results"][0]["inhoud"]

            server_pid = deployment.processes[0].pid
            time.sleep(1)
            before = tree_rss_bytes(server_pid)
            peak = before
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, tree_rss_bytes(server_pid))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample)
            sampler.start()
            request = urllib.request.Request(download_url)
            request.add_header("Authorization", f"Bearer {deployment.token}")
            received = 0
            started = time.monotonic()
            with urllib.request.urlopen(request) as response:
                while chunk := response.read(1024 * 1024):
                    received += len(chunk)
            elapsed = time.monotonic() - started
            done.set()
            sampler.join()
        finally:
            deployment.stop()

    growth_mb = (peak - before) / 1024 / 1024
    print(f"downloaded {received / 1024 / 1024:.0f} MB in {elapsed:.1f}s")
    print(f"server RSS before {before / 1024 / 1024:.1f} MB, peak {peak / 1024 / 1024:.1f} MB")
    print(f"growth {growth_mb:.1f} MB = {growth_mb * 1024 * 1024 / size:.3f} of the download size")
    assert received == size, (received, size)
    print(json.dumps({"bytes": size, "rss_growth_mb": round(growth_mb, 1),
                      "growth_ratio": round((peak - before) / size, 4)}))  # fmt: skip


if __name__ == "__main__":
    main()
