"""The HTTP side of `docload push`: upload definitions and the Import API, with retries."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt

from docload.push.local import PushError, backoff_delays, batches, chunks

DEFINITIONS = "/data-import/uploadDefinitions"
NAMES_PER_CALL = 10_000
FILES_PAGE = 1000
TOKEN_LIFETIME = 3600.0  # a new token after an hour; the server accepts 12 hours


class ZgwAuth(httpx.Auth):
    """A ZGW JWT (HS256 over iss, iat, client_id, user_id, user_representation), renewed hourly."""

    def __init__(self, client_id: str, secret: str, user_id: str = "docload-push") -> None:
        self.client_id, self.secret, self.user_id = client_id, secret, user_id
        self._token, self._made = "", 0.0

    def token(self) -> str:
        now = time.time()
        if not self._token or now - self._made > TOKEN_LIFETIME:
            claims = {
                "iss": self.client_id,
                "iat": int(now),
                "client_id": self.client_id,
                "user_id": self.user_id,
                "user_representation": self.user_id,
            }
            self._token, self._made = jwt.encode(claims, self.secret, algorithm="HS256"), now
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def _message(response: httpx.Response) -> str:
    """The server's reason, from FOLIO's errors, a problem+json body, or the text."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return f"HTTP {response.status_code}: {errors[0].get('message', errors[0])}"
        for key in ("detail", "title"):
            if body.get(key):
                return f"HTTP {response.status_code}: {body[key]}"
    return f"HTTP {response.status_code}: {str(body)[:300]}"


class ServerError(PushError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Api:
    """One docload server. Every call is retried on connection errors and 5xx."""

    def __init__(
        self,
        server: str,
        auth: httpx.Auth,
        parallel: int = 4,
        attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.delays = backoff_delays(attempts)
        self.sleep = sleep
        self.on_retry = on_retry
        self.http = httpx.Client(
            base_url=self.server,
            auth=auth,
            timeout=httpx.Timeout(600.0, connect=15.0),
            limits=httpx.Limits(max_connections=parallel + 2, max_keepalive_connections=parallel),
        )

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        ok: Iterable[int] = (200,),
        json: Any = None,
        params: dict[str, Any] | None = None,
        body: Callable[[], tuple[Iterator[bytes], int]] | None = None,
        before_retry: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """Send a request, trying again after connection errors and 5xx; raise unless `ok`.

        `body` makes a fresh (chunks, length) for each attempt: the body streams with its length.
        """
        for attempt in range(len(self.delays) + 1):
            last = attempt == len(self.delays)
            headers, content = {}, None
            if body is not None:
                content, length = body()
                headers = {
                    "Content-Length": str(length),
                    "Content-Type": "application/octet-stream",
                }
            try:
                response = self.http.request(
                    method, url, json=json, params=params, content=content, headers=headers
                )
            except httpx.TransportError as exc:
                if last:
                    raise ServerError(f"{method} {url}: {exc!r}") from exc
                reason = f"{type(exc).__name__}"
            else:
                if response.status_code < 500 or last:
                    if response.status_code not in set(ok):
                        raise ServerError(
                            f"{method} {url}: {_message(response)}", response.status_code
                        )
                    return response
                reason = f"HTTP {response.status_code}"
            if self.on_retry is not None:
                self.on_retry(f"{method} {url}: {reason}, trying again")
            if before_retry is not None:
                before_retry()
            self.sleep(self.delays[attempt])
        raise AssertionError("unreachable")  # the last attempt returns or raises

    # upload definitions

    def create_definition(self, names: list[str]) -> dict[str, Any]:
        """A new definition for `names`, created with the first batch and added to in batches."""
        first, *rest = list(batches(names, NAMES_PER_CALL))
        files = [{"name": name} for name in first]
        created: dict[str, Any] = self.send(
            "POST", DEFINITIONS, ok=(201,), json={"fileDefinitions": files}
        ).json()
        for batch in rest:
            self.add_files(created["id"], batch)
        return created

    def add_files(self, definition_id: str, names: list[str]) -> None:
        for batch in batches(names, NAMES_PER_CALL):
            self.send(
                "POST",
                f"{DEFINITIONS}/{definition_id}/files",
                ok=(201,),
                json={"fileDefinitions": [{"name": name} for name in batch]},
            )

    def definition(self, definition_id: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.send("GET", f"{DEFINITIONS}/{definition_id}").json()
        except ServerError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def files(self, definition_id: str) -> Iterator[dict[str, Any]]:
        """Every file of the definition, a page at a time."""
        offset = 0
        while True:
            page = self.send(
                "GET",
                f"{DEFINITIONS}/{definition_id}/files",
                params={"offset": offset, "limit": FILES_PAGE},
            ).json()
            yield from page["fileDefinitions"]
            offset += len(page["fileDefinitions"])
            if not page["fileDefinitions"] or offset >= page["totalRecords"]:
                return

    def upload(
        self, definition_id: str, file_id: str, path: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Stream the file's bytes with their length; on a retry its progress is taken back."""
        sent = [0]

        def count(size: int) -> None:
            sent[0] += size
            on_bytes(size)

        def body() -> tuple[Iterator[bytes], int]:
            return chunks(path, count), os.stat(path).st_size

        def rewind() -> None:
            on_bytes(-sent[0])
            sent[0] = 0

        self.send(
            "POST", f"{DEFINITIONS}/{definition_id}/files/{file_id}", body=body, before_retry=rewind
        )

    def process(self, definition_id: str, dry_run: bool = False) -> str:
        """Start the import (or a dry run of it); its id (metaJobExecutionId)."""
        try:
            self.send(
                "POST",
                f"{DEFINITIONS}/{definition_id}/processFiles" + ("?dryRun=true" if dry_run else ""),
                ok=(204,),
                json={"uploadDefinition": {"id": definition_id}},
            )
        except ServerError:
            # A retried call whose first try did start the import is refused: look. (A dry
            # run leaves nothing to tell its first try by: it is not retried.)
            found = self.definition(definition_id)
            if dry_run or not found or found.get("status") != "COMPLETED":
                raise
        found = self.definition(definition_id)
        if not found or not found.get("metaJobExecutionId"):
            raise PushError(f"The definition {definition_id} has no import after processFiles.")
        return str(found["metaJobExecutionId"])

    # the Import API

    def status(self, import_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "GET", f"/documenten/api/v1/import/{import_id}/status"
        ).json()
        return found

    def download_report(self, import_id: str, target: Path) -> None:
        """The report, streamed to `target` (replaced only once it is complete)."""
        temporary = target.with_name(target.name + ".part")
        url = f"/documenten/api/v1/import/{import_id}/report"
        for attempt in range(len(self.delays) + 1):
            try:
                with self.http.stream("GET", url) as response:
                    if response.status_code >= 500 and attempt < len(self.delays):
                        raise httpx.RemoteProtocolError(f"HTTP {response.status_code}")
                    if response.status_code != 200:
                        response.read()
                        raise ServerError(f"GET {url}: {_message(response)}")
                    with open(temporary, "wb") as handle:
                        for chunk in response.iter_bytes():
                            handle.write(chunk)
                os.replace(temporary, target)
                return
            except httpx.TransportError as exc:
                if attempt == len(self.delays):
                    raise ServerError(f"GET {url}: {exc!r}") from exc
                self.sleep(self.delays[attempt])
