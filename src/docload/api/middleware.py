"""Refuse bodies that cannot be read safely (too large, or without a length) before anything
reads them, and give up on a body that stops arriving."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from docload.api.components import COMPONENTS
from docload.api.error_shapes import error_response


class RequestSizeLimitMiddleware:
    """Answer 413, in the shape of the API called, when the declared body is over the limit, and
    411 for a body sent without a length (chunked).

    JSON bodies are parsed in memory, so they get the smaller `DOCLOAD_MAX_JSON_BYTES` limit;
    streamed bodies (CSV, staged files) may be as large as `DOCLOAD_MAX_UPLOAD_BYTES`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_TRANSFER_ENCODING" in request.META and "CONTENT_LENGTH" not in request.META:
            # Django would read a body without a length as empty (a CSV "empty", every field
            # "required"); stream it with its length instead.
            response = error_response(
                request,
                411,
                "length_required",
                "Send the body with a Content-Length header; chunked bodies are not read.",
            )
            response["Connection"] = "close"
            return response
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        is_json = "json" in request.META.get("CONTENT_TYPE", "")
        limit = settings.DOCLOAD_MAX_JSON_BYTES if is_json else settings.DOCLOAD_MAX_UPLOAD_BYTES
        if length > limit:
            response = error_response(
                request,
                413,
                "request_too_large",
                f"The request body is {length} bytes; the limit is {limit} bytes.",
            )
            # The body is never read, so the connection cannot be reused.
            response["Connection"] = "close"
            return response
        client = request.META.get("gunicorn.socket")
        if client is None or not length:
            return self.get_response(request)
        # Reading the body waits at most this long for each piece of it: a stalled client gets
        # "interrupted" (BodyInterrupted) and its thread serves others again.
        before = client.gettimeout()
        client.settimeout(settings.DOCLOAD_UPLOAD_IDLE_SECONDS)
        try:
            return self.get_response(request)
        finally:
            client.settimeout(before)


class ApiVersionMiddleware:
    """`API-version` on every response of a ZGW API, as the standards ask."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.versions = [(c.root + "/", c.version) for c in COMPONENTS if c.root]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for root, version in self.versions:
            if request.path_info.startswith(root):
                response["API-version"] = version
        return response
