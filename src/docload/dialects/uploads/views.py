"""FOLIO's File Upload API over the engine's staging areas: definitions, uploads, processFiles.

An upload definition is a staging area of this dialect, a file definition one of its files.
Each view translates HTTP to engine calls; every error leaves in FOLIO's error shape.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from docload.api.params import flag
from docload.api.streaming import BodyInterrupted, body_chunks
from docload.auth.permissions import HasAllAuthorizations
from docload.dialects.uploads.cql import Query, QueryError, parse_query
from docload.dialects.uploads.errors import FolioErrors, exception_handler, refusal_errors
from docload.dialects.uploads.rules import extension_rules
from docload.dialects.uploads.serializers import (
    ErrorsSerializer,
    FileDefinitionListSerializer,
    FileDefinitionSerializer,
    FileExtensionsSerializer,
    NewFilesSerializer,
    ProcessFilesSerializer,
    UploadDefinitionListSerializer,
    UploadDefinitionSerializer,
)
from docload.imports import areas
from docload.imports.errors import ImportProblem
from docload.imports.models import StagingArea
from docload.imports.receiving import upload_file

DIALECT = "uploads"
_TAGS = ["data-import"]
_ERRORS = OpenApiResponse(ErrorsSerializer, description="FOLIO errors")
_MAX_INT32 = 2**31 - 1


def _uuid_match(field: str) -> Callable[[str], Q]:
    def match(value: str) -> Q:
        try:
            return Q(**{field: uuid.UUID(value)})
        except ValueError:
            return Q(pk__in=[])  # not an id, so nothing has it

    return match


def _status_match(value: str) -> Q:
    return Q(status=value)


_QUERY_FIELDS = {
    "id": _uuid_match("uuid"),
    "status": _status_match,
    "metaJobExecutionId": _uuid_match("job_uuid"),
}
_SORT_FIELDS = {
    "id": "uuid",
    "status": "status",
    "metaJobExecutionId": "job_uuid",
    "createDate": "created_on",
}
_FILE_QUERY_FIELDS = {
    "id": _uuid_match("uuid"),
    "name": lambda value: Q(name=value),
    "status": _status_match,
}
_FILE_SORT_FIELDS = {"id": "uuid", "name": "name", "status": "status", "createDate": "created_on"}


def _user_id(request: Request) -> str:
    """Who acts: the token's user, or else its client."""
    return getattr(request.user, "user_id", "") or getattr(request.user, "client_id", "")


def _page(request: Request, default_limit: int) -> slice:
    """The `offset` and `limit` parameters as a slice, or 422. Each fits FOLIO's int32."""
    bounds = []
    for name, default in (("offset", 0), ("limit", default_limit)):
        given = request.query_params.getlist(name)
        raw = given[0] if len(given) == 1 else "" if not given else "given twice"
        value = int(raw) if re.fullmatch("[0-9]{1,10}", raw) else -1 if raw else default
        if not 0 <= value <= _MAX_INT32:
            raise FolioErrors.one(
                422, f"{name} must be a whole number from 0 to {_MAX_INT32}", "invalid", {name: raw}
            )
        bounds.append(value)
    return slice(bounds[0], bounds[0] + bounds[1])


def _query(
    request: Request, fields: dict[str, Callable[[str], Q]], sort_fields: dict[str, str]
) -> Query:
    """The request's CQL `query` (all records when absent), or 422."""
    if len(request.query_params.getlist("query")) > 1:
        raise FolioErrors.one(422, "Give one query.", "invalid-query")
    text = request.query_params.get("query", "").strip()
    try:
        return parse_query(text or "cql.allRecords=1", fields, sort_fields)
    except QueryError as exc:
        raise FolioErrors.one(
            422, f"Invalid query: {exc}", "invalid-query", {"query": text}
        ) from exc


def _page_parameters(fields: str, limit: int) -> list[OpenApiParameter]:
    cql = f"CQL: `field==value`, `and`, `or`, parentheses, `sortBy`; fields {fields}."
    return [
        OpenApiParameter("query", str, description=cql),
        OpenApiParameter("offset", int, description="Default 0."),
        OpenApiParameter("limit", int, description=f"Default {limit}."),
    ]


