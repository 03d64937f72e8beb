"""FOLIO's File Upload API over the import engine: definitions, staged uploads, processFiles.

Each view translates HTTP to model and engine calls; every error leaves in FOLIO's error shape.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from docload.api.streaming import BodyInterrupted, body_chunks
from docload.auth.permissions import HasAllAuthorizations
from docload.dialects.uploads.cql import Query, QueryError, parse_query
from docload.dialects.uploads.errors import (
    FolioErrors,
    exception_handler,
    folio_error,
)
from docload.dialects.uploads.models import (
    DefinitionStatus,
    FileDefinition,
    FileStatus,
    UploadDefinition,
    embed_files,
)
from docload.dialects.uploads.rules import (
    MANIFEST_NAME,
    METADATA_EXTENSIONS,
    SUPPORTED_METADATA,
    extension_rules,
    is_blocked,
    metadata_format,
)
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
from docload.documents.storage import content_storage, iter_chunks
from docload.imports.content import StagedFilesResolver
from docload.imports.errors import ContentError, ImportProblem
from docload.imports.jobs import create_job, store_csv_source
from docload.imports.models import Job
from docload.imports.scheduling import start_job
from docload.imports.staging import delete_staged_file, free_staging_bytes, receive_file

DIALECT = "uploads"
_TAGS = ["data-import"]
_ERRORS = OpenApiResponse(ErrorsSerializer, description="FOLIO errors")


def _uuid_match(field: str) -> Callable[[str], Q]:
    def match(value: str) -> Q:
        try:
            return Q(**{field: uuid.UUID(value)})
        except ValueError:
            return Q(pk__in=[])  # not an id, so no definition has it

    return match


_QUERY_FIELDS = {
    "id": _uuid_match("uuid"),
    "status": lambda value: Q(status=value),
    "metaJobExecutionId": _uuid_match("meta_job_execution_id"),
}
_FILE_QUERY_FIELDS = {
    "id": _uuid_match("uuid"),
    "name": lambda value: Q(name=value),
    "status": lambda value: Q(status=value),
}
_FILE_SORT_FIELDS = {"id": "uuid", "name": "name", "status": "status", "createDate": "create_date"}
_SORT_FIELDS = {
    "id": "uuid",
    "status": "status",
    "metaJobExecutionId": "meta_job_execution_id",
    "createDate": "create_date",
}


def _user_id(request: Request) -> str:
    """Who acts: the token's user, or else its client."""
    return getattr(request.user, "user_id", "") or getattr(request.user, "client_id", "")


def _not_found(kind: str, object_id: Any) -> FolioErrors:
    return FolioErrors.one(404, f"{kind} with id '{object_id}' was not found", "not_found")


def _refuse_after_processing(definition: UploadDefinition) -> None:
    if definition.status == DefinitionStatus.COMPLETED:
        raise FolioErrors.one(
            409,
            "Processing of this upload definition started; its files can no longer change.",
            "processing-started",
        )


def _check_new_files(files: list[dict[str, Any]]) -> None:
    """FOLIO's checks on announced files: declared sizes fit in free space; none is blocked."""
    errors = []
    free = free_staging_bytes()
    declared = 0
    for file in files:
        if file.get("size") is not None and free is not None:
            declared += file["size"] * 1024
            if declared >= free:
                errors.append(folio_error("upload.fileSize.invalid", file["name"]))
        if is_blocked(file["name"]):
            errors.append(
                folio_error("validation.uploadDefinition.fileExtension.blocked", file["name"])
            )
    if errors:
        raise FolioErrors(422, errors)


