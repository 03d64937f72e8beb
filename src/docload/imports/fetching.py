"""Fetching content from URLs on an allowlist, as a stream, without letting a URL reach what
it should not (SSRF).

`fetch(url, policy)` returns a `FetchedStream`: the 200 response's body, read as it arrives,
never whole in memory. Every refusal and failure is a ContentError with a one-line message;
`FetchRefused` (a ContentError) when the URL is refused before any connection to it is made.

The rules, checked for the URL and again for every redirect target, before connecting:

- Scheme `http` or `https` only (no `file:`, `ftp:`, `gopher:`, ...); a host is required; no
  credentials in the URL.
- The URL's scheme, host and port (the scheme's default when not given) equal those of an
  allowlist entry, and its path starts with the entry's path, if the entry has one (at a `/`
  boundary). Hosts compare lowercased and IDNA-encoded; IP addresses by value.
- The host is resolved here (getaddrinfo), and which addresses are acceptable depends on how
  the matching entry names the host:
    * by IP address (`http://10.0.0.5:9000`): that address, whatever its range: the operator
      named it;
    * as `localhost` or a name under `.localhost`: loopback addresses only;
    * by any other name: every address the name resolves to must be global (not loopback,
      private, link-local, reserved, multicast, unspecified, shared or other non-global
      ranges, IPv4-mapped IPv6 addresses judged by their IPv4 address). One bad address refuses
      the name: a name that answers both is not one to trust.
- The connection goes to an address that was checked: the transport's network backend is
  pinned to it (it ignores the host name it is given), so a second DNS answer cannot send the
  request elsewhere (DNS rebinding). The URL keeps the host name, so the Host header and TLS
  (SNI and certificate check) are those of the name. No proxy from the environment is used.
- Redirects (301, 302, 303, 307, 308) are followed here, at most `max_redirects`, each target
  checked as above; any other status but 200 is a failure.
- `max_bytes`: a Content-Length above it is refused before the body is read; a body that runs
  over it is aborted. A body shorter than its Content-Length is a failure too.
- `connect_timeout` for each connection, `read_timeout` for each read from the network.
  Content is asked for with `Accept-Encoding: identity` and its bytes are never decoded.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from docload.imports.errors import ContentError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchRefused(ContentError):
    """The URL may not be fetched; nothing was connected to."""


@dataclass(frozen=True)
class AllowedPrefix:
    """One allowlist entry: `scheme://host[:port][/path]`."""

    scheme: str
    host: str  # lowercased, IDNA-encoded; an IP address in its compressed form
    port: int
    path: str  # "" for any path; else starts with "/"

    @classmethod
    def parse(cls, entry: str) -> AllowedPrefix:
        """Parse an allowlist entry, or raise ValueError saying what is wrong with it."""
        try:
            url = httpx.URL(entry.strip())
        except httpx.InvalidURL as exc:
            raise ValueError(f"Allowlist entry {entry!r} is not a URL: {exc}.") from None
        if url.scheme not in DEFAULT_PORTS or not url.raw_host:
            raise ValueError(
                f"Allowlist entry {entry!r} must look like https://host[:port][/path]."
            )
        if url.userinfo or url.query or url.fragment:
            raise ValueError(
                f"Allowlist entry {entry!r} may not have credentials, a query or a fragment."
            )
        path = url.raw_path.decode("ascii")
        return cls(
            scheme=url.scheme,
            host=_canonical_host(url.raw_host),
            port=url.port or DEFAULT_PORTS[url.scheme],
            path="" if path == "/" else path,
        )

    def matches(self, url: httpx.URL) -> bool:
        """Whether `url` (already checked by `_checked_url`) is beneath this entry."""
        if (url.scheme, _canonical_host(url.raw_host), _port(url)) != (
            self.scheme,
            self.host,
            self.port,
        ):
            return False
        if not self.path:
            return True
        path = url.raw_path.decode("ascii").split("?", 1)[0]
        if "%2e" in path.lower() or "%2f" in path.lower():
            return False  # encoded dots or slashes could climb out of the prefix on the server
        if self.path.endswith("/"):
            return path.startswith(self.path)
        return path == self.path or path.startswith(self.path + "/")

    @property
    def named_address(self) -> IPAddress | None:
        """The IP address the entry names its host by, if it does."""
        return _ip(self.host)

    @property
    def loopback_name(self) -> bool:
        return self.host == "localhost" or self.host.endswith(".localhost")


@dataclass(frozen=True)
class FetchPolicy:
    """What may be fetched, and within which limits. An empty allowlist allows nothing."""

    allowlist: tuple[AllowedPrefix, ...] = ()
    max_bytes: int = 4 * 1024**3
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_redirects: int = 5

    @classmethod
    def from_entries(cls, entries: Iterable[str], **limits: Any) -> FetchPolicy:
        """A policy from allowlist entries as configured (`DOCLOAD_FETCH_ALLOWLIST`); raises
        ValueError for an entry that is not of the form `scheme://host[:port][/path]`."""
        return cls(allowlist=tuple(AllowedPrefix.parse(entry) for entry in entries), **limits)


class FetchedStream(io.RawIOBase):
    """A 200 response's body as a binary stream; `size` is its Content-Length, if given.

    Reading raises ContentError when the body runs over the policy's `max_bytes`, ends before
    its Content-Length, or the network fails or stalls. Close it (or use `with`) to release
    the connection.
    """

    def __init__(
        self,
        url: str,
        size: int | None,
        max_bytes: int,
        response: httpcore.Response,
        pool: httpcore.ConnectionPool,
    ) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self._max_bytes = max_bytes
        self._response = response
        self._pool = pool
        self._chunks: Iterator[bytes] = iter(response.iter_stream())
        self._pending = b""
        self._received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            self._pending = self._next_chunk()
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _next_chunk(self) -> bytes:
        """The body's next bytes; b"" at its end."""
        try:
            chunk: bytes | None = b""
            while chunk == b"":  # an empty chunk is not the end
                chunk = next(self._chunks, None)
        except httpcore.TimeoutException:
            raise ContentError(f"{self.url} stopped sending (read timeout).") from None
        except httpcore.RemoteProtocolError:
            raise ContentError(f"{self.url} ended before the whole body was sent.") from None
        except httpcore.NetworkError as exc:
            raise ContentError(f"{self.url} could not be read: {exc}.") from None
        if chunk is None:
            return b""
        self._received += len(chunk)
        if self._received > self._max_bytes:
            raise ContentError(f"{self.url} sent more than the limit of {self._max_bytes} bytes.")
        return chunk

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
            finally:
                self._pool.close()
        super().close()


