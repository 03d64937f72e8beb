"""Real processes: `docload serve` (gunicorn) and `docload worker`, on a fresh data directory.

Used by the e2e tests and by the benches.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DOCLOAD = str(Path(sys.executable).parent / "docload")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Deployment:
    """A data directory with its own database, and the processes serving it."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DOCLOAD_DATA_DIR": str(data_dir), **env}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.database_url = self._own_database(self.env.get("DATABASE_URL", ""))
        if self.database_url:
            self.env["DATABASE_URL"] = self.database_url
        if self.env.get("DOCLOAD_STORAGE") == "s3":  # its own key prefix in the bucket
            self.env["AWS_LOCATION"] = f"e2e/{uuid.uuid4().hex}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}  # pid: where its output goes
        self.docload("migrate", "--no-input")
        self.docload("devsetup")
        self.token = self.docload("token", "--client-id", "docload-dev").strip()
        self.import_dir = data_dir / "import-data"

    @staticmethod
    def _own_database(url: str) -> str:
        """On PostgreSQL (make test-scale), a fresh database of its own on the same server."""
        if not url:
            return ""
        import psycopg

        server, name = url.rsplit("/", 1)[0], f"e2e_{uuid.uuid4().hex}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"{server}/{name}"

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """The rows of `query` on this deployment's database (SQLite, or PostgreSQL)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as connection:
                return connection.execute(query).fetchall()  # type: ignore[arg-type]
        with contextlib.closing(sqlite3.connect(self.data_dir / "docload.sqlite3")) as database:
            return database.execute(query).fetchall()

    def stored_sizes(self, prefix: str) -> dict[str, int]:
        """The size of every content file under `prefix`, by key: local files, or S3 objects."""
        if self.env.get("DOCLOAD_STORAGE") != "s3":
            root = self.data_dir / "content"
            return {
                str(path.relative_to(root)): path.stat().st_size
                for path in (root / prefix).rglob("*")
                if path.is_file()
            }
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.env["AWS_S3_ENDPOINT_URL"],
            region_name=self.env.get("AWS_S3_REGION_NAME"),
            aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY"),
        )
        location = self.env["AWS_LOCATION"]
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.env["AWS_STORAGE_BUCKET_NAME"], Prefix=f"{location}/{prefix}".rstrip("/")
        )
        return {
            item["Key"].removeprefix(f"{location}/"): item["Size"]
            for page in pages
            for item in page.get("Contents", [])
        }

    def docload(self, *args: str) -> str:
        done = subprocess.run(
            [DOCLOAD, *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        path = self.data_dir / f"{args[0]}-{len(self.processes)}.log"
        with open(path, "wb") as log:
            process = subprocess.Popen([DOCLOAD, *args], env=self.env, stdout=log, stderr=log)
        self.processes.append(process)
        self.logs[process.pid] = path
        return process

    def serve(self, worker: bool = True, *options: str) -> subprocess.Popen[bytes]:
        """Start `docload serve` (with `options`) and return once it accepts connections."""
        process = self.start(
            "serve", "--port", str(self.port), *([] if worker else ["--no-worker"]), *options
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return process
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not start")

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, bytes]:
        url = path if path.startswith("http") else self.base_url + path
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stream(
        self, path: str, chunks: Iterator[bytes], length: int, content_type: str
    ) -> tuple[int, bytes]:
        """POST a body of `length` bytes, sending `chunks` as they are made."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.putrequest("POST", path.removeprefix(self.base_url))
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

    def json(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        status, content = self.request(method, path, data, "application/json" if data else "")
        assert status < 300, (status, content)
        return json.loads(content)

    def published_type(self) -> str:
        created = self.json(
            "POST",
            "/catalogi/api/v1/informatieobjecttypen",
            {
                "omschrijving": "Brief",
                "vertrouwelijkheidaanduiding": "openbaar",
                "beginGeldigheid": "2024-01-01",
            },
        )
        self.json("POST", created["url"] + "/publish")
        return str(created["url"])

    def wait_for(self, status_url: str, statuses: set[str], timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status: dict[str, Any] = self.json("GET", status_url)
            if status["status"] in statuses:
                return status
            time.sleep(0.2)
        raise AssertionError(f"import still {status} after {timeout}s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.database_url:
            import psycopg

            server, name = self.database_url.rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (e.g. gunicorn and its workers)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total
