"""Streamed request bodies: read in chunks, size-limited, checked for completeness."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from docload.api.errors import RequestTooLarge

CHUNK_SIZE = 1024 * 1024


class BodyInterrupted(Exception):
    """The client sent fewer bytes than its Content-Length, or the connection failed."""


def _content_length(request: HttpRequest | Request) -> int:
    """The declared body size; 0 when absent or not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def body_chunks(request: Request) -> Iterator[bytes]:
    """The request body in chunks, never whole in memory.

    Raises RequestTooLarge past `DOCLOAD_MAX_UPLOAD_BYTES`, and BodyInterrupted when reading fails
    or the body ends before its declared length.
    """
    declared = _content_length(request)
    stream = request.stream
    received = 0
    while stream is not None:
        try:
            chunk = stream.read(CHUNK_SIZE)
        except OSError as exc:
            raise BodyInterrupted(f"Reading the upload failed: {exc}") from exc
        if not chunk:
            break
        received += len(chunk)
        if received > settings.DOCLOAD_MAX_UPLOAD_BYTES:
            raise RequestTooLarge()
        yield chunk
    if received < declared:
        raise BodyInterrupted(
            f"The upload was interrupted: {received} of {declared} bytes arrived."
        )
