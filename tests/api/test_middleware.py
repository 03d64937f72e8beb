"""Request ids, logged 500s, and bodies refused before they are read."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
DOCUMENTS = "/documenten/api/v1/enkelvoudiginformatieobjecten"


def test_every_response_has_a_request_id(api: APIClient) -> None:
    first, second = api.get(DOCUMENTS), api.get(DOCUMENTS)
    assert len(first["X-Request-Id"]) == 32 and first["X-Request-Id"] != second["X-Request-Id"]
    assert api.get(DOCUMENTS, HTTP_X_REQUEST_ID="trace-7")["X-Request-Id"] == "trace-7"
    replaced = api.get(DOCUMENTS, HTTP_X_REQUEST_ID="bad id\r\nX-Evil: 1")["X-Request-Id"]
    assert len(replaced) == 32 and "evil" not in replaced.lower()


def test_an_unhandled_exception_is_logged_with_its_traceback_and_request_id(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("docload.dialects.uploads.views.extension_rules", fail)
    api.raise_request_exception = False
    [console] = logging.getLogger("django.request").handlers  # what the settings configure
    assert isinstance(console, logging.StreamHandler)
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        response = api.get("/data-import/fileExtensions", HTTP_X_REQUEST_ID="req-500")
    finally:
        console.setStream(previous)
    assert response.status_code == 500
    log = written.getvalue()
    assert (
        "ERROR django.request [req-500] Internal Server Error: /data-import/fileExtensions" in log
    )
    assert "Traceback" in log and "RuntimeError: a bug" in log


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        (DOCUMENTS, "problem"),
        ("/documenten/api/v1/import/create", "problem"),
        ("/data-import/uploadDefinitions", "folio"),
    ],
)
def test_a_body_without_a_length_is_411_not_read_as_empty(
    api: APIClient, path: str, shape: str
) -> None:
    response = api.generic("POST", path, b"", "application/json", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411 and response["Connection"] == "close"
    body = response.json()
    if shape == "problem":
        assert response["Content-Type"] == "application/problem+json"
        assert body["code"] == "length_required"
    else:
        assert body["errors"][0]["code"] == "length_required"


def test_a_json_body_over_the_default_limit_is_413_before_it_is_read(api: APIClient) -> None:
    response = api.generic(
        "POST", DOCUMENTS, b"", "application/json", CONTENT_LENGTH=str(100 * 1024**2 + 1)
    )
    assert response.status_code == 413  # nothing was sent: it was never read
    assert response.json()["code"] == "request_too_large"


def test_zgw_responses_carry_their_api_version(api: APIClient) -> None:
    assert api.get(DOCUMENTS)["API-version"] == "1.4.3"
    assert api.get(DOCUMENTS + "/00000000-0000-4000-8000-000000000000")["API-version"] == "1.4.3"
    assert api.get("/catalogi/api/v1/informatieobjecttypen")["API-version"] == "1.2.1"
    assert "API-version" not in api.get("/data-import/fileExtensions")
