"""Fetching content from URLs: real HTTP servers on 127.0.0.1, started by each test."""

from __future__ import annotations

import hashlib
import http.server
import ipaddress
import os
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from docload.documents.storage import open_content
from docload.imports import fetching
from docload.imports.content import resolver_for
from docload.imports.copiers import ThreadCopier
from docload.imports.copying import CopyOrder
from docload.imports.errors import ContentError
from docload.imports.fetching import AllowedPrefix, FetchPolicy, FetchRefused, fetch
from docload.imports.url_content import UrlResolver

Route = Callable[["_Handler"], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HttpServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host", "")))
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_error(404)
            return
        route(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str]] = []
        self.routes: dict[str, Route] = {}
        self.release = threading.Event()  # ends the stalling routes

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early are what several tests do

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


@pytest.fixture
def start_server() -> Iterator[Callable[[], _HttpServer]]:
    servers: list[_HttpServer] = []

    def start() -> _HttpServer:
        server = _HttpServer()
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server(start_server: Callable[[], _HttpServer]) -> _HttpServer:
    return start_server()


def policy(*entries: str, **limits: Any) -> FetchPolicy:
    limits = {"connect_timeout": 2.0, "read_timeout": 2.0, **limits}
    return FetchPolicy.from_entries(entries, **limits)


def body(data: bytes, length: bool = True, status: int = 200) -> Route:
    """A response of `data`; without Content-Length the body ends when the connection does."""

    def route(handler: _Handler) -> None:
        handler.send_response(status)
        if length:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: _Handler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def read_all(stream: Any) -> bytes:
    with stream:
        return b"".join(iter(lambda: stream.read(65536), b""))


