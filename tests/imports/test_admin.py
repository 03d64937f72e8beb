import pytest
from django.contrib.auth.models import User
from django.test import Client

from docload.imports.jobs import create_job
from docload.imports.models import FileStatus, Job, StagedFile, StagingArea
from docload.imports.staging import receive_file, staging_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "a@example.org", "pw"))
    return client


def test_operators_see_imports_and_resume_failed_ones(
    admin: Client, django_capture_on_commit_callbacks
) -> None:
    failed = create_job("cli", status="error", comment="database gone", processed=10)
    finished = create_job("cli", status="finished")
    listing = admin.get("/admin/imports/job/")
    assert listing.status_code == 200 and str(failed.uuid).encode() in listing.content

    with django_capture_on_commit_callbacks(execute=False):
        admin.post(
            "/admin/imports/job/",
            {"action": "resume", "_selected_action": [failed.pk, finished.pk]},
        )
    assert Job.objects.get(pk=failed.pk).status == "active"
    assert Job.objects.get(pk=finished.pk).status == "finished"


def test_operators_see_staging_areas_with_their_status_and_files(admin: Client) -> None:
    area = StagingArea.objects.create(dialect="uploads", status="IN_PROGRESS", new_files=2)
    StagedFile.objects.create(area=area, name="metadata.csv")
    scan = StagedFile.objects.create(area=area, name="scan.pdf")
    receive_file(area.uuid, [b"%PDF"]).place(scan)
    StagingArea.objects.create(dialect="uploads")

    listing = admin.get("/admin/imports/stagingarea/")
    assert listing.status_code == 200
    row = next(line for line in listing.content.decode().splitlines() if str(area.uuid) in line)
    assert "In Progress" in row and '<td class="field-file_count">2</td>' in row

    page = admin.get(f"/admin/imports/stagingarea/{area.pk}/change/")
    assert page.status_code == 200
    assert scan.status == FileStatus.UPLOADED
    for shown in ("metadata.csv", "scan.pdf", scan.sha256, staging_path(scan.key)):
        assert shown in page.content.decode()
    assert b'name="files-0-name"' not in page.content  # read-only: no form fields


def test_staging_areas_change_only_through_their_dialect(admin: Client) -> None:
    area = StagingArea.objects.create(dialect="uploads")
    assert admin.get("/admin/imports/stagingarea/add/").status_code == 403
    assert admin.get(f"/admin/imports/stagingarea/{area.pk}/delete/").status_code == 403
    change = f"/admin/imports/stagingarea/{area.pk}/change/"
    assert admin.post(change, {"status": "ERROR"}).status_code == 403
    assert StagingArea.objects.get().status == "NEW"