def fetch(url: str, policy: FetchPolicy) -> FetchedStream:
    """Open `url`'s content as a stream, when the policy allows it (see the module's rules).

    Raises FetchRefused before connecting anywhere not allowed, ContentError for every other
    failure (connection, timeout, status other than 200, size over the limit).
    """
    current = url
    for _ in range(policy.max_redirects + 1):
        target, addresses = check_url(current, policy)
        response, pool = _get(target, addresses, policy)
        status = response.status
        if status == 200:
            size = _content_length(response)
            if size is not None and size > policy.max_bytes:
                _release(response, pool)
                raise ContentError(
                    f"{current} is {size} bytes, over the limit of {policy.max_bytes} bytes."
                )
            return FetchedStream(current, size, policy.max_bytes, response, pool)
        location = _header(response, b"location")
        _release(response, pool)
        if status not in REDIRECTS:
            raise ContentError(f"{current} answered HTTP {status}, not 200.")
        if location is None:
            raise ContentError(f"{current} answered HTTP {status} without a Location.")
        try:
            current = str(target.join(location))
        except httpx.InvalidURL:
            raise ContentError(f"{current} redirected to an invalid URL {location!r}.") from None
    raise ContentError(f"{url} redirected more than {policy.max_redirects} times.")


def check_url(url: str, policy: FetchPolicy) -> tuple[httpx.URL, list[IPAddress]]:
    """The parsed URL and the addresses to connect to, or FetchRefused; resolves the host."""
    parsed = _checked_url(url)
    entry = next((entry for entry in policy.allowlist if entry.matches(parsed)), None)
    if entry is None:
        raise FetchRefused(f"{url} is not on the fetch allowlist.")
    return parsed, _checked_addresses(url, parsed, entry)


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise FetchRefused(f"{url!r} is not a valid URL.") from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise FetchRefused(f"{url!r}: only http and https URLs can be fetched.")
    if not parsed.raw_host:
        raise FetchRefused(f"{url!r} has no host.")
    if parsed.userinfo:
        raise FetchRefused(f"{_without_userinfo(parsed)}: a URL may not contain credentials.")
    return parsed