def test_streams_the_exact_bytes_without_holding_them(server: _HttpServer) -> None:
    data = os.urandom(8 * 1024**2)
    server.routes["/big"] = body(data)
    tracemalloc.start()
    try:
        digest = hashlib.sha256()
        with fetch(f"{server.origin}/big", policy(server.origin)) as stream:
            assert stream.size == len(data)
            while chunk := stream.read(65536):
                digest.update(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert peak < 2 * 1024**2  # chunks, never the 8 MB body


def test_streams_a_body_without_content_length(server: _HttpServer) -> None:
    data = os.urandom(300_000)
    server.routes["/x"] = body(data, length=False)
    stream = fetch(f"{server.origin}/x", policy(server.origin))
    assert stream.size is None
    assert read_all(stream) == data


def test_a_url_outside_the_allowlist_is_refused_without_connecting(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"secret")
    for allowed in [(), ("http://127.0.0.1:1",), (f"https://127.0.0.1:{server.port}",)]:
        with pytest.raises(FetchRefused, match="not on the fetch allowlist"):
            fetch(f"{server.origin}/x", policy(*allowed))
    assert server.seen == []


def test_a_path_prefix_limits_the_paths(server: _HttpServer) -> None:
    server.routes["/files/a"] = body(b"a")
    allowed = policy(f"{server.origin}/files/")
    assert read_all(fetch(f"{server.origin}/files/a", allowed)) == b"a"
    for path in ["/other", "/files", "/files/../other", "/files/%2e%2e/other", "/filesx/a"]:
        with pytest.raises(FetchRefused):
            fetch(f"{server.origin}{path}", allowed)
    assert server.paths == ["/files/a"]


def test_redirects_within_the_allowlist_are_followed(server: _HttpServer) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(f"{server.origin}/c", 307)
    server.routes["/c"] = body(b"content")
    stream = fetch(f"{server.origin}/a", policy(server.origin))
    assert read_all(stream) == b"content"
    assert stream.url == f"{server.origin}/c"
    assert server.paths == ["/a", "/b", "/c"]


def test_a_redirect_to_a_host_not_allowed_is_refused(
    start_server: Callable[[], _HttpServer],
) -> None:
    allowed, other = start_server(), start_server()
    other.routes["/x"] = body(b"internal")
    allowed.routes["/a"] = redirect(f"{other.origin}/x")
    with pytest.raises(FetchRefused, match="not on the fetch allowlist"):
        fetch(f"{allowed.origin}/a", policy(allowed.origin))
    assert allowed.paths == ["/a"]
    assert other.seen == []


def test_a_redirect_to_127_0_0_1_is_refused_when_another_host_is_allowed(
    server: _HttpServer,
) -> None:
    server.routes["/a"] = redirect(f"{server.origin}/b")
    server.routes["/b"] = body(b"internal")
    with pytest.raises(FetchRefused, match="not on the fetch allowlist"):
        fetch(f"http://localhost:{server.port}/a", policy(f"http://localhost:{server.port}"))
    assert server.seen == [("/a", f"localhost:{server.port}")]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1/x"])
def test_a_redirect_to_another_scheme_is_refused(server: _HttpServer, location: str) -> None:
    server.routes["/a"] = redirect(location)
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(f"{server.origin}/a", policy(server.origin))


def test_too_many_redirects(server: _HttpServer) -> None:
    server.routes["/loop"] = redirect("/loop")
    with pytest.raises(ContentError, match="redirected more than 3 times"):
        fetch(f"{server.origin}/loop", policy(server.origin, max_redirects=3))
    assert server.paths == ["/loop"] * 4


def test_a_content_length_over_the_limit_is_refused_before_reading(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"x" * 5000)
    with pytest.raises(ContentError, match="is 5000 bytes, over the limit of 1000 bytes"):
        fetch(f"{server.origin}/x", policy(server.origin, max_bytes=1000))


def test_a_body_over_the_limit_without_content_length_is_aborted(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"x" * 2_000_000, length=False)
    stream = fetch(f"{server.origin}/x", policy(server.origin, max_bytes=1_000_000))
    with pytest.raises(ContentError, match="more than the limit of 1000000 bytes"):
        read_all(stream)
    assert stream.closed


def test_a_body_shorter_than_its_content_length_fails(server: _HttpServer) -> None:
    def short(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b"x" * 50)

    server.routes["/x"] = short
    with pytest.raises(ContentError, match="ended before the whole body"):
        read_all(fetch(f"{server.origin}/x", policy(server.origin)))


def test_a_server_that_stalls_before_answering_times_out(server: _HttpServer) -> None:
    server.routes["/x"] = lambda handler: server.release.wait(10)
    with pytest.raises(ContentError, match=r"did not answer within 0.3 s"):
        fetch(f"{server.origin}/x", policy(server.origin, read_timeout=0.3))


def test_a_server_that_stalls_in_the_body_times_out(server: _HttpServer) -> None:
    def stall(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"x" * 10)
        handler.wfile.flush()
        server.release.wait(10)

    server.routes["/x"] = stall
    stream = fetch(f"{server.origin}/x", policy(server.origin, read_timeout=0.3))
    with pytest.raises(ContentError, match="stopped sending"):
        read_all(stream)


@pytest.mark.parametrize("status", [201, 204, 206, 404, 500])
def test_only_200_is_success(server: _HttpServer, status: int) -> None:
    server.routes["/x"] = body(b"" if status == 204 else b"body", status=status)
    with pytest.raises(ContentError, match=f"answered HTTP {status}, not 200"):
        fetch(f"{server.origin}/x", policy(server.origin))


def test_a_name_resolving_to_a_private_address_is_refused(server: _HttpServer) -> None:
    """A real DNS answer: the machine's own name, which /etc/hosts maps to a loopback or
    private address on the machines this runs on."""
    name = socket.gethostname().lower()
    addresses = fetching.resolve_host(name, server.port)
    if not addresses or all(address.is_global for address in addresses) or name == "localhost":
        pytest.skip(f"{name!r} does not resolve to a non-public address here")
    server.routes["/x"] = body(b"internal")
    with pytest.raises(FetchRefused, match="an address that may not be fetched from"):
        fetch(f"http://{name}:{server.port}/x", policy(f"http://{name}:{server.port}"))
    assert server.seen == []


@pytest.mark.parametrize(
    "answer",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ],
)
def test_names_resolving_to_non_public_ranges_are_refused(
    monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """The only stand-in: our own module's resolver function, for answers no local name gives."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[Any]:
        asked.append(host)
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address(answer)]

    monkeypatch.setattr(fetching, "resolve_host", resolve)
    with pytest.raises(FetchRefused, match=f"resolves to {ipaddress.ip_address(answer)}"):
        fetch("https://files.example.org/x", policy("https://files.example.org"))
    assert asked == ["files.example.org"]


def test_a_localhost_entry_allows_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        fetching, "resolve_host", lambda host, port: [ipaddress.ip_address("10.0.0.1")]
    )
    with pytest.raises(FetchRefused, match="not a loopback address"):
        fetch("http://localhost:9/x", policy("http://localhost:9"))


def test_the_connection_goes_to_the_checked_address(
    server: _HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rebind.localhost` has no DNS answer here but the checked one: the request reaches the
    server only when the transport connects to the checked address rather than resolving the
    name again; the Host header keeps the name."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[Any]:
        calls.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(fetching, "resolve_host", resolve)
    server.routes["/x"] = body(b"content")
    url = f"http://rebind.localhost:{server.port}/x"
    assert read_all(fetch(url, policy(f"http://rebind.localhost:{server.port}"))) == b"content"
    assert calls == ["rebind.localhost"]
    assert server.seen == [("/x", f"rebind.localhost:{server.port}")]


def test_localhost_reaches_a_server_on_127_0_0_1(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"content")
    allowed = policy(f"http://localhost:{server.port}")
    assert read_all(fetch(f"http://localhost:{server.port}/x", allowed)) == b"content"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:secret@127.0.0.1:{port}/x", "may not contain credentials"),
        ("http://user@127.0.0.1:{port}/x", "may not contain credentials"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://127.0.0.1:{port}/x", "only http and https"),
        ("gopher://127.0.0.1:{port}/x", "only http and https"),
        ("data:,hello", "only http and https"),
        ("//127.0.0.1:{port}/x", "only http and https"),
        ("http:///x", "has no host"),
        ("http://[::1/x", "not a valid URL"),
    ],
)
def test_credentials_and_other_schemes_are_refused(
    server: _HttpServer, url: str, message: str
) -> None:
    server.routes["/x"] = body(b"content")
    with pytest.raises(FetchRefused, match=message) as refused:
        fetch(url.format(port=server.port), policy(server.origin))
    assert "secret" not in str(refused.value)
    assert server.seen == []


@pytest.mark.parametrize(
    "entry", ["ftp://files.example.org", "https://u:p@files.example.org", "files.example.org", ""]
)
def test_bad_allowlist_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="Allowlist entry"):
        AllowedPrefix.parse(entry)


def test_allowlist_entries_compare_canonically() -> None:
    entry = AllowedPrefix.parse("HTTPS://Files.Example.ORG:443")
    assert entry == AllowedPrefix.parse("https://files.example.org/")
    assert AllowedPrefix.parse("http://[0::1]:80").host == "::1"


def test_the_resolver_hands_on_a_stream_with_its_size(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"content")
    opened = UrlResolver(policy(server.origin)).open(f"{server.origin}/x")
    assert opened.size == 7
    assert read_all(opened.stream) == b"content"


def test_the_resolver_spools_a_body_of_unknown_size(server: _HttpServer) -> None:
    data = os.urandom(3 * 1024**2 + 5)
    server.routes["/x"] = body(data, length=False)
    opened = UrlResolver(policy(server.origin)).open(f"{server.origin}/x")
    assert opened.size == len(data)
    assert read_all(opened.stream) == data


def test_the_resolver_fails_a_body_over_the_limit_while_spooling(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"x" * 5000, length=False)
    with pytest.raises(ContentError, match="more than the limit"):
        UrlResolver(policy(server.origin, max_bytes=1000)).open(f"{server.origin}/x")


def test_the_resolver_replaces_a_leading_localhost(server: _HttpServer) -> None:
    server.routes["/x"] = body(b"content")
    resolver = UrlResolver(policy(server.origin), replace_localhost=server.origin)
    assert read_all(resolver.open("http://localhost/x").stream) == b"content"
    assert resolver.url_for("http://localhost.example.org/x") == "http://localhost.example.org/x"
    assert resolver.url_for("http://localhost:8000/x") == f"{server.origin}:8000/x"
    assert resolver.locate(["http://a/x"]) == ["'http://a/x' is a URL, not a local file."]


def test_a_job_description_rebuilds_the_resolver_from_settings(
    server: _HttpServer, settings: Any
) -> None:
    settings.DOCLOAD_FETCH_ALLOWLIST = [server.origin]
    settings.DOCLOAD_FETCH_MAX_BYTES = 1234
    resolver = resolver_for({"kind": "url", "replace_localhost": server.origin})
    assert isinstance(resolver, UrlResolver)
    assert resolver.policy.max_bytes == 1234
    assert resolver.replace_localhost == server.origin
    settings.DOCLOAD_FETCH_ALLOWLIST = []
    with pytest.raises(FetchRefused):
        resolver_for({"kind": "url"}).open(f"{server.origin}/x")
    assert server.seen == []


@pytest.mark.parametrize("length", [True, False])
def test_a_url_is_copied_into_storage_by_the_thread_copier(
    server: _HttpServer, length: bool
) -> None:
    data = os.urandom(2 * 1024**2)
    server.routes["/x"] = body(data, length=length)
    server.routes["/big"] = body(b"x" * 100)
    resolver = UrlResolver(policy(server.origin))
    orders = [
        CopyOrder(f"{server.origin}/x", "fetched/x", len(data), "sha_256", ""),
        CopyOrder(f"{server.origin}/big", "fetched/big", 99),
        CopyOrder(f"{server.origin}/missing", "fetched/missing"),
        CopyOrder("http://elsewhere.example.org/x", "fetched/elsewhere"),
    ]
    with ThreadPoolExecutor(1) as executor:
        outcomes = ThreadCopier(resolver, executor).copy(orders).result()
    assert outcomes[0].size == len(data) and not outcomes[0].problem
    with open_content("fetched/x") as stored:
        assert stored.read() == data
    assert "differs from the file's size 100" in outcomes[1].problem
    assert "answered HTTP 404" in outcomes[2].problem
    assert "not on the fetch allowlist" in outcomes[3].problem
