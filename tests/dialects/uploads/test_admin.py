import pytest
from django.contrib.auth.models import User
from django.test import Client

from docload.dialects.uploads.models import FileDefinition, FileStatus, UploadDefinition
from docload.imports.staging import receive_file, staging_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "a@example.org", "pw"))
    return client


def test_operators_see_definitions_with_their_status_and_files(admin: Client) -> None:
    definition = UploadDefinition.objects.create(status="IN_PROGRESS")
    FileDefinition.objects.create(upload_definition=definition, name="metadata.csv")
    FileDefinition.objects.create(
        upload_definition=definition, name="scan.pdf", status=FileStatus.UPLOADED
    )
    staged = receive_file(definition.uuid, "scan.pdf", [b"%PDF"]).place()
    UploadDefinition.objects.create()

    listing = admin.get("/admin/uploads/uploaddefinition/")
    assert listing.status_code == 200
    row = next(
        line for line in listing.content.decode().splitlines() if str(definition.uuid) in line
    )
    assert "In Progress" in row and '<td class="field-file_count">2</td>' in row

    page = admin.get(f"/admin/uploads/uploaddefinition/{definition.pk}/change/")
    assert page.status_code == 200
    for shown in ("metadata.csv", "scan.pdf", staged.sha256, staging_path(staged.key)):
        assert shown in page.content.decode()
    assert b'name="files-0-name"' not in page.content  # read-only: no form fields


def test_definitions_change_only_through_the_api(admin: Client) -> None:
    definition = UploadDefinition.objects.create()
    assert admin.get("/admin/uploads/uploaddefinition/add/").status_code == 403
    assert admin.get(f"/admin/uploads/uploaddefinition/{definition.pk}/delete/").status_code == 403
    change = f"/admin/uploads/uploaddefinition/{definition.pk}/change/"
    assert admin.post(change, {"status": "ERROR"}).status_code == 403
    assert UploadDefinition.objects.get().status == "NEW"
