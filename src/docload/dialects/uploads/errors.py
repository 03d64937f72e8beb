"""FOLIO's error shape: {"errors": [{message, type, code, parameters}], "total_records": n}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from docload.api.errors import as_api_exception, flatten_detail
from docload.imports.areas import StagingRefused


def folio_error(
    message: str, code: str, parameters: dict[str, str] | None = None
) -> dict[str, Any]:
    """One error entry; `parameters` become [{"key", "value"}]."""
    return {
        "message": message,
        "type": "error",
        "code": code,
        "parameters": [{"key": key, "value": value} for key, value in (parameters or {}).items()],
    }


def folio_error_response(
    request: HttpRequest, status_code: int, code: str, message: str
) -> JsonResponse:
    """A plain Django response of one FOLIO error, for code outside the DRF views."""
    return JsonResponse(
        {"errors": [folio_error(message, code)], "total_records": 1}, status=status_code
    )


class FolioErrors(exceptions.APIException):
    """A response of one or more FOLIO errors with the given HTTP status."""

    def __init__(self, status_code: int, errors: list[dict[str, Any]]) -> None:
        super().__init__()
        self.status_code = status_code
        self.errors = errors

    @classmethod
    def one(
        cls, status_code: int, message: str, code: str, parameters: dict[str, str] | None = None
    ) -> FolioErrors:
        return cls(status_code, [folio_error(message, code, parameters)])


def _errors_of(exc: exceptions.APIException) -> list[dict[str, Any]]:
    if isinstance(exc, FolioErrors):
        return exc.errors
    if isinstance(exc, exceptions.ValidationError):
        return [
            folio_error(param["reason"], param["code"], {param["name"]: ""})
            for param in flatten_detail(exc.detail)
        ]
    detail = exc.detail
    return [folio_error(str(detail), str(getattr(detail, "code", None) or exc.default_code))]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler for the /data-import/ views: every error in FOLIO's shape.

    A body that is not JSON, or does not validate, is malformed: 422.
    """
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None
    errors = _errors_of(api_exc)
    code = api_exc.status_code
    if isinstance(api_exc, exceptions.ParseError | exceptions.ValidationError):
        code = status.HTTP_422_UNPROCESSABLE_ENTITY
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header  # type: ignore[attr-defined]
    set_rollback()
    return Response({"errors": errors, "total_records": len(errors)}, code, headers=headers)


# The engine's refusal codes as FOLIO statuses and codes; the archive refusals keep their own.
_REFUSALS = {
    "area-not-found": (404, "not_found"),
    "file-not-found": (404, "not_found"),
    "import-started": (409, "processing-started"),
    "superseded": (409, "superseded"),
    "changed": (409, "changed"),
    "import-running": (400, "import-running"),
    "files-not-uploaded": (400, "files-not-uploaded"),
    "names-taken": (422, "unique"),
}
# FOLIO's own message keys for refused announcements; the file's name goes in `code`.
_ANNOUNCEMENT_KEYS = {
    "too-large": "upload.fileSize.invalid",
    "blocked": "validation.uploadDefinition.fileExtension.blocked",
}


def refusal_errors(refusal: StagingRefused, path: dict[str, Any]) -> FolioErrors:
    """The FOLIO response for a refusal of the staging service, ids taken from the `path`."""
    if refusal.causes:
        return FolioErrors(
            422,
            [folio_error(_ANNOUNCEMENT_KEYS[c.code], c.names[0]) for c in refusal.causes],
        )
    status_code, code = _REFUSALS.get(refusal.code, (422, refusal.code))
    message = refusal.message
    parameters = {}
    if refusal.code == "area-not-found":
        message = f"UploadDefinition with id '{path.get('definition_id')}' was not found"
    elif refusal.code == "file-not-found":
        message = f"FileDefinition with id '{path.get('file_id')}' was not found"
    elif refusal.code == "import-running":
        message = (
            f"Cannot delete uploadDefinition {path.get('definition_id')} - "
            "linked files are already being processed"
        )
    elif refusal.code == "names-taken":
        message = "File names must be unique in a definition."
        parameters = {"name": ", ".join(refusal.names)}
    elif refusal.names:
        shown = refusal.names[:20]
        more = " …" if len(refusal.names) > 20 else ""
        message = f"{message.rstrip('.')}: {', '.join(shown)}{more}."
    return FolioErrors.one(status_code, message, code, parameters)
