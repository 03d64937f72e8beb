"""The Open Zaak import API: create, upload, status, report, delete.

Each view translates HTTP to engine calls and engine errors (ImportProblem) to ZGW problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from docload.api.errors import Conflict
from docload.api.params import flag
from docload.api.schema import Fout
from docload.api.streaming import BodyInterrupted, body_chunks
from docload.auth.permissions import HasAllAuthorizations
from docload.imports.content import check_base_dir
from docload.imports.errors import ImportProblem
from docload.imports.jobs import create_job, delete_job, job_status, store_csv_source
from docload.imports.models import OPEN_STATUSES, Job, JobStatus
from docload.imports.report import stream_report
from docload.imports.runner import source_for
from docload.imports.scheduling import resume_job, roll_back_job, start_job
from docload.imports.sources.csv import TextCheck

DIALECT = "openzaak"


def problem(exc: ImportProblem) -> serializers.ValidationError:
    """Open Zaak puts import errors under invalidParams with name `__all__`."""
    return serializers.ValidationError({"__all__": [ErrorDetail(exc.message, code=exc.code)]})


class ImportView(APIView):
    permission_classes = [HasAllAuthorizations]
    error_schema = Fout
    error_codes: tuple[int, ...] = (400, 401, 403)  # 400: the state does not allow it
    error_media_types = ["application/problem+json"]

    def job(self, uuid: Any) -> Job:
        return get_object_or_404(Job, uuid=uuid)

    def change(self, uuid: Any, operation: Callable[[Job], None]) -> Job:
        """Apply an engine operation to the job in one transaction; its problems become 400s."""
        job = self.job(uuid)
        try:
            with transaction.atomic():
                operation(job)
        except ImportProblem as exc:
            raise problem(exc) from exc
        return job


class CreateView(ImportView):
    @extend_schema(
        operation_id="import_create",
        request=None,
        responses={
            201: inline_serializer(
                "ImportCreate",
                {
                    "uploadUrl": serializers.URLField(),
                    "statusUrl": serializers.URLField(),
                    "reportUrl": serializers.URLField(),
                },
            )
        },
        tags=["import"],
    )
    def post(self, request: Request) -> Response:
        """Create a pending import; only one may be pending or active at a time."""
        try:
            job = create_job(DIALECT)
        except ImportProblem as exc:
            raise problem(exc) from exc
        urls = {
            key: request.build_absolute_uri(reverse(f"import-{name}", kwargs={"uuid": job.uuid}))
            for key, name in (
                ("uploadUrl", "upload"),
                ("statusUrl", "status"),
                ("reportUrl", "report"),
            )
        }
        return Response(urls, status=status.HTTP_201_CREATED)


def _csv_chunks(request: Request, check: TextCheck) -> Iterator[bytes]:
    """The request body in chunks, checked as text (UTF-8, or UTF-16 with a BOM) as it streams."""
    try:
        for chunk in body_chunks(request):
            check.feed(chunk)
            yield chunk
    except BodyInterrupted as exc:
        raise ImportProblem(
            "parse_error", "The upload was interrupted before the whole file arrived."
        ) from exc
    check.feed(b"", final=True)


class UploadView(ImportView):
    @extend_schema(
        operation_id="import_upload",
        request={"text/csv": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                "dryRun",
                bool,
                description="A docload extension: check every row as for real (values, "
                "uniqueness, content and its digests) and store nothing but the report; the "
                "report says `Importeerbaar` for the rows a real import would import.",
            )
        ],
        responses={200: OpenApiResponse(description="The import started.")},
        tags=["import"],
    )
    def post(self, request: Request, uuid: Any) -> Response:
        """Upload the metadata CSV and start the import (or, with `dryRun=true`, a dry run)."""
        job = self.job(uuid)
        dry_run = flag(request, "dryRun")
        if job.dialect != DIALECT:
            raise exceptions.NotFound()
        try:
            self._check_can_start(request, job)
            key = store_csv_source(job, _csv_chunks(request, TextCheck()))
            try:
                with transaction.atomic():
                    start_job(
                        job,
                        key,
                        {"kind": "base_dir", "path": str(settings.IMPORT_DOCUMENTEN_BASE_DIR)},
                        dry_run=dry_run,
                    )
            except BaseException:
                storages["default"].delete(key)
                raise
        except ImportProblem as exc:
            raise problem(exc) from exc
        return Response(status=status.HTTP_200_OK)

    def _check_can_start(self, request: Request, job: Job) -> None:
        """The spec's checks, in its order; the first failure wins."""
        if (
            Job.objects.filter(dialect=DIALECT, status__in=OPEN_STATUSES)
            .exclude(pk=job.pk)
            .exists()
        ):
            raise ImportProblem(
                "existing-import-started", "Another import is already pending or running."
            )
        check_base_dir(settings.IMPORT_DOCUMENTEN_BASE_DIR)
        if job.status != JobStatus.PENDING:
            raise ImportProblem("invalid-status", f"The import is {job.status}, not pending.")
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != "text/csv":
            raise exceptions.UnsupportedMediaType(media_type or "(none)")