def _page_parameter(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = -1
    if value < 0:
        raise FolioErrors.one(
            422, f"{name} must be a whole number of 0 or more", "invalid", {name: raw}
        )
    return value


def _query(
    request: Request, fields: dict[str, Callable[[str], Q]], sort_fields: dict[str, str]
) -> Query:
    """The request's CQL `query` (all records when absent), or 422."""
    text = request.query_params.get("query", "").strip()
    try:
        return parse_query(text or "cql.allRecords=1", fields, sort_fields)
    except QueryError as exc:
        raise FolioErrors.one(
            422, f"Invalid query: {exc}", "invalid-query", {"query": text}
        ) from exc


class UploadsView(APIView):
    permission_classes = [HasAllAuthorizations]

    def get_exception_handler(self) -> Any:
        return exception_handler

    def definition(self, definition_id: uuid.UUID, lock: bool = False) -> UploadDefinition:
        """The definition, locked for this transaction when `lock`; else 404."""
        definitions = (
            UploadDefinition.objects.select_for_update() if lock else UploadDefinition.objects
        )
        definition = definitions.filter(uuid=definition_id).first()
        if definition is None:
            raise _not_found("UploadDefinition", definition_id)
        return definition

    def file(self, definition: UploadDefinition, file_id: uuid.UUID) -> FileDefinition:
        file = definition.files.filter(uuid=file_id).first()
        if file is None:
            raise _not_found("FileDefinition", file_id)
        return file

    def definition_response(
        self, definition: UploadDefinition, code: int = status.HTTP_200_OK
    ) -> Response:
        embed_files([definition])
        serializer = UploadDefinitionSerializer(definition, context={"request": self.request})
        return Response(serializer.data, status=code)


class UploadDefinitionsView(UploadsView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "query",
                str,
                description="CQL: `field==value`, `and`, `or`, parentheses, `sortBy`; fields "
                "id, status, metaJobExecutionId.",
            ),
            OpenApiParameter("offset", int, description="Default 0."),
            OpenApiParameter("limit", int, description="Default 10."),
        ],
        responses={200: UploadDefinitionListSerializer, 422: _ERRORS},
        operation_id="listUploadDefinitions",
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        """Upload definitions matching the query, a page at a time."""
        offset = _page_parameter(request, "offset", 0)
        limit = _page_parameter(request, "limit", 10)
        query = _query(request, _QUERY_FIELDS, _SORT_FIELDS)
        definitions = UploadDefinition.objects.filter(query.where).order_by(*query.order_by, "pk")
        page = list(definitions[offset : offset + limit])
        embed_files(page)
        found = [
            UploadDefinitionSerializer(definition, context={"request": request}).data
            for definition in page
        ]
        return Response({"uploadDefinitions": found, "totalRecords": definitions.count()})

    @extend_schema(
        request=UploadDefinitionSerializer,
        responses={201: UploadDefinitionSerializer, 422: _ERRORS},
        operation_id="createUploadDefinition",
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        """Announce the files to upload; each must then be uploaded to its own URL."""
        serializer = UploadDefinitionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        files = serializer.validated_data["embedded_files"]
        _check_new_files(files)
        user_id = _user_id(request)
        now = timezone.now()
        with transaction.atomic():
            definition = UploadDefinition.objects.create(
                create_date=now,
                created_by_user_id=user_id,
                updated_date=now,
                updated_by_user_id=user_id,
            )
            FileDefinition.objects.bulk_create(
                FileDefinition(upload_definition=definition, create_date=now, **file)
                for file in files
            )
        response = self.definition_response(definition, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("upload-definition", kwargs={"definition_id": definition.uuid})
        )
        return response


class UploadDefinitionView(UploadsView):
    @extend_schema(
        responses={200: UploadDefinitionSerializer, 404: _ERRORS},
        operation_id="getUploadDefinition",
        tags=_TAGS,
    )
    def get(self, request: Request, definition_id: uuid.UUID) -> Response:
        """One upload definition with its files."""
        return self.definition_response(self.definition(definition_id))

    @extend_schema(
        request=UploadDefinitionSerializer,
        responses={200: UploadDefinitionSerializer, 404: _ERRORS, 422: _ERRORS},
        operation_id="updateUploadDefinition",
        tags=_TAGS,
    )
    def put(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Replace the editable fields.

        Every top-level field is kept by the server and files change through their own
        endpoints, so this checks the body, records the change in `metadata` and returns it.
        """
        if not isinstance(request.data, dict):
            raise FolioErrors.one(422, "The body must be a JSON object.", "invalid")
        given = request.data.get("id")
        if given is not None and given != str(definition_id):
            raise FolioErrors.one(
                422, "The id in the body differs from the one in the path.", "invalid"
            )
        with transaction.atomic():
            definition = self.definition(definition_id, lock=True)
            definition.save_change(_user_id(request), status=definition.status)
        return self.definition_response(definition)

    @extend_schema(
        responses={204: None, 400: _ERRORS, 404: _ERRORS},
        operation_id="deleteUploadDefinition",
        tags=_TAGS,
    )
    def delete(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Delete the definition and its staged files; refused while its import runs."""
        with transaction.atomic():
            definition = self.definition(definition_id, lock=True)
            if definition.import_is_running():
                raise FolioErrors.one(
                    400,
                    f"Cannot delete uploadDefinition {definition_id} - "
                    "linked files are already being processed",
                    "import-running",
                )
            definition.delete_with_files()
        return Response(status=status.HTTP_204_NO_CONTENT)


class FilesView(UploadsView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "query", str, description="CQL on id, name, status, e.g. `status==UPLOADED`."
            ),
            OpenApiParameter("offset", int, description="Default 0."),
            OpenApiParameter("limit", int, description="Default 100."),
        ],
        responses={200: FileDefinitionListSerializer, 404: _ERRORS, 422: _ERRORS},
        operation_id="listFileDefinitions",
        tags=_TAGS,
    )
    def get(self, request: Request, definition_id: uuid.UUID) -> Response:
        """A docload extension: the definition's files, a page at a time, in the order added."""
        definition = self.definition(definition_id)
        query = _query(request, _FILE_QUERY_FIELDS, _FILE_SORT_FIELDS)
        offset, limit = (
            _page_parameter(request, "offset", 0),
            _page_parameter(request, "limit", 100),
        )
        files = definition.files.filter(query.where).order_by(*query.order_by, "pk")
        page = files.with_bytes().select_related("upload_definition")[offset : offset + limit]
        found = FileDefinitionSerializer(page, many=True).data  # type: ignore[arg-type]
        return Response({"fileDefinitions": found, "totalRecords": files.count()})

    @extend_schema(
        request=FileDefinitionSerializer,
        responses={201: UploadDefinitionSerializer, 404: _ERRORS, 409: _ERRORS, 422: _ERRORS},
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
        _check_new_files(files)
        now = timezone.now()
        try:
            with transaction.atomic():
                definition = self.definition(definition_id, lock=True)
                _refuse_after_processing(definition)
                FileDefinition.objects.bulk_create(
                    (
                        FileDefinition(upload_definition=definition, create_date=now, **file)
                        for file in files
                    ),
                    batch_size=1000,
                )
                definition.save_change(_user_id(request))
        except IntegrityError:
            taken = _names_taken(definition, [file["name"] for file in files])
            raise FolioErrors.one(
                422,
                "File names must be unique in a definition.",
                "unique",
                {"name": ", ".join(taken)},
            ) from None
        return self.definition_response(definition, status.HTTP_201_CREATED)


def _names_taken(definition: UploadDefinition, names: list[str]) -> list[str]:
    """The first few of `names` that the definition already has, asked a thousand at a time."""
    taken: list[str] = []
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        taken += definition.files.filter(name__in=chunk).values_list("name", flat=True)[:10]
        if len(taken) >= 10:
            break
    return sorted(taken)[:10]


class FileView(UploadsView):
    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={
            200: UploadDefinitionSerializer,
            400: _ERRORS,
            404: _ERRORS,
            409: _ERRORS,
            411: _ERRORS,
            413: _ERRORS,
        },
        operation_id="uploadFile",
        tags=_TAGS,
    )
    def post(self, request: Request, definition_id: uuid.UUID, file_id: uuid.UUID) -> Response:
        """Upload the file's bytes, streamed to staging. Uploading again replaces them."""
        if "CONTENT_LENGTH" not in request.META:
            raise FolioErrors.one(
                411, "Send the file with a Content-Length header.", "length-required"
            )
        user_id = _user_id(request)
        token = uuid.uuid4()
        with transaction.atomic():
            definition = self.definition(definition_id, lock=True)
            file = self.file(definition, file_id)
            _refuse_after_processing(definition)
            FileDefinition.objects.filter(pk=file.pk).update(
                status=FileStatus.UPLOADING, upload_token=token
            )
            definition.save_change(user_id)
        try:
            received = receive_file(definition.uuid, file.name, body_chunks(request))
        except BaseException as exc:
            _mark_failed(file, token, user_id)
            if not FileDefinition.objects.filter(pk=file.pk).exists():
                # Deleted while its bytes arrived: the staging directory went with it.
                raise _not_found("FileDefinition", file_id) from exc
            if isinstance(exc, BodyInterrupted):
                raise FolioErrors.one(
                    400, str(exc), "upload-interrupted", {"fileId": str(file_id)}
                ) from exc
            raise
        placed = False
        try:
            with transaction.atomic():
                definition = self.definition(definition_id, lock=True)
                current = self.file(definition, file_id)
                if current.upload_token != token:
                    raise FolioErrors.one(
                        409, "A newer upload of this file replaced this one.", "superseded"
                    )
                FileDefinition.objects.filter(pk=file.pk).update(
                    status=FileStatus.UPLOADED, upload_token=None
                )
                received.place()
                definition.save_change(user_id)
            placed = True
        finally:
            if not placed:
                received.discard()
        return self.definition_response(definition)

    @extend_schema(
        responses={204: None, 404: _ERRORS, 409: _ERRORS},
        operation_id="deleteFileDefinition",
        tags=_TAGS,
    )
    def delete(self, request: Request, definition_id: uuid.UUID, file_id: uuid.UUID) -> Response:
        """Remove the file and its staged bytes from the definition."""
        with transaction.atomic():
            definition = self.definition(definition_id, lock=True)
            file = self.file(definition, file_id)
            _refuse_after_processing(definition)
            file.delete_with_bytes()
            definition.save_change(_user_id(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mark_failed(file: FileDefinition, token: uuid.UUID, user_id: str) -> None:
    """The upload `token` failed: the file is ERROR and keeps no bytes, unless a newer one runs."""
    with transaction.atomic():
        definition = (
            UploadDefinition.objects.select_for_update()
            .filter(pk=file.upload_definition_id)
            .first()
        )
        failed = FileDefinition.objects.filter(pk=file.pk, upload_token=token).update(
            status=FileStatus.ERROR, upload_token=None
        )
        if definition is not None and failed:
            definition.save_change(user_id)
            delete_staged_file(definition.uuid, file.name)


class ProcessFilesView(UploadsView):
    @extend_schema(
        request=ProcessFilesSerializer,
        responses={204: None, 400: _ERRORS, 404: _ERRORS, 409: _ERRORS, 422: _ERRORS},
        operation_id="processFiles",
        tags=_TAGS,
    )
    def post(self, request: Request, definition_id: uuid.UUID) -> Response:
        """Start the import of the staged files; its uuid becomes `metaJobExecutionId`.

        The definition's one metadata file (.csv) names the content files by their names in
        `bestandspad`. The import runs in the background: follow it through the Import API.
        """
        definition = self.definition(definition_id)
        serializer = ProcessFilesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["uploadDefinition"]["id"] != definition.uuid:
            raise FolioErrors.one(
                422, "uploadDefinition.id differs from the one in the path.", "invalid"
            )
        _refuse_after_processing(definition)
        # Named by one query, at most 21 of them: a definition may hold a million files.
        waiting = definition.files.exclude(status=FileStatus.UPLOADED).values_list(
            "name", flat=True
        )
        first_waiting = list(waiting[:21])
        if first_waiting:
            more = " …" if len(first_waiting) > 20 else ""
            message = f"These files are not uploaded: {', '.join(first_waiting[:20])}{more}."
            raise FolioErrors.one(400, message, "files-not-uploaded")
        if not definition.files.exists():
            raise FolioErrors.one(400, "The definition has no files.", "files-not-uploaded")
        user_id = _user_id(request)
        try:
            _start_import(definition, user_id)
        except ImportProblem as exc:
            with transaction.atomic():
                locked = self.definition(definition_id, lock=True)
                if locked.updated_date == definition.updated_date:
                    locked.save_change(user_id, status=DefinitionStatus.ERROR)
            raise FolioErrors.one(400, exc.message, exc.code) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


def _metadata_file(definition: UploadDefinition) -> FileDefinition:
    named = Q(name__iexact=MANIFEST_NAME)
    for extension in METADATA_EXTENSIONS:
        named |= Q(name__iendswith=extension)
    # At most a few: a definition with many metadata files is refused below anyway.
    candidates = [f for f in definition.files.filter(named)[:10] if metadata_format(f.name)]
    if len(candidates) != 1:
        names = ", ".join(file.name for file in candidates) or "none"
        raise ImportProblem(
            "metadata-file-count",
            "A definition needs exactly one metadata file (.csv, .xlsx or manifest.json); "
            f"this one has: {names}.",
        )
    metadata = candidates[0]
    if metadata_format(metadata.name) not in SUPPORTED_METADATA:
        raise ImportProblem(
            "metadata-format-not-supported",
            f"{metadata.name}: only .csv metadata files can be processed so far.",
        )
    return metadata


def _start_import(definition: UploadDefinition, user_id: str) -> None:
    """Copy the metadata file to a new job, check it, and start the job on the staged files.

    Raises ImportProblem when the metadata file cannot be used.
    """
    metadata = _metadata_file(definition)
    staged = StagedFilesResolver(definition.uuid)
    job = create_job(DIALECT)
    key = ""
    try:
        # The job keeps its own copy, so deleting the definition never breaks its report.
        try:
            opened = staged.open(metadata.name)
        except ContentError as exc:
            raise ImportProblem("metadata-file-missing", str(exc)) from exc
        with opened.stream:
            key = store_csv_source(job, iter_chunks(opened.stream))
        with transaction.atomic():
            locked = UploadDefinition.objects.select_for_update().get(pk=definition.pk)
            if locked.updated_date != definition.updated_date:
                raise FolioErrors.one(
                    409, "The definition changed meanwhile; try again.", "changed"
                )
            start_job(job, key, {"kind": "staged", "area": str(definition.uuid)})
            locked.files.update(job_execution_id=job.uuid)
            locked.meta_job_execution_id = job.uuid
            locked.save_change(user_id, status=DefinitionStatus.COMPLETED)
    except BaseException:
        # The job never started (its transaction rolled back): it and its copy go.
        if key:
            content_storage().delete(key)
        Job.objects.filter(pk=job.pk).delete()
        raise


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
