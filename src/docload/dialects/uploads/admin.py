"""Admin pages to watch upload definitions; they change only through the API and retention."""

import datetime

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from docload.dialects.uploads.models import FileDefinition, UploadDefinition
from docload.imports.staging import staging_path


class ReadOnlyMixin:
    """Changes go through the API, which keeps files, their staged bytes and statuses in step."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FileDefinitionInline(ReadOnlyMixin, admin.TabularInline):
    model = FileDefinition
    fields = ("name", "status", "size", "ui_key", "sha256", "uploaded_on", "source_path")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FileDefinition]:
        return FileDefinition.objects.with_bytes()

    @admin.display(description="sha256")
    def sha256(self, file: FileDefinition) -> str:
        return file.staged_sha256 or ""

    @admin.display(description="uploaded on")
    def uploaded_on(self, file: FileDefinition) -> datetime.datetime | None:
        return file.staged_on

    @admin.display(description="source path")
    def source_path(self, file: FileDefinition) -> str:
        return staging_path(file.staged_key) if file.staged_key else ""


@admin.register(UploadDefinition)
class UploadDefinitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "uuid", "status", "file_count", "meta_job_execution_id", "create_date", "updated_date",
    )  # fmt: skip
    list_filter = ("status",)
    search_fields = ("uuid", "meta_job_execution_id")
    inlines = [FileDefinitionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[UploadDefinition]:
        return super().get_queryset(request).annotate(file_count=Count("files"))

    @admin.display(description="files", ordering="file_count")
    def file_count(self, definition: UploadDefinition) -> int:
        return definition.file_count  # type: ignore[attr-defined]
