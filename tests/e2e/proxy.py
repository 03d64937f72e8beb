"""A tiny HTTP reverse proxy on a real socket: it records every request and can answer chosen
file uploads with a 503 instead of passing them on."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.requests: list[tuple[str, str, int]] = []  # method, path, status sent back
        self.fail_uploads: set[int] = set()  # which file uploads (1st, 2nd, ...) get a 503
        self._uploads_seen = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.forward(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path.split("?")[0]
        failure = False
        if handler.command == "POST" and "/files/" in path:
            with self._lock:
                self._uploads_seen += 1
                failure = self._uploads_seen in self.fail_uploads
        if failure:
            status, headers, content = 503, [("Content-Type", "text/plain")], b"injected"
        else:
            upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=600)
            passed = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
            upstream.request(handler.command, handler.path, body=body, headers=passed)
            response = upstream.getresponse()
            content = response.read()
            status = response.status
            skip = {"transfer-encoding", "content-length", "connection"}
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
            upstream.close()
        with self._lock:
            self.requests.append((handler.command, path, status))
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    def uploads(self) -> list[str]:
        """The paths of every file upload passed on to the server."""
        return [
            path
            for method, path, status in self.requests
            if method == "POST" and "/files/" in path and status < 500
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
