"""Streamed request bodies: chunked, size-limited, checked for completeness."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from docload.api.errors import RequestTooLarge
from docload.api.streaming import CHUNK_SIZE, BodyInterrupted, body_chunks


def request_with(body: io.BytesIO, length: int) -> Request:
    django_request = APIRequestFactory().generic(
        "POST", "/", b"", **{"wsgi.input": body, "CONTENT_LENGTH": str(length)}
    )
    return Request(django_request, parsers=[JSONParser()])


def test_the_body_arrives_in_chunks() -> None:
    content = b"x" * (CHUNK_SIZE * 2 + 5)
    chunks = list(body_chunks(request_with(io.BytesIO(content), len(content))))
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 5]


def test_no_body_is_no_chunks() -> None:
    assert list(body_chunks(request_with(io.BytesIO(b""), 0))) == []


def test_a_short_body_is_interrupted() -> None:
    with pytest.raises(BodyInterrupted, match="3 of 10 bytes"):
        list(body_chunks(request_with(io.BytesIO(b"abc"), 10)))


def test_a_failing_read_is_interrupted() -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("reset")

    with pytest.raises(BodyInterrupted, match="reset"):
        list(body_chunks(request_with(Broken(), 10)))


def test_more_than_the_limit_is_too_large(settings: Any) -> None:
    settings.DOCLOAD_MAX_UPLOAD_BYTES = CHUNK_SIZE
    content = b"x" * (CHUNK_SIZE + 1)
    chunks = body_chunks(request_with(io.BytesIO(content), len(content)))
    assert len(next(chunks)) == CHUNK_SIZE
    with pytest.raises(RequestTooLarge):
        next(chunks)
