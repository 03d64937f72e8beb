"""Server memory while streaming large uploads: a 1 GB CSV and a 1 GB staged content file.

    .venv/bin/python bench/upload_memory.py [--mb 1024] [--port 8260] [--keep]

It starts a real server on a fresh data dir (`docload serve --no-worker`: gunicorn only), then
streams, with http.client and bodies generated on the fly (never held in memory):

- a CSV to the Import API (`POST /documenten/api/v1/import/create`, then its `uploadUrl`);
- a content file to an upload definition (`POST /data-import/uploadDefinitions/{id}/files/{id}`).

While each body streams, it polls /proc for the resident memory of the gunicorn worker processes
and reports the growth of their sum over the level just before the upload. The target is less
than 50 MB per upload, whatever the size. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from docload.imports.columns import REQUIRED_HEADERS  # noqa: E402

DOCLOAD = Path(sys.executable).with_name("docload")
_MB = 1024 * 1024
_CHUNK = _MB
_POLL_SECONDS = 0.02


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        # The command name (field 2) may contain spaces; the parent pid follows its ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Server:
    """`docload serve --no-worker` on a fresh data dir, with an application and its token."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.port = port
        self.env = {**os.environ, "DOCLOAD_DATA_DIR": str(data_dir)}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        # The Import API refuses to start without its (default) base directory.
        (data_dir / "import-data").mkdir()
        self._docload("migrate", "--no-input")
        self._docload("createapp", "--client-id", "bench", "--all-authorizations")
        self.token = self._docload("token", "--client-id", "bench").strip()
        self.log = open(data_dir / "serve.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [DOCLOAD, "serve", "--no-worker", "--port", str(port)],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        self._wait_until_up()

    def _docload(self, *args: str) -> str:
        done = subprocess.run(
            [DOCLOAD, *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/data-import/fileExtensions")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def workers(self) -> list[int]:
        masters = _children(self.process.pid)
        return [worker for master in masters for worker in _children(master)]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, bytes]:
        connection = self.connection()
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = response.status, response.read()
        connection.close()
        return result

    def stream(
        self, path: str, chunks: Iterator[bytes], length: int, content_type: str
    ) -> tuple[int, bytes]:
        """POST a body of `length` bytes, sending `chunks` as they are made."""
        connection = self.connection()
        connection.putrequest("POST", path)
        connection.putheader("Authorization", f"Bearer {self.token}")
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        try:
            for chunk in chunks:
                connection.send(chunk)
        except BrokenPipeError:
            pass  # the server answered early; its response says why
        response = connection.getresponse()
        result = response.status, response.read()
        connection.close()
        return result

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


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


def measure(server: Server, upload: threading.Thread) -> tuple[float, float]:
    """Run `upload` while polling the workers' RSS: (growth of the sum in MB, seconds)."""
    workers = server.workers()
    baseline = sum(_rss_bytes(pid) for pid in workers)
    peak = baseline
    started = time.monotonic()
    upload.start()
    while upload.is_alive():
        peak = max(peak, sum(_rss_bytes(pid) for pid in workers))
        time.sleep(_POLL_SECONDS)
    upload.join()
    return (peak - baseline) / _MB, time.monotonic() - started


def upload_csv(server: Server, length: int) -> tuple[float, float]:
    status, body = server.request("POST", "/documenten/api/v1/import/create")
    assert status == 201, body
    upload_path = json.loads(body)["uploadUrl"].split(str(server.port), 1)[1]
    outcome: list[tuple[int, bytes]] = []
    thread = threading.Thread(
        target=lambda: outcome.append(
            server.stream(upload_path, csv_chunks(length), length, "text/csv")
        )
    )
    growth, seconds = measure(server, thread)
    assert outcome and outcome[0][0] == 200, outcome
    return growth, seconds


def upload_content_file(server: Server, length: int) -> tuple[float, float]:
    status, body = server.request(
        "POST",
        "/data-import/uploadDefinitions",
        json.dumps({"fileDefinitions": [{"name": "big.bin"}]}).encode(),
        "application/json",
    )
    assert status == 201, body
    definition = json.loads(body)
    path = (
        f"/data-import/uploadDefinitions/{definition['id']}"
        f"/files/{definition['fileDefinitions'][0]['id']}"
    )
    outcome: list[tuple[int, bytes]] = []
    thread = threading.Thread(
        target=lambda: outcome.append(
            server.stream(path, binary_chunks(length), length, "application/octet-stream")
        )
    )
    growth, seconds = measure(server, thread)
    assert outcome and outcome[0][0] == 200, outcome
    uploaded = json.loads(outcome[0][1])["fileDefinitions"][0]
    assert uploaded["status"] == "UPLOADED", uploaded
    return growth, seconds


def warm_up(server: Server) -> None:
    """Let the workers answer small requests of both kinds first (one import may be open)."""
    for _ in range(8):
        upload_content_file(server, 1024)
        status, body = server.request("POST", "/documenten/api/v1/import/create")
        assert status == 201, body
        delete_url = json.loads(body)["uploadUrl"].replace("/upload", "/delete")
        status, _ = server.request("DELETE", delete_url.split(str(server.port), 1)[1])
        assert status == 204


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of each upload in MiB")
    parser.add_argument("--port", type=int, default=8260)
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    options = parser.parse_args()
    length = options.mb * _MB
    data_dir = Path(tempfile.mkdtemp(prefix="uploads-bench-", dir="/tmp"))
    server = Server(data_dir, options.port)
    workers = server.workers()
    try:
        warm_up(server)
        csv_growth, csv_seconds = upload_csv(server, length)
        file_growth, file_seconds = upload_content_file(server, length)
    finally:
        server.stop()
        if not options.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"Streamed {length / _MB:.0f} MiB per upload; gunicorn workers {workers}")
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