def _checked_addresses(url: str, parsed: httpx.URL, entry: AllowedPrefix) -> list[IPAddress]:
    named = entry.named_address
    if named is not None:
        return [named]  # the URL's host equals the entry's: this very address
    host = _canonical_host(parsed.raw_host)
    addresses = resolve_host(host, _port(parsed))
    if not addresses:
        raise FetchRefused(f"{url}: the host {host!r} does not resolve.")
    for address in addresses:
        if entry.loopback_name:
            if not address.is_loopback:
                raise FetchRefused(
                    f"{url}: {host!r} resolves to {address}, not a loopback address."
                )
        elif not _public(address):
            raise FetchRefused(
                f"{url}: {host!r} resolves to {address}, an address that may not be fetched from "
                "(only hosts named by IP address on the allowlist may be in private ranges)."
            )
    return addresses


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to (getaddrinfo, TCP), in the resolver's order."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast and not address.is_reserved


def _get(
    url: httpx.URL, addresses: list[IPAddress], policy: FetchPolicy
) -> tuple[httpcore.Response, httpcore.ConnectionPool]:
    """Send the GET to the first of `addresses` that accepts a connection, with the URL's host
    in the Host header and for TLS."""
    pool = httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(),
        max_connections=1,
        network_backend=_PinnedBackend([str(address) for address in addresses]),
    )
    port = _port(url)
    host = url.raw_host
    host_header = b"[%b]" % host if b":" in host else host
    if url.port is not None and url.port != DEFAULT_PORTS[url.scheme]:
        host_header += b":%d" % port
    request = httpcore.Request(
        "GET",
        httpcore.URL(scheme=url.raw_scheme, host=host, port=port, target=url.raw_path),
        headers=[
            (b"Host", host_header),
            (b"Accept-Encoding", b"identity"),
            (b"User-Agent", b"docload"),
        ],
        extensions={
            "timeout": {
                "connect": policy.connect_timeout,
                "read": policy.read_timeout,
                "write": policy.read_timeout,
                "pool": policy.connect_timeout,
            }
        },
    )
    try:
        return pool.handle_request(request), pool
    except httpcore.ConnectTimeout:
        failure = f"{url}: no connection within {policy.connect_timeout:g} s."
    except httpcore.TimeoutException:
        failure = f"{url} did not answer within {policy.read_timeout:g} s."
    except httpcore.ConnectError as exc:
        failure = f"{url}: cannot connect: {exc}."
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        failure = f"{url}: the request failed: {exc}."
    pool.close()
    raise ContentError(failure)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to checked addresses only, whatever host name it is asked for."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        for address in self.addresses[:-1]:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue  # e.g. ::1 first for localhost, and the server on 127.0.0.1 only
        return super().connect_tcp(self.addresses[-1], port, timeout, local_address, socket_options)


def _release(response: httpcore.Response, pool: httpcore.ConnectionPool) -> None:
    try:
        response.close()
    finally:
        pool.close()


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _content_length(response: httpcore.Response) -> int | None:
    value = _header(response, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _port(url: httpx.URL) -> int:
    return url.port or DEFAULT_PORTS[url.scheme]


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _canonical_host(raw_host: bytes) -> str:
    host = raw_host.decode("ascii").lower()
    address = _ip(host)
    return str(address) if address is not None else host


def _without_userinfo(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None))
