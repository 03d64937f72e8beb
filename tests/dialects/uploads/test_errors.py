"""Every error of the /data-import/ views in FOLIO's shape."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions

from docload.dialects.uploads.errors import FolioErrors, exception_handler


def handled(exc: Exception) -> tuple[int, dict[str, Any]]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, dict(response.data)


def test_folio_errors_keep_their_status_and_entries() -> None:
    status, body = handled(FolioErrors.one(409, "Busy.", "busy", {"fileId": "f"}))
    assert status == 409
    assert body == {
        "errors": [
            {
                "message": "Busy.",
                "type": "error",
                "code": "busy",
                "parameters": [{"key": "fileId", "value": "f"}],
            }
        ],
        "total_records": 1,
    }


def test_validation_errors_are_422_one_entry_per_field() -> None:
    exc = exceptions.ValidationError(
        {"fileDefinitions": [{"name": [exceptions.ErrorDetail("Required.", code="required")]}]}
    )
    status, body = handled(exc)
    assert status == 422
    assert body["errors"] == [
        {
            "message": "Required.",
            "type": "error",
            "code": "required",
            "parameters": [{"key": "fileDefinitions.name", "value": ""}],
        }
    ]


def test_unparseable_bodies_are_422() -> None:
    assert handled(exceptions.ParseError())[0] == 422


def test_other_api_errors_keep_status_code_and_message() -> None:
    status, body = handled(exceptions.NotAuthenticated())
    assert status == 401
    assert [(e["code"], e["message"]) for e in body["errors"]] == [
        ("not_authenticated", "Authentication credentials were not provided.")
    ]
    assert handled(Http404())[0] == 404


def test_unexpected_errors_are_left_to_django() -> None:
    assert exception_handler(RuntimeError("boom"), {}) is None
