"""The bulk load's HTTP API: upload files, start a load, follow it as a transaction.

Each view translates HTTP to engine calls (through `loads`) and engine refusals to this
dialect's error shape.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from docload.auth.permissions import HasAllAuthorizations
from docload.dialects.bulkload import loads, transactions
from docload.dialects.bulkload import serializers as bodies
from docload.dialects.bulkload.errors import BulkLoadError, ErrorSerializer, exception_handler
from docload.dialects.bulkload.models import Load
from docload.imports.areas import StagingRefused
from docload.imports.errors import ImportProblem
from docload.imports.models import Job
from docload.imports.scheduling import roll_back_job

_PAGE = 100
_MAX_PAGE = 1000
_TAGS = ["bulk load"]
# {"<transaction id>": {status, href, description}, ...}
_POLL = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in ("status", "href", "description")},
        "required": ["status", "href", "description"],
    },
}


def _page(request: Request, default: int = _PAGE) -> tuple[int, int]:
    """`limit` (at most 1000) and `offset` of the request, or 400."""
    try:
        limit = int(request.query_params.get("limit", default))
        offset = int(request.query_params.get("offset", 0))
    except ValueError:
        raise BulkLoadError(400, "invalid-page", "limit and offset are whole numbers.") from None
    if limit < 0 or offset < 0:
        raise BulkLoadError(400, "invalid-page", "limit and offset cannot be negative.")
    return min(limit, _MAX_PAGE), offset


_PAGING = [
    OpenApiParameter("limit", int, description=f"Default {_PAGE}, at most {_MAX_PAGE}."),
    OpenApiParameter("offset", int, description="Default 0."),
]


class BulkLoadView(APIView):
    permission_classes = [HasAllAuthorizations]
    error_schema = ErrorSerializer
    error_codes: tuple[int, ...] = (400, 401, 403, 404)  # 404: unknown transaction or file

    def get_exception_handler(self) -> Any:
        return exception_handler

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ImportProblem | StagingRefused):
            exc = BulkLoadError(400, exc.code, exc.message)
        return super().handle_exception(exc)

    def load(self, transaction_id: uuid.UUID) -> tuple[Job, Load]:
        load = Load.objects.filter(job_uuid=transaction_id).first()
        job = Job.objects.filter(uuid=transaction_id).first()
        if load is None or job is None:
            raise BulkLoadError(404, "not-found", f"No transaction has the id {transaction_id}.")
        return job, load


class UploadFilesView(BulkLoadView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="bulkload_upload_files",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "uploadedfile": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                    }
                },
            }
        },
        parameters=[OpenApiParameter("hierarchy", str, description="kept with the files")],
        responses={202: bodies.UploadedFilesSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        files = request.FILES.getlist("uploadedfile")
        if not files:
            raise BulkLoadError(400, "no-file", "Send one or more parts named uploadedfile.")
        staged = loads.receive_uploads(
            files, request.query_params.get("hierarchy", ""), str(request.user)
        )
        body = {"uploadedfiles": [{"id": str(f.uuid), "name": f.name} for f in staged]}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class StartView(BulkLoadView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="bulkload_start",
        parameters=[
            OpenApiParameter("method", str, required=True, enum=["bulkload_spreadsheet"]),
            OpenApiParameter("nowait", str, description="Loads never block: always true."),
            OpenApiParameter("format", str, description="Always json."),
        ],
        request=bodies.BulkLoadRequestSerializer,
        responses={200: bodies.StartedSerializer},
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        method = request.query_params.get("method", "")
        if method != "bulkload_spreadsheet":
            raise BulkLoadError(400, "invalid-method", f"Unknown method {method!r}.")
        given = bodies.BulkLoadRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        run_after = offset = None
        if not data["execute_immediately"]:
            run_after = loads.execute_at(
                data["execute_date"], data["execute_time"], data["execute_timezone"],
                timezone.now(),
            )  # fmt: skip
            offset = int(data["execute_timezone"])
        workbook = loads.find_workbook(data["bulkload_file"])
        job, _ = loads.start_load(workbook, run_after, offset)
        body = {"href": transactions.href(job), "success": True, "transaction_id": str(job.uuid)}
        return Response(body)


class TransactionsView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_transaction_list",
        parameters=_PAGING,
        responses={200: bodies.TransactionListSerializer},
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        limit, offset = _page(request)
        page = list(Load.objects.all()[offset : offset + limit])
        jobs = Job.objects.in_bulk([load.job_uuid for load in page], field_name="uuid")
        listed = [transactions.summary(jobs[x.job_uuid], x) for x in page if x.job_uuid in jobs]
        return Response({"count": Load.objects.count(), "transactions": listed})


class TransactionView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_transaction_read",
        parameters=_PAGING,
        responses={200: bodies.TransactionSerializer},
        tags=_TAGS,
    )
    def get(self, request: Request, transaction_id: uuid.UUID) -> Response:
        limit, offset = _page(request)
        job, load = self.load(transaction_id)
        return Response(transactions.full(job, load, limit, offset))


class TransactionPollView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_transaction_poll",
        responses={200: _POLL},
        tags=_TAGS,
    )
    def get(self, request: Request, transaction_id: uuid.UUID) -> Response:
        job, load = self.load(transaction_id)
        return Response({str(job.uuid): transactions.short(job, load)})


class PollView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_transactions_poll",
        parameters=[
            OpenApiParameter("transactions", str, required=True, description="ids, by commas")
        ],
        responses={200: _POLL},
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        given = [t.strip() for t in request.query_params.get("transactions", "").split(",")]
        ids = [t for t in given if t]
        if not ids:
            raise BulkLoadError(400, "no-transactions", "Give transactions=<id>[,<id>...].")
        answer = {}
        for text in ids[:_MAX_PAGE]:
            try:
                job, load = self.load(uuid.UUID(text))
            except ValueError:
                raise BulkLoadError(
                    404, "not-found", f"No transaction has the id {text}."
                ) from None
            answer[text] = transactions.short(job, load)
        return Response(answer)


class CancelView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_transaction_cancel",
        request=None,
        responses={200: bodies.PollEntrySerializer},
        tags=_TAGS,
    )
    def post(self, request: Request, transaction_id: uuid.UUID) -> Response:
        job, load = self.load(transaction_id)
        loads.cancel_load(job, load)
        return Response(transactions.short(job, load))


class RollbackView(BulkLoadView):
    error_codes = (400, 401, 403, 404, 409)

    @extend_schema(
        operation_id="bulkload_transaction_rollback",
        request=None,
        responses={200: bodies.PollEntrySerializer, 202: bodies.PollEntrySerializer},
        tags=_TAGS,
    )
    def post(self, request: Request, transaction_id: uuid.UUID) -> Response:
        """A docload extension: remove every record the load created (types, documents with
        their content, links) in the background (202; the transaction's `rolled_back` becomes
        "Yes"). Again on a rolled-back load: 200, nothing changes. 409 while it runs."""
        job, load = self.load(transaction_id)
        try:
            asked = roll_back_job(job)
        except ImportProblem as exc:
            raise BulkLoadError(409, exc.code, exc.message) from exc
        job.refresh_from_db()
        return Response(transactions.short(job, load), status=202 if asked else 200)


class ScheduleView(BulkLoadView):
    @extend_schema(
        operation_id="bulkload_schedule_list",
        parameters=_PAGING,
        responses={200: bodies.ScheduleListSerializer},
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        limit, offset = _page(request)
        scheduled = Load.objects.exclude(execute_at=None)
        page = list(scheduled[offset : offset + limit])
        jobs = Job.objects.in_bulk([load.job_uuid for load in page], field_name="uuid")
        listed = [
            {
                "pkid": str(load.job_uuid),
                "name": load.name,
                "execution_time": load.execute_at,
                "execute_timezone": load.execute_timezone,
                "state": transactions.status_of(jobs[load.job_uuid], load),
                "transaction": transactions.href(jobs[load.job_uuid]),
            }
            for load in page
            if load.job_uuid in jobs
        ]
        return Response({"count": scheduled.count(), "schedules": listed})
