"""The content resolver for references that are URLs: fetched by the server itself, only from
the fetch allowlist (`fetching`), streamed.

A response with a Content-Length is handed on as it arrives. One without is first spooled to a
temporary file, within the size limit: the copy path checks the row's `bestandsomvang` against
the size before it copies, and a failure while spooling fails the row alone.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import IO, cast

from django.conf import settings

from docload.documents.localfiles import CHUNK_SIZE
from docload.imports.copying import LocalSource
from docload.imports.fetching import FetchPolicy, fetch
from docload.imports.opened import OpenedContent

LOCALHOST = "http://localhost"


def policy_from_settings() -> FetchPolicy:
    """The fetch policy configured by the `DOCLOAD_FETCH_*` settings."""
    return FetchPolicy.from_entries(
        settings.DOCLOAD_FETCH_ALLOWLIST,
        max_bytes=settings.DOCLOAD_FETCH_MAX_BYTES,
        connect_timeout=float(settings.DOCLOAD_FETCH_CONNECT_TIMEOUT),
        read_timeout=float(settings.DOCLOAD_FETCH_READ_TIMEOUT),
        max_redirects=settings.DOCLOAD_FETCH_MAX_REDIRECTS,
    )


class UrlResolver:
    """URLs on the fetch allowlist; nothing else is ever connected to.

    `replace_localhost` (the JSON import's `eas_replace_url`) replaces a leading
    `http://localhost` (followed by `:`, `/` or nothing) before the URL is checked.
    """

    local = False

    def __init__(self, policy: FetchPolicy, replace_localhost: str = "") -> None:
        self.policy = policy
        self.replace_localhost = replace_localhost

    @classmethod
    def from_settings(cls, replace_localhost: str = "") -> UrlResolver:
        """A resolver with the configured policy."""
        return cls(policy_from_settings(), replace_localhost)

    def url_for(self, reference: str) -> str:
        """The URL fetched for `reference`."""
        rest = reference[len(LOCALHOST) :]
        if (
            self.replace_localhost
            and reference.startswith(LOCALHOST)
            and rest[:1] in ("", ":", "/")
        ):
            return self.replace_localhost + rest
        return reference

    def open(self, reference: str) -> OpenedContent:
        """Fetch the URL; raises ContentError (FetchRefused before connecting)."""
        stream = fetch(self.url_for(reference), self.policy)
        if stream.size is not None:
            return OpenedContent(stream=cast("IO[bytes]", stream), size=stream.size)
        with stream:
            spooled = tempfile.TemporaryFile()  # noqa: SIM115 - handed on open
            try:
                shutil.copyfileobj(stream, spooled, CHUNK_SIZE)
                size = spooled.tell()
                spooled.seek(0)
            except BaseException:
                spooled.close()
                raise
        return OpenedContent(stream=spooled, size=size)

    def locate(self, references: list[str]) -> list[LocalSource | str]:
        return [f"{reference!r} is a URL, not a local file." for reference in references]
