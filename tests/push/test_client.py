"""The client's retries and its token, against a scripted transport."""

from pathlib import Path

import httpx
import jwt
import pytest

from docload.push.client import Api, ServerError, ZgwAuth


def api(responses: list, slept: list[float]) -> tuple[Api, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        answer = responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = Api("http://server", ZgwAuth("c", "s" * 32), sleep=slept.append)
    client.close()
    client.http = httpx.Client(
        base_url="http://server", auth=ZgwAuth("c", "s" * 32), transport=httpx.MockTransport(handle)
    )
    return client, seen


def test_connection_errors_and_5xx_are_retried_with_backoff() -> None:
    slept: list[float] = []
    client, seen = api(
        [httpx.ConnectError("down"), httpx.Response(502), httpx.Response(200, json={"id": "x"})],
        slept,
    )
    assert client.definition("x") == {"id": "x"}
    assert (len(seen), slept) == (3, [0.5, 1.0])


def test_it_gives_up_after_five_attempts() -> None:
    slept: list[float] = []
    client, seen = api([httpx.Response(503)] * 5, slept)
    with pytest.raises(ServerError, match="503"):
        client.definition("x")
    assert (len(seen), slept) == (5, [0.5, 1.0, 2.0, 4.0])


def test_4xx_is_not_retried_and_its_message_is_kept() -> None:
    errors = {"errors": [{"message": "A file name may not be '..'"}]}
    client, seen = api([httpx.Response(422, json=errors)], [])
    with pytest.raises(ServerError, match="may not be"):
        client.add_files("d", [".."])
    assert len(seen) == 1


def test_an_upload_streams_with_its_length_and_rewinds_its_progress(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"12345")
    progress: list[int] = []
    client, seen = api([httpx.Response(500), httpx.Response(200, json={})], [])
    client.upload("d", "f1", tmp_path / "f", progress.append)
    assert [r.headers["Content-Length"] for r in seen] == ["5", "5"]
    assert "transfer-encoding" not in seen[1].headers
    assert (
        seen[1].content == b"12345"
        and seen[1].url.path == "/data-import/uploadDefinitions/d/files/f1"
    )
    assert sum(progress) == 5 and progress == [5, -5, 5]


def test_the_token_carries_the_zgw_claims() -> None:
    token = ZgwAuth("my-client", "s" * 32).token()
    claims = jwt.decode(token, "s" * 32, algorithms=["HS256"])
    assert claims["client_id"] == claims["iss"] == "my-client"
    assert {"iat", "user_id", "user_representation"} <= set(claims)
