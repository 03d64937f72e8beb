"""Errors answered outside any view (middleware, server errors) in the shape of the API called.

Paths answer in ZGW problem+json unless a dialect registered its own shape for a path prefix
(FOLIO's errors under /data-import/, say); so this package never imports dialect code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from docload.api.errors import problem_response

# (request, status, code, message) -> response
ErrorRenderer = Callable[[HttpRequest, int, str, str], HttpResponse]

_renderers: dict[str, ErrorRenderer] = {}


def register_error_shape(prefix: str, renderer: ErrorRenderer) -> None:
    """Render errors of the paths starting with `prefix` (e.g. "/data-import/") by `renderer`."""
    _renderers[prefix] = renderer


def error_response(request: HttpRequest, status_code: int, code: str, message: str) -> HttpResponse:
    """The error in the shape registered for the request's path (the longest prefix wins)."""
    path = request.path_info
    prefixes = [prefix for prefix in _renderers if path.startswith(prefix)]
    if not prefixes:
        return problem_response(request, status_code, code, message)
    return _renderers[max(prefixes, key=len)](request, status_code, code, message)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: unknown paths answer in their API's error shape too."""
    return error_response(request, 404, "not_found", f"No resource at {request.path}.")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: never leak a traceback."""
    return error_response(request, 500, "error", "A server error occurred.")
