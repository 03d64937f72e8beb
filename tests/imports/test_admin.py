import pytest
from django.contrib.auth.models import User
from django.test import Client

from docload.imports.jobs import create_job
from docload.imports.models import Job

pytestmark = pytest.mark.django_db


def test_operators_see_imports_and_resume_failed_ones(
    django_capture_on_commit_callbacks,
) -> None:
    failed = create_job("cli", status="error", comment="database gone", processed=10)
    finished = create_job("cli", status="finished")
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "a@example.org", "pw"))
    listing = admin.get("/admin/imports/job/")
    assert listing.status_code == 200 and str(failed.uuid).encode() in listing.content

    with django_capture_on_commit_callbacks(execute=False):
        admin.post(
            "/admin/imports/job/",
            {"action": "resume", "_selected_action": [failed.pk, finished.pk]},
        )
    assert Job.objects.get(pk=failed.pk).status == "active"
    assert Job.objects.get(pk=finished.pk).status == "finished"
