from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from docload.imports.errors import ImportProblem
from docload.imports.models import Job, StagedFile, StagingArea
from docload.imports.scheduling import resume_job
from docload.imports.staging import staging_path


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "uuid", "dialect", "status", "total", "processed", "succeeded", "invalid",
        "created_on", "finished_on",
    )  # fmt: skip
    list_filter = ("status", "dialect")
    search_fields = ("uuid",)
    readonly_fields = [field.name for field in Job._meta.fields]
    actions = ["resume"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imports start through an import dialect, not by hand

    @admin.action(description="Resume the selected imports that stopped with an error")
    def resume(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset:
            try:
                resume_job(job)
            except ImportProblem as problem:
                self.message_user(request, f"{job.uuid}: {problem.message}", messages.WARNING)
            else:
                self.message_user(request, f"{job.uuid}: resumed")


class _ReadOnly:
    """Staged files change through their dialect's API, which keeps rows and bytes in step."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StagedFileInline(_ReadOnly, admin.TabularInline):
    model = StagedFile
    fk_name = "area"
    fields = ("name", "status", "size", "sha256", "uploaded_on", "source_path", "archive")
    readonly_fields = fields

    @admin.display(description="source path")
    def source_path(self, file: StagedFile) -> str:
        return staging_path(file.key) if file.key else ""


@admin.register(StagingArea)
class StagingAreaAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "uuid", "dialect", "status", "file_count", "job_uuid", "created_on", "updated_on",
    )  # fmt: skip
    list_filter = ("dialect", "status")
    search_fields = ("uuid", "job_uuid")
    inlines = [StagedFileInline]

    @admin.display(description="files")
    def file_count(self, area: StagingArea) -> int:
        return sum(area.file_counts().values())
