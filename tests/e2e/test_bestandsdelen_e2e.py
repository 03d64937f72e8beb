"""200 MB uploaded in ten bestandsdelen through a real server: the download is the same bytes,
and the server's memory stays flat while the parts stream to storage."""

import hashlib
import http.client
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.deployment import Deployment, tree_rss_bytes
from tests.factories import VALID_RSIN

pytestmark = pytest.mark.e2e
MB = 1024 * 1024
PART = 20 * MB
TOTAL = 200 * 1000 * 1000  # ten parts: nine of 20 MiB and a smaller last one
CHUNK = MB
DOCUMENTS = "/documenten/api/v1/enkelvoudiginformatieobjecten"


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    running = Deployment(tmp_path / "data", DOCLOAD_BESTANDSDEEL_SIZE=str(PART))
    try:
        yield running
    finally:
        running.stop()


def content_chunks(rng: random.Random, length: int) -> Iterator[bytes]:
    """`length` bytes from the seeded generator, a megabyte at a time."""
    left = length
    while left:
        chunk = rng.randbytes(min(CHUNK, left))
        left -= len(chunk)
        yield chunk


def put_part(
    deployment: Deployment, url: str, lock: str, chunks: Iterator[bytes], size: int
) -> Any:
    """PUT a multipart body (`lock`, then the file `inhoud` of `size` bytes), streaming it."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="lock"\r\n\r\n{lock}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="inhoud"; filename="deel.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=600)
    connection.putrequest("PUT", url.removeprefix(deployment.base_url))
    connection.putheader("Authorization", f"Bearer {deployment.token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.endheaders()
    connection.send(head)
    for chunk in chunks:
        connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    status, body = response.status, response.read()
    connection.close()
    assert status == 200, (status, body)
    return json.loads(body)


def create_in_parts(deployment: Deployment, type_url: str, size: int) -> dict[str, Any]:
    created: dict[str, Any] = deployment.json(
        "POST",
        DOCUMENTS,
        {
            "bronorganisatie": VALID_RSIN,
            "creatiedatum": "2024-03-01",
            "titel": "Groot",
            "auteur": "Gemeente",
            "taal": "nld",
            "bestandsnaam": "groot.bin",
            "informatieobjecttype": type_url,
            "inhoud": None,
            "bestandsomvang": size,
        },
    )
    return created


def unlock(deployment: Deployment, document: dict[str, Any]) -> None:
    body = json.dumps({"lock": document["lock"]}).encode()
    status, answer = deployment.request(
        "POST", document["url"] + "/unlock", body, "application/json"
    )
    assert status == 204, answer


def download_sha256(deployment: Deployment, url: str) -> tuple[str, int]:
    connection = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=600)
    connection.request(
        "GET",
        url.removeprefix(deployment.base_url),
        headers={"Authorization": f"Bearer {deployment.token}"},
    )
    response = connection.getresponse()
    assert response.status == 200
    digest, size = hashlib.sha256(), 0
    while chunk := response.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    connection.close()
    return digest.hexdigest(), size


class RssSampler:
    """The peak RSS of the serve process tree, sampled while running."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._running = False
        self._thread.join()


def test_200_mb_in_ten_parts(deployment: Deployment) -> None:
    serve = deployment.serve(worker=False)
    type_url = deployment.published_type()
    # Every worker answers a small upload in parts first (imports, caches).
    for _ in range(8):
        small = create_in_parts(deployment, type_url, 10)
        (part,) = small["bestandsdelen"]
        put_part(deployment, part["url"], small["lock"], iter([b"x" * 10]), 10)
        unlock(deployment, small)

    document = create_in_parts(deployment, type_url, TOTAL)
    parts = document["bestandsdelen"]
    assert [p["omvang"] for p in parts] == [PART] * 9 + [TOTAL - 9 * PART]
    rng = random.Random(20240301)
    sent = hashlib.sha256()

    def hashed(chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            sent.update(chunk)
            yield chunk

    baseline = tree_rss_bytes(serve.pid)
    with RssSampler(serve.pid) as sampler:
        for part in parts:
            answer = put_part(
                deployment,
                part["url"],
                document["lock"],
                hashed(content_chunks(rng, part["omvang"])),
                part["omvang"],
            )
            assert answer["voltooid"] is True
    growth = (sampler.peak - baseline) / MB
    print(
        f"RSS of the server: {baseline / MB:.1f} MiB, peak {sampler.peak / MB:.1f} MiB, "
        f"growth {growth:.1f} MiB during the uploads"
    )
    # 200 MB pass through either way; on S3 the server also holds boto3's multipart transfer
    # buffers (5 MiB parts) and its clients, first made during the big parts (57.8 MiB seen once).
    assert growth <= (80 if deployment.env.get("DOCLOAD_STORAGE") == "s3" else 50)

    unlock(deployment, document)
    read = deployment.json("GET", document["url"])
    assert read["bestandsdelen"] == [] and read["bestandsomvang"] == TOTAL
    assert download_sha256(deployment, read["inhoud"]) == (sent.hexdigest(), TOTAL)
    # The parts' bytes are gone: one content file of the document.
    files = [key for key, size in deployment.stored_sizes("").items() if size == TOTAL]
    assert len(files) == 1
