"""ZGW problem+json error responses for every API endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse, UnreadablePostError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Invalid input.",
    401: "Authentication credentials were not provided or are invalid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    409: "Conflict.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    500: "A server error occurred.",
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body exceeds the maximum allowed size."
    default_code = "request_too_large"


class UploadInterrupted(exceptions.APIException):
    """The request body stopped arriving (the client went away, or sent nothing for
    `DOCLOAD_UPLOAD_IDLE_SECONDS`)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The upload was interrupted before the whole body arrived."
    default_code = "upload-interrupted"


class Conflict(exceptions.APIException):
    """The resource's state does not allow the operation now (e.g. it is still running)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource's state does not allow this now."
    default_code = "conflict"


def problem(
    request: HttpRequest | None,
    status_code: int,
    code: str,
    detail: str,
    invalid_params: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Build a ZGW problem body."""
    body: dict[str, Any] = {
        "type": f"https://docload.local/problems/{code}",
        "code": code,
        "title": _TITLES.get(status_code, "Error."),
        "status": status_code,
        "detail": detail,
        "instance": request.build_absolute_uri() if request is not None else "",
    }
    if invalid_params is not None:
        body["invalidParams"] = invalid_params
    return body


def problem_response(
    request: HttpRequest | None,
    status_code: int,
    code: str,
    detail: str,
    invalid_params: list[dict[str, str]] | None = None,
) -> JsonResponse:
    """A plain Django problem+json response, for code outside DRF views."""
    return JsonResponse(
        problem(request, status_code, code, detail, invalid_params),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def flatten_detail(detail: Any, prefix: str = "") -> Iterator[dict[str, str]]:
    """A validation error's detail as a flat list of {name, code, reason}."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "__all__" if key in ("non_field_errors",) else key
            yield from flatten_detail(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(detail, list):
        for item in detail:
            yield from flatten_detail(item, prefix)
    else:
        yield {
            "name": prefix or "__all__",
            "code": getattr(detail, "code", "invalid") or "invalid",
            "reason": str(detail),
        }


def as_api_exception(exc: Exception) -> exceptions.APIException | None:
    """The DRF exception for Django's own 404/403/too-large/unreadable-body errors; None for
    anything else."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, UnreadablePostError):  # a multipart body that stopped arriving
        return UploadInterrupted()
    return exc if isinstance(exc, exceptions.APIException) else None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler rendering every error as problem+json."""
    request = context.get("request")
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None
    exc = api_exc
    if isinstance(exc, exceptions.ParseError):
        # A body that is not JSON is invalid input like any other: a ValidatieFout.
        exc = exceptions.ValidationError(
            {"nonFieldErrors": [exceptions.ErrorDetail(str(exc.detail), "parse_error")]}
        )

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.ValidationError):
        invalid_params = list(flatten_detail(exc.detail))
        codes = {param["code"] for param in invalid_params}
        code = codes.pop() if len(codes) == 1 else "invalid"
        # One problem is said in full; several are listed in invalidParams.
        message = invalid_params[0]["reason"] if len(invalid_params) == 1 else "Invalid input."
        body = problem(request, exc.status_code, code, message, invalid_params)
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        body = problem(request, exc.status_code, str(code), str(detail))
    set_rollback()
    response = Response(body, status=exc.status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
