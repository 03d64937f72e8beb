"""Slow and stalled uploads against the real server: they are dropped after
DOCLOAD_UPLOAD_IDLE_SECONDS of silence, and never keep others from being served."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e
IDLE = 2
STALLED = 12  # more than the server's threads (2 workers x 4)


def stalled_upload(
    deployment: Deployment, path: str, content_type: str = "text/csv", start: str = "uuid,"
) -> socket.socket:
    """An upload that sends its headers and a few bytes of a large body, then nothing."""
    client = socket.create_connection(("127.0.0.1", deployment.port), timeout=30)
    client.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {deployment.token}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: 1000000\r\n\r\n{start}"
        ).encode()
    )
    return client


MULTIPART = "multipart/form-data; boundary=b"
PART = 'b\r\nContent-Disposition: form-data; name="uploadedfile"; filename="a.pdf"\r\n\r\nPDF'
# The multipart endpoints: the bulk load's upload and the JSON import, each in its error shape.
MULTIPART_PATHS = ("/api/uploadfiles/", "/api/v1/json-import")


def test_stalled_uploads_are_dropped_and_do_not_block_others(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path / "data", DOCLOAD_UPLOAD_IDLE_SECONDS=str(IDLE))
    try:
        deployment.serve()
        created = deployment.json("POST", "/documenten/api/v1/import/create")
        upload = created["uploadUrl"].removeprefix(deployment.base_url)
        clients = [stalled_upload(deployment, upload) for _ in range(STALLED)]
        clients += [
            stalled_upload(deployment, path, MULTIPART, "--" + PART) for path in MULTIPART_PATHS
        ]

        start = time.monotonic()
        status, _ = deployment.request("GET", "/documenten/api/v1/enkelvoudiginformatieobjecten")
        assert status == 200
        assert time.monotonic() - start < IDLE * 8  # served once stalled threads let go

        answers = []
        for client in clients:
            answers.append(client.recv(4096).split(b"\r\n", 1)[0])
            client.close()
        assert all(answer.startswith(b"HTTP/1.1 400") for answer in answers), answers[-2:]
        status, body = deployment.request("GET", created["statusUrl"])
        assert status == 200 and b'"pending"' in body  # nothing half-started
    finally:
        deployment.stop()
