"""Errors answered outside views take the shape registered for their path prefix."""

from __future__ import annotations

import json

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory

from docload.api import error_shapes
from docload.api.error_shapes import error_response, register_error_shape


def shape(name: str) -> error_shapes.ErrorRenderer:
    def render(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        return JsonResponse({"shape": name, "code": code, "message": message}, status=status)

    return render


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(error_shapes, "_renderers", {})
    register_error_shape("/api/", shape("api"))
    register_error_shape("/api/special/", shape("special"))


def answered(path: str, **extra: str) -> tuple[int, dict[str, str]]:
    response = error_response(RequestFactory().get(path, **extra), 413, "too_large", "Too big.")
    return response.status_code, json.loads(response.content)


def test_the_longest_registered_prefix_renders() -> None:
    assert answered("/api/things")[1]["shape"] == "api"
    assert answered("/api/special/things") == (
        413,
        {"shape": "special", "code": "too_large", "message": "Too big."},
    )


def test_other_paths_answer_in_problem_json() -> None:
    status, body = answered("/apix")
    assert status == body["status"] == 413
    assert (body["code"], body["detail"]) == ("too_large", "Too big.")


def test_prefixes_match_the_path_below_the_script_name() -> None:
    assert answered("/api/things", SCRIPT_NAME="/docload")[1]["shape"] == "api"