_STATUS = inline_serializer(
    "ImportStatus",
    {
        "total": serializers.IntegerField(),
        "processed": serializers.IntegerField(),
        "processedSuccessfully": serializers.IntegerField(),
        "processedInvalid": serializers.IntegerField(),
        "status": serializers.ChoiceField(choices=JobStatus.choices),
        "createdOn": serializers.DateTimeField(),
        "startedOn": serializers.DateTimeField(allow_null=True),
        "finishedOn": serializers.DateTimeField(allow_null=True),
        "rowsPerSecond": serializers.FloatField(allow_null=True),
        "etaSeconds": serializers.FloatField(
            allow_null=True, help_text="null when unknown, or when the import is stalled"
        ),
        "stalled": serializers.BooleanField(
            help_text="A docload extension: `active`, but no worker holds it (its worker died "
            "or none runs); `resume` takes it over."
        ),
        "comment": serializers.CharField(),
        "dryRun": serializers.BooleanField(
            help_text="A docload extension: the import is a dry run (`upload?dryRun=true`)."
        ),
        "rollback": serializers.ChoiceField(
            choices=["rolling_back", "rolled_back"],
            allow_null=True,
            help_text="A docload extension: null, or how far `rollback` has come.",
        ),
        "rolledBackOn": serializers.DateTimeField(allow_null=True),
    },
)


class StatusView(ImportView):
    @extend_schema(operation_id="import_status", responses={200: _STATUS}, tags=["import"])
    def get(self, request: Request, uuid: Any) -> Response:
        """Counters, times, rate and ETA of an import."""
        return Response(job_status(self.job(uuid)))


class ReportView(ImportView):
    @extend_schema(
        operation_id="import_report",
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        tags=["import"],
    )
    def get(self, request: Request, uuid: Any) -> StreamingHttpResponse:
        """The per-row report, once the import finished or stopped."""
        job = self.job(uuid)
        if job.status not in (JobStatus.FINISHED, JobStatus.ERROR):
            raise exceptions.NotFound("The report is available once the import has finished.")
        lines = (line.encode("utf-8") for line in stream_report(job, source_for(job)))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="report-{job.uuid}.csv"'
        return response


class DeleteView(ImportView):
    @extend_schema(operation_id="import_delete", responses={204: None}, tags=["import"])
    def delete(self, request: Request, uuid: Any) -> Response:
        """Delete the import, its CSV and report; never the imported documents."""
        self.change(uuid, delete_job)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResumeView(ImportView):
    @extend_schema(
        operation_id="import_resume", request=None, responses={200: _STATUS}, tags=["import"]
    )
    def post(self, request: Request, uuid: Any) -> Response:
        """Continue an import after its last committed batch: one that stopped with `error`,
        or a stalled one (`stalled`: its worker died), which another worker then takes over."""
        job = self.change(uuid, resume_job)
        job.refresh_from_db()
        return Response(job_status(job))


class RollbackView(ImportView):
    error_codes = (400, 401, 403, 409)

    @extend_schema(
        operation_id="import_rollback",
        request=None,
        responses={200: _STATUS, 202: _STATUS},
        tags=["import"],
    )
    def post(self, request: Request, uuid: Any) -> Response:
        """A docload extension: remove every document the import created, with its content,
        in the background (202; `rollback` in the status says how far it has come). Again on
        a rolled-back import: 200, nothing changes. 409 while the import is pending or running.
        """
        job = self.job(uuid)
        try:
            asked = roll_back_job(job)
        except ImportProblem as exc:
            raise Conflict(exc.message, code=exc.code) from exc
        job.refresh_from_db()
        return Response(job_status(job), status=202 if asked else 200)
