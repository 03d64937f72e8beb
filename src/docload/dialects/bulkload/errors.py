"""The bulk load's error shape: {"success": false, "code": "...", "message": "..."}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from docload.api.errors import as_api_exception, flatten_detail


class ErrorSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField(default=False)
    code = serializers.CharField()
    message = serializers.CharField()


class BulkLoadError(exceptions.APIException):
    """One error, with its HTTP status and code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message, code)
        self.status_code = status_code
        self.code = code
        self.message = message


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message}


def error_response(request: HttpRequest, status_code: int, code: str, message: str) -> JsonResponse:
    """A plain Django response of one error, for code outside the DRF views."""
    return JsonResponse(error_body(code, message), status=status_code)


def _code_and_message(exc: exceptions.APIException) -> tuple[str, str]:
    if isinstance(exc, BulkLoadError):
        return exc.code, exc.message
    if isinstance(exc, exceptions.ValidationError):
        params = list(flatten_detail(exc.detail))
        message = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        return (params[0]["code"] if params else "invalid"), message
    return str(getattr(exc.detail, "code", None) or exc.default_code), str(exc.detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler for the bulk load's views: every error in its shape."""
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None
    code, message = _code_and_message(api_exc)
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header  # type: ignore[attr-defined]
    set_rollback()
    return Response(error_body(code, message), api_exc.status_code, headers=headers)