def _responses(ok: int, body: Any, *errors: int) -> dict[int, Any]:
    return {ok: body, **{code: _ERRORS for code in errors}}


class UploadsView(APIView):
    permission_classes = [HasAllAuthorizations]
    error_schema = _ERRORS

    def get_exception_handler(self) -> Any:
        return exception_handler

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, areas.StagingRefused):
            exc = refusal_errors(exc, self.kwargs)
        elif isinstance(exc, ImportProblem):
            exc = FolioErrors.one(400, exc.message, exc.code)
        elif isinstance(exc, BodyInterrupted):
            exc = FolioErrors.one(
                400, str(exc), "upload-interrupted", {"fileId": str(self.kwargs.get("file_id"))}
            )
        return super().handle_exception(exc)

    def definition_data(self, area: StagingArea) -> Any:
        area.embedded_files = areas.first_files(area)  # type: ignore[attr-defined]
        return UploadDefinitionSerializer(area, context={"request": self.request}).data

    def definition_response(self, area: StagingArea, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.definition_data(area), status=code)

    def definition(self, definition_id: uuid.UUID) -> StagingArea:
        return areas.get_area(DIALECT, definition_id)


class UploadDefinitionsView(UploadsView):
    @extend_schema(
        parameters=_page_parameters("id, status, metaJobExecutionId", 10),
        responses=_responses(200, UploadDefinitionListSerializer, 422),
        operation_id="listUploadDefinitions",
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        """Upload definitions matching the query, a page at a time."""
        page = _page(request, 10)
        query = _query(request, _QUERY_FIELDS, _SORT_FIELDS)
        found = StagingArea.objects.filter(query.where, dialect=DIALECT)
        found = found.order_by(*query.order_by, "pk")
        definitions = [self.definition_data(area) for area in found[page]]
        return Response({"uploadDefinitions": definitions, "totalRecords": found.count()})

    @extend_schema(
        request=UploadDefinitionSerializer,
        responses=_responses(201, UploadDefinitionSerializer, 422),
        operation_id="createUploadDefinition",
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        """Announce the files to upload; each must then be uploaded to its own URL."""
        serializer = UploadDefinitionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        files = serializer.validated_data["embedded_files"]
        area = areas.create_area(DIALECT, _user_id(request), files)
        response = self.definition_response(area, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("upload-definition", kwargs={"definition_id": area.uuid})
        )
        return response


class UploadDefinitionView(UploadsView):
    @extend_schema(
        responses=_responses(200, UploadDefinitionSerializer, 404),
        operation_id="getUploadDefinition",
        tags=_TAGS,
    )
    def get(self, request: Request, definition_id: uuid.UUID) -> Response:
        """One upload definition with its first files."""
        return self.definition_response(self.definition(definition_id))

    @extend_schema(
        request=UploadDefinitionSerializer,
        responses=_responses(200, UploadDefinitionSerializer, 404, 422),
        operation_id="updateUploadDefinition",
        tags=_TAGS,
    )
    def put(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Replace the editable fields.

        Every top-level field is kept by the server and files change through their own
        endpoints, so this checks the body, records the change in `metadata` and returns it.
        """
        area = self.definition(definition_id)
        if not isinstance(request.data, dict) or not request.data:
            raise FolioErrors.one(422, "The body must be the definition, a JSON object.", "invalid")
        UploadDefinitionSerializer(data=request.data).is_valid(raise_exception=True)
        given = request.data.get("id")
        if given is not None and given != str(definition_id):
            raise FolioErrors.one(
                422, "The id in the body differs from the one in the path.", "invalid"
            )
        areas.touch(area, _user_id(request), status=area.status)
        return self.definition_response(area)

    @extend_schema(
        responses=_responses(204, None, 400, 404),
        operation_id="deleteUploadDefinition",
        tags=_TAGS,
    )
    def delete(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Delete the definition and its staged files; refused while its import runs."""
        areas.delete_area(DIALECT, definition_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FilesView(UploadsView):
    @extend_schema(
        parameters=_page_parameters("id, name, status, e.g. `status==UPLOADED`", 100),
        responses=_responses(200, FileDefinitionListSerializer, 404, 422),
        operation_id="listFileDefinitions",
        tags=_TAGS,
    )
    def get(self, request: Request, definition_id: uuid.UUID) -> Response:
        """A docload extension: the definition's files, a page at a time, in the order added."""
        area = self.definition(definition_id)
        query = _query(request, _FILE_QUERY_FIELDS, _FILE_SORT_FIELDS)
        page = _page(request, 100)
        files = areas.given_files(area).filter(query.where).order_by(*query.order_by, "pk")
        found = FileDefinitionSerializer(files[page], many=True).data  # type: ignore[arg-type]
        return Response({"fileDefinitions": found, "totalRecords": files.count()})

    @extend_schema(
        request=FileDefinitionSerializer,
        responses=_responses(201, UploadDefinitionSerializer, 404, 409, 422),
        operation_id="addFileDefinition",
        description='Add one file `{"name": …}` as FOLIO does, or many at once '
        '`{"fileDefinitions": [{"name": …}, …]}` (a docload extension).',
        tags=_TAGS,
    )
    def post(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Add files to the definition."""
        self.definition(definition_id)
        serializer = NewFilesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        files = serializer.validated_data["fileDefinitions"]
        area = areas.add_files(DIALECT, definition_id, _user_id(request), files)
        return self.definition_response(area, status.HTTP_201_CREATED)


class FileView(UploadsView):
    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses=_responses(200, UploadDefinitionSerializer, 400, 404, 409, 411, 413, 422),
        operation_id="uploadFile",
        tags=_TAGS,
    )
    def post(self, request: Request, definition_id: uuid.UUID, file_id: uuid.UUID) -> Response:
        """Upload the file's bytes, streamed to staging. Uploading again replaces them.

        A docload extension: a file named `….zip`, `….tar`, `….tar.gz` or `….tgz` is a content
        archive. Its members are unpacked into the definition as it arrives, each named by its
        path inside the archive (`docs/a.pdf`), the name `bestandspad` gives; the archive's own
        bytes are not kept. A bad archive is refused with 422 and leaves nothing staged.
        """
        if "CONTENT_LENGTH" not in request.META:
            raise FolioErrors.one(
                411, "Send the file with a Content-Length header.", "length-required"
            )
        area = upload_file(DIALECT, definition_id, file_id, body_chunks(request), _user_id(request))
        return self.definition_response(area)

    @extend_schema(
        responses=_responses(204, None, 404, 409),
        operation_id="deleteFileDefinition",
        tags=_TAGS,
    )
    def delete(self, request: Request, definition_id: uuid.UUID, file_id: uuid.UUID) -> Response:
        """Remove the file and its staged bytes from the definition."""
        areas.delete_file(DIALECT, definition_id, file_id, _user_id(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProcessFilesView(UploadsView):
    @extend_schema(
        request=ProcessFilesSerializer,
        responses=_responses(204, None, 400, 404, 409, 422),
        operation_id="processFiles",
        tags=_TAGS,
        parameters=[
            OpenApiParameter(
                "dryRun",
                bool,
                description="A docload extension: a dry run of the import (every row and file "
                "checked, nothing stored but the report); the files stay as they are, so the "
                "real import may follow.",
            )
        ],
    )
    def post(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Start the import of the staged files; its uuid becomes `metaJobExecutionId`.

        The definition's one metadata file (.csv) names the content files by their names in
        `bestandspad`. The import runs in the background: follow it through the Import API.
        """
        self.definition(definition_id)
        serializer = ProcessFilesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["uploadDefinition"]["id"] != definition_id:
            raise FolioErrors.one(
                422, "uploadDefinition.id differs from the one in the path.", "invalid"
            )
        dry_run = flag(request, "dryRun")
        areas.start_import(DIALECT, definition_id, _user_id(request), dry_run=dry_run)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileExtensionsView(UploadsView):
    @extend_schema(
        responses={200: FileExtensionsSerializer}, operation_id="listFileExtensions", tags=_TAGS
    )
    def get(self, request: Request) -> Response:
        """The extension rules: metadata formats that can be processed, and blocked extensions.

        Any other extension is accepted as a content file.
        """
        rules = extension_rules()
        return Response({"fileExtensions": rules, "totalRecords": len(rules)})
