from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from docload.imports.errors import ImportProblem
from docload.imports.models import Job
from docload.imports.scheduling import resume_job


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
