"""Request bodies as gunicorn hands them over: chunked, or with a malformed length."""

import http.client
import socket

import pytest

from tests.e2e.conftest import Deployment

pytestmark = pytest.mark.e2e


def test_a_chunked_body_is_411_not_read_as_empty(deployment: Deployment) -> None:
    deployment.serve(worker=False)
    connection = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=30)
    connection.request(
        "POST",
        "/documenten/api/v1/import/create",
        body=iter([b"uuid,titel\n", b",a\n"]),  # an iterable body goes out chunked
        headers={"Authorization": f"Bearer {deployment.token}", "Content-Type": "text/csv"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 411
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("X-Request-Id")


def test_a_malformed_content_length_is_refused_by_gunicorn(deployment: Deployment) -> None:
    """Documented: gunicorn answers 400 itself (plain HTML) before docload sees the request."""
    deployment.serve(worker=False)
    with socket.create_connection(("127.0.0.1", deployment.port), timeout=30) as raw:
        raw.sendall(
            b"POST /documenten/api/v1/enkelvoudiginformatieobjecten HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Length: ten\r\n\r\n"
        )
        answer = raw.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400")
