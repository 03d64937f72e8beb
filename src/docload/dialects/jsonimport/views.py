"""The JSON import's endpoints: create a run, follow it, prepare, start, roll back, its log.

Errors are docload's problem+json; a run that is running answers 409 to what needs it ended.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from docload.api.errors import Conflict
from docload.api.pagination import PageNumberPagination
from docload.api.schema import Fout
from docload.auth.permissions import HasAllAuthorizations
from docload.dialects.jsonimport import runs
from docload.dialects.jsonimport import serializers as bodies
from docload.dialects.jsonimport.models import Run
from docload.imports.areas import StagingRefused
from docload.imports.errors import ImportProblem

_TAGS = ["json import"]
_RUNNING = ("import-running",)


class JsonImportView(APIView):
    permission_classes = [HasAllAuthorizations]
    error_schema = Fout
    error_codes: tuple[int, ...] = (400, 401, 403, 404)
    error_media_types = ["application/problem+json"]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ImportProblem | StagingRefused):
            if exc.code in _RUNNING:
                exc = Conflict(exc.message, code=exc.code)
            else:
                exc = exceptions.ValidationError(exc.message, code=exc.code)
        return super().handle_exception(exc)

    def run(self, run_id: uuid.UUID) -> Run:
        return get_object_or_404(Run, uuid=run_id)

    def shown(self, run: Run, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(runs.status_of(run), status=status_code)


class RunsView(JsonImportView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="jsonimport_list", responses={200: bodies.RunListSerializer}, tags=_TAGS
    )
    def get(self, request: Request) -> Response:
        """The runs, newest first, 100 a page."""
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(Run.objects.all(), request, view=self)
        return paginator.get_paginated_response([runs.status_of(run) for run in page or []])

    @extend_schema(
        operation_id="jsonimport_create",
        request={
            "multipart/form-data": bodies.CreateFromUploadsSerializer,
            "application/json": bodies.CreateFromDefinitionSerializer,
        },
        responses={201: bodies.RunSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        """A run of a manifest and its payloads: uploaded here (content from the import base
        directory), staged in an upload definition (with their content), or fetched from a
        `manifest_url` on the allowlist. Each payload's
        shape is checked now; nothing is imported until `start`."""
        user = str(request.user)
        if request.content_type.startswith("multipart/"):
            run = runs.create_from_uploads(
                request.FILES.get("manifest"), request.FILES.getlist("payload"), user
            )
        else:
            given = bodies.CreateFromDefinitionSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            if "manifest_url" in given.validated_data:
                run = runs.create_from_url(given.validated_data["manifest_url"], user)
            else:
                run = runs.create_from_definition(given.validated_data["upload_definition"], user)
        response = self.shown(run, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("jsonimport-run", args=[run.uuid])
        )
        return response


class RunView(JsonImportView):
    @extend_schema(
        operation_id="jsonimport_read", responses={200: bodies.RunSerializer}, tags=_TAGS
    )
    def get(self, request: Request, run_id: uuid.UUID) -> Response:
        """The run, with each payload's status and counts."""
        return self.shown(self.run(run_id))


class PrepareView(JsonImportView):
    error_codes = (400, 401, 403, 404, 409)

    @extend_schema(
        operation_id="jsonimport_prepare",
        request=None,
        responses={202: bodies.RunSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request, run_id: uuid.UUID) -> Response:
        """A dry run of the payloads, in order: every record checked as for real, nothing
        written; ends `Prepared` (or `Error`), the problems in the log."""
        run = self.run(run_id)
        runs.start_run(run, runs.PREPARE, {}, {})
        return self.shown(run, status.HTTP_202_ACCEPTED)


class StartView(JsonImportView):
    parser_classes = [JSONParser, MultiPartParser]
    error_codes = (400, 401, 403, 404, 409)

    @extend_schema(
        operation_id="jsonimport_start",
        request={"application/json": bodies.StartSerializer},
        responses={202: bodies.RunSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request, run_id: uuid.UUID) -> Response:
        """Import the payloads in order, from the first not done. JSON `payloads` sets a
        payload's `enabled` and `starting_batch`; as multipart, a part named like a payload
        replaces a payload that stopped, which then resumes from the batch that failed."""
        run = self.run(run_id)
        options: dict[str, Any] = {}
        if not request.content_type.startswith("multipart/"):
            given = bodies.StartSerializer(data=request.data or {})
            given.is_valid(raise_exception=True)
            options = given.validated_data.get("payloads", {})
        replaced = {name: request.FILES[name] for name in request.FILES}
        runs.start_run(run, runs.START, options, replaced)
        return self.shown(run, status.HTTP_202_ACCEPTED)


class RollbackView(JsonImportView):
    error_codes = (400, 401, 403, 404, 409)

    @extend_schema(
        operation_id="jsonimport_rollback",
        request=None,
        responses={200: bodies.RunSerializer, 202: bodies.RunSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request, run_id: uuid.UUID) -> Response:
        """Remove every record the run created, with its content, in the background (202; ends
        `RolledBack`). Again on a rolled-back run: 200, nothing changes. 409 while it runs."""
        run = self.run(run_id)
        asked = runs.roll_back_run(run)
        return self.shown(run, status.HTTP_202_ACCEPTED if asked else status.HTTP_200_OK)


class LogsView(JsonImportView):
    @extend_schema(
        operation_id="jsonimport_logs",
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        tags=_TAGS,
    )
    def get(self, request: Request, run_id: uuid.UUID) -> StreamingHttpResponse:
        """The log as CSV: `time, payload, batch, severity, code, message, key, value`."""
        run = self.run(run_id)
        response = StreamingHttpResponse(_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="json-import-{run.uuid}.csv"'
        return response


def _csv(run: Run) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for entry in chain([runs.LOG_COLUMNS], runs.log_entries(run)):
        writer.writerow(["" if value is None else value for value in entry])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
