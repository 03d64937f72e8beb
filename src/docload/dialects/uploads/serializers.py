"""Upload definitions on the wire, with FOLIO's field names."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from docload.dialects.uploads.models import (
    DefinitionStatus,
    FileDefinition,
    FileStatus,
    UploadDefinition,
)
from docload.imports.jobs import job_status
from docload.imports.models import Job
from docload.imports.staging import staging_path

# A file name: one path segment, without control characters.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_MAX_NAME_BYTES = 255


class FileDefinitionSerializer(serializers.Serializer[FileDefinition]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(help_text="File name with extension; unique in its definition.")
    status = serializers.ChoiceField(choices=FileStatus.choices, read_only=True)
    sourcePath = serializers.SerializerMethodField(
        help_text="Where the uploaded bytes are kept, under the staging area."
    )
    uploadDefinitionId = serializers.UUIDField(source="upload_definition.uuid", read_only=True)
    jobExecutionId = serializers.UUIDField(
        source="job_execution_id", read_only=True, allow_null=True
    )
    createDate = serializers.DateTimeField(source="create_date", read_only=True)
    uploadedDate = serializers.DateTimeField(source="staged_on", read_only=True, allow_null=True)
    size = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="Declared size in KB."
    )
    uiKey = serializers.CharField(source="ui_key", required=False, allow_blank=True, max_length=255)
    sha256 = serializers.SerializerMethodField(
        help_text="Digest of the uploaded bytes, computed while they streamed."
    )

    def validate_name(self, value: str) -> str:
        if value in (".", "..") or _UNSAFE_NAME.search(value):
            raise serializers.ValidationError(
                "A file name may not be '.' or '..', nor contain '/', '\\' or control characters.",
                code="invalid",
            )
        if len(value.encode()) > _MAX_NAME_BYTES:
            raise serializers.ValidationError(
                f"A file name may have at most {_MAX_NAME_BYTES} bytes.", code="max_length"
            )
        return value

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sourcePath(self, file: FileDefinition) -> str | None:
        if file.status != FileStatus.UPLOADED or file.staged_key is None:
            return None
        return staging_path(file.staged_key)

    @extend_schema_field(serializers.CharField())
    def get_sha256(self, file: FileDefinition) -> str:
        return file.staged_sha256 or ""


def unique_names(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files, unless a name occurs twice among them (counted once: a call may add 100k)."""
    counts = Counter(file["name"] for file in files)
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    if duplicates:
        raise serializers.ValidationError(
            f"File names must be unique in a definition: {', '.join(duplicates)}.", code="unique"
        )
    return files


class _MetadataSerializer(serializers.Serializer[UploadDefinition]):
    createdDate = serializers.DateTimeField(source="create_date")
    createdByUserId = serializers.CharField(source="created_by_user_id")
    updatedDate = serializers.DateTimeField(source="updated_date")
    updatedByUserId = serializers.CharField(source="updated_by_user_id")


class UploadDefinitionSerializer(serializers.Serializer[UploadDefinition]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    metaJobExecutionId = serializers.UUIDField(
        source="meta_job_execution_id",
        read_only=True,
        allow_null=True,
        help_text="The import's uuid, once processing started.",
    )
    status = serializers.ChoiceField(choices=DefinitionStatus.choices, read_only=True)
    createDate = serializers.DateTimeField(source="create_date", read_only=True)
    fileDefinitions = FileDefinitionSerializer(
        many=True,
        source="embedded_files",
        help_text="The first files, at most `UPLOAD_EMBEDDED_FILES` (100) of them: all of a small "
        "definition, as FOLIO does; page through every file with `GET …/{id}/files`.",
    )
    totalFiles = serializers.SerializerMethodField(help_text="How many files the definition has.")
    fileStatusCounts = serializers.SerializerMethodField(
        help_text="How many files are in each status (NEW, UPLOADING, UPLOADED, ERROR)."
    )
    metadata = _MetadataSerializer(source="*", read_only=True)
    importStatus = serializers.SerializerMethodField(
        help_text="The import's status as the Import API shows it, with its status and report "
        "URLs; null before processing started or once the import was deleted."
    )

    def validate_fileDefinitions(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return unique_names(files)

    def to_representation(self, definition: UploadDefinition) -> dict[str, Any]:
        self._counts = definition.file_counts()  # one query serves both count fields
        return dict(super().to_representation(definition))

    @extend_schema_field(serializers.IntegerField())
    def get_totalFiles(self, definition: UploadDefinition) -> int:
        return sum(self._counts.values())

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_fileStatusCounts(self, definition: UploadDefinition) -> dict[str, int]:
        return self._counts

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_importStatus(self, definition: UploadDefinition) -> dict[str, Any] | None:
        if definition.meta_job_execution_id is None:
            return None
        job = Job.objects.filter(uuid=definition.meta_job_execution_id).first()
        if job is None:
            return None
        request = self.context["request"]
        urls = {
            key: request.build_absolute_uri(reverse(f"import-{name}", kwargs={"uuid": job.uuid}))
            for key, name in (("statusUrl", "status"), ("reportUrl", "report"))
        }
        return {**job_status(job), **urls}


class _DefinitionReferenceSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()


class ProcessFilesSerializer(serializers.Serializer[Any]):
    uploadDefinition = _DefinitionReferenceSerializer()
    jobProfileInfo = serializers.DictField(
        required=False, help_text="Accepted for FOLIO clients; docload has no job profiles."
    )


class _FileExtensionSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    extension = serializers.CharField()
    description = serializers.CharField()
    dataTypes = serializers.ListField(child=serializers.CharField())
    importBlocked = serializers.BooleanField()


class FileExtensionsSerializer(serializers.Serializer[Any]):
    fileExtensions = _FileExtensionSerializer(many=True)
    totalRecords = serializers.IntegerField()


class FileDefinitionListSerializer(serializers.Serializer[Any]):
    fileDefinitions = FileDefinitionSerializer(many=True)
    totalRecords = serializers.IntegerField()


class NewFilesSerializer(serializers.Serializer[Any]):
    """Files to add: one `{"name"}` as FOLIO sends it, or many as `{"fileDefinitions": [...]}`."""

    fileDefinitions = FileDefinitionSerializer(many=True, allow_empty=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and "fileDefinitions" not in data:
            data = {"fileDefinitions": [data]}
        return super().to_internal_value(data)

    def validate_fileDefinitions(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return unique_names(files)


class UploadDefinitionListSerializer(serializers.Serializer[Any]):
    uploadDefinitions = UploadDefinitionSerializer(many=True)
    totalRecords = serializers.IntegerField()


# FOLIO's error shape, used by every /data-import/ error response.
ErrorsSerializer = inline_serializer(
    "FolioErrors",
    {
        "errors": inline_serializer(
            "FolioError",
            {
                "message": serializers.CharField(),
                "type": serializers.CharField(),
                "code": serializers.CharField(),
                "parameters": inline_serializer(
                    "FolioErrorParameter",
                    {"key": serializers.CharField(), "value": serializers.CharField()},
                    many=True,
                ),
            },
            many=True,
        ),
        "total_records": serializers.IntegerField(),
    },
)
