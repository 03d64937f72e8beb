"""Upload definitions on the wire, with FOLIO's field names."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from docload.api.fields import StrictCharField
from docload.imports.areas import NewFile
from docload.imports.jobs import job_status
from docload.imports.models import AreaStatus, FileStatus, Job, StagedFile, StagingArea
from docload.imports.staging import staging_path

# A file name: one path segment, without control characters.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
_MAX_NAME_BYTES = 255


class FileDefinitionSerializer(serializers.Serializer[StagedFile]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = StrictCharField(help_text="File name with extension; unique in its definition.")
    status = serializers.ChoiceField(choices=FileStatus.choices, read_only=True)
    sourcePath = serializers.SerializerMethodField(
        help_text="Where the uploaded bytes are kept, under the staging area."
    )
    uploadDefinitionId = serializers.UUIDField(source="area_id", read_only=True)
    jobExecutionId = serializers.UUIDField(source="area.job_uuid", read_only=True, allow_null=True)
    createDate = serializers.DateTimeField(source="created_on", read_only=True)
    uploadedDate = serializers.DateTimeField(source="uploaded_on", read_only=True, allow_null=True)
    size = serializers.IntegerField(
        source="declared_size",
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Declared size in KB.",
    )
    uiKey = StrictCharField(source="client_key", required=False, allow_blank=True, max_length=255)
    sha256 = serializers.CharField(
        read_only=True, help_text="Digest of the uploaded bytes, computed while they streamed."
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
    def get_sourcePath(self, file: StagedFile) -> str | None:
        if file.status != FileStatus.UPLOADED or not file.key:
            return None
        return staging_path(file.key)


def new_files(files: list[dict[str, Any]]) -> list[NewFile]:
    """The files to announce, unless a name occurs twice among them (a call may add 100k)."""
    counts = Counter(file["name"] for file in files)
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    if duplicates:
        raise serializers.ValidationError(
            f"File names must be unique in a definition: {', '.join(duplicates)}.", code="unique"
        )
    return [NewFile(**file) for file in files]


class _MetadataSerializer(serializers.Serializer[StagingArea]):
    createdDate = serializers.DateTimeField(source="created_on")
    createdByUserId = serializers.CharField(source="created_by")
    updatedDate = serializers.DateTimeField(source="updated_on")
    updatedByUserId = serializers.CharField(source="updated_by")


class UploadDefinitionSerializer(serializers.Serializer[StagingArea]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    metaJobExecutionId = serializers.UUIDField(
        source="job_uuid",
        read_only=True,
        allow_null=True,
        help_text="The import's uuid, once processing started.",
    )
    status = serializers.ChoiceField(choices=AreaStatus.choices, read_only=True)
    createDate = serializers.DateTimeField(source="created_on", read_only=True)
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

    def validate_fileDefinitions(self, files: list[dict[str, Any]]) -> list[NewFile]:
        return new_files(files)

    @extend_schema_field(serializers.IntegerField())
    def get_totalFiles(self, definition: StagingArea) -> int:
        return sum(definition.file_counts().values())

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_fileStatusCounts(self, definition: StagingArea) -> dict[str, int]:
        return definition.file_counts()

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_importStatus(self, definition: StagingArea) -> dict[str, Any] | None:
        if definition.job_uuid is None:
            return None
        job = Job.objects.filter(uuid=definition.job_uuid).first()
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

    def validate_fileDefinitions(self, files: list[dict[str, Any]]) -> list[NewFile]:
        return new_files(files)


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
