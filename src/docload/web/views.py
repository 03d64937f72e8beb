"""The imports page: list, detail with failed rows, report download, staff actions, login.

Every view but login is for staff only (Django's admin auth, a session); a poll re-fetches the
live part of a page as an HTML fragment (`…/live`), rendered by the same template.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import user_passes_test
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from docload.imports.models import Job, RowResult
from docload.imports.report import stream_report
from docload.imports.runner import source_for
from docload.web.actions import ACTIONS, perform
from docload.web.presenting import has_report, job_row

JOBS_PER_PAGE = 50
ROWS_PER_PAGE = 100
POLL_MILLISECONDS = 1500

staff_required = user_passes_test(
    lambda user: user.is_active and user.is_staff, login_url=reverse_lazy("web:login")
)


def _with_query(request: HttpRequest, name: str, **kwargs: object) -> str:
    query = request.GET.urlencode()
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


@require_GET
@staff_required
def job_list(request: HttpRequest, live: bool = False) -> HttpResponse:
    jobs = Paginator(Job.objects.order_by("-created_on", "-pk"), JOBS_PER_PAGE)
    page = jobs.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [job_row(job) for job in page],
        "here": _with_query(request, "web:jobs"),
        "live_url": _with_query(request, "web:jobs-live"),
        "poll_ms": POLL_MILLISECONDS,
    }
    return render(request, "web/jobs_live.html" if live else "web/jobs.html", context)


@require_GET
@staff_required
def job_detail(request: HttpRequest, uuid: uuid.UUID, live: bool = False) -> HttpResponse:
    job = get_object_or_404(Job, uuid=uuid)
    failed = RowResult.objects.filter(job=job, imported=False).order_by("row_number")
    page = Paginator(failed, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "row": job_row(job),
        "page": page,
        "here": _with_query(request, "web:job", uuid=job.uuid),
        "live_url": _with_query(request, "web:job-live", uuid=job.uuid),
        "poll_ms": POLL_MILLISECONDS,
    }
    return render(request, "web/job_live.html" if live else "web/job.html", context)


@require_GET
@staff_required
def report(request: HttpRequest, uuid: uuid.UUID) -> StreamingHttpResponse:
    """The engine's per-row report, streamed: input rows with `opmerking` and `resultaat`."""
    job = get_object_or_404(Job, uuid=uuid)
    if not has_report(job):
        raise Http404("The report is available once the import has ended.")
    lines = (line.encode("utf-8") for line in stream_report(job, source_for(job)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{job.uuid}.csv"'
    return response


@require_POST
@staff_required
def act(request: HttpRequest, uuid: uuid.UUID, action: str) -> HttpResponse:
    """Run one of `ACTIONS` on the job, then back to the page it was asked from."""
    job = get_object_or_404(Job, uuid=uuid)
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404(f"No action {action!r}.")
    failure = perform(chosen, job, request.user.get_username())
    if failure:
        messages.error(request, f"{chosen.label}: {failure}")
    else:
        messages.success(request, f"{chosen.label}: done for import {job.uuid}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("web:job", kwargs={"uuid": job.uuid})
    return redirect(target)


login = auth_views.LoginView.as_view(
    template_name="web/login.html",
    authentication_form=AdminAuthenticationForm,  # staff only, as the admin's own login
    redirect_authenticated_user=False,
    next_page=reverse_lazy("web:jobs"),
)
logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("web:login"))


def error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """Errors under /imports/ as a page of the imports page."""
    context = {"status": status, "message": message}
    return render(request, "web/error.html", context, status=status)
