"""The imports page through Django's test client: staff only, every dialect, actions."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.jobs import create_job
from docload.imports.models import Job, JobStatus
from docload.imports.report import IMPORTED, NOT_IMPORTED
from docload.web import views
from tests.conftest import run_worker
from tests.factories import metadata_row
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("operator", password="pw", is_staff=True))
    return client


def imported(document_type_url: str, bad_rows: set[int], count: int = 6) -> Job:
    """A finished Open Zaak import of `count` rows; rows at the indexes `bad_rows` fail."""
    rows = [metadata_row(document_type_url, titel=f"t{n}") for n in range(count)]
    for index in bad_rows:
        rows[index]["taal"] = "nederlands"
    return run(start_import(rows))


@pytest.mark.parametrize(
    "path",
    ["/imports/", "/imports/live", "/imports/{uuid}/", "/imports/{uuid}/report.csv"],
)
def test_anonymous_and_non_staff_users_are_sent_to_the_login(path: str) -> None:
    job = create_job("openzaak")
    url = path.format(uuid=job.uuid)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/imports/login/?next={url}"

    user = Client()
    user.force_login(User.objects.create_user("someone", password="pw"))
    assert user.get(url)["Location"].startswith("/imports/login/")


def test_actions_need_staff_and_a_csrf_token() -> None:
    job = create_job("bulkload", status=JobStatus.ACTIVE)
    assert Client().post(f"/imports/{job.uuid}/cancel")["Location"].startswith("/imports/login/")

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(User.objects.create_user("operator", password="pw", is_staff=True))
    assert guarded.post(f"/imports/{job.uuid}/cancel").status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.ACTIVE


def test_staff_log_in_on_the_page_and_others_do_not() -> None:
    User.objects.create_user("operator", password="secret", is_staff=True)
    User.objects.create_user("someone", password="secret")
    client = Client()
    page = client.get("/imports/login/?next=/imports/")
    assert page.status_code == 200 and b'name="password"' in page.content

    refused = client.post("/imports/login/", {"username": "someone", "password": "secret"})
    assert refused.status_code == 200 and b"staff account" in refused.content

    done = client.post(
        "/imports/login/", {"username": "operator", "password": "secret", "next": "/imports/"}
    )
    assert (done.status_code, done["Location"]) == (302, "/imports/")
    assert client.get("/imports/").status_code == 200


def test_the_list_shows_imports_of_every_dialect(staff: Client) -> None:
    running = create_job("openzaak", status=JobStatus.ACTIVE, total=400, processed=100)
    failed = create_job("bulkload", status=JobStatus.ERROR, comment="Canceled")
    page = staff.get("/imports/")
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (str(running.uuid), str(failed.uuid), "Import API", "Bulk load", "25%"):
        assert shown in html
    assert 'data-live="/imports/live"' in html

    live = staff.get("/imports/live").content.decode()
    assert "<html" not in live and str(running.uuid) in live
    # Newest first; the running one can be cancelled, the failed one has no source to resume.
    assert html.index(str(failed.uuid)) < html.index(str(running.uuid))
    assert f'action="/imports/{running.uuid}/cancel"' in html
    assert f"/imports/{failed.uuid}/resume" not in html


def test_the_list_pages(staff: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "JOBS_PER_PAGE", 2)
    jobs = [create_job("cli", status=JobStatus.FINISHED) for _ in range(3)]
    first = staff.get("/imports/").content.decode()
    second = staff.get("/imports/?page=2").content.decode()
    assert str(jobs[0].uuid) not in first and str(jobs[0].uuid) in second
    assert 'data-live="/imports/live?page=2"' in second


def test_the_detail_shows_the_failed_rows_paged(
    staff: Client, document_type_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = imported(document_type_url, bad_rows={1, 3, 4})
    monkeypatch.setattr(views, "ROWS_PER_PAGE", 2)
    page = staff.get(f"/imports/{job.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Failed rows (3)" in html and "taal" in html
    assert '<td class="num">3</td>' in html and '<td class="num">5</td>' in html
    assert '<td class="num">6</td>' not in html
    assert f'href="/imports/{job.uuid}/report.csv"' in html
    second = staff.get(f"/imports/{job.uuid}/live?page=2").content.decode()
    assert '<td class="num">6</td>' in second and "<html" not in second


def test_the_report_downloads_streamed(staff: Client, document_type_url: str) -> None:
    job = imported(document_type_url, bad_rows={2})
    response = staff.get(f"/imports/{job.uuid}/report.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="report-{job.uuid}.csv"'
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][-2:] == ["opmerking", "resultaat"]
    assert [line[-1] for line in lines[1:]] == [IMPORTED] * 2 + [NOT_IMPORTED] + [IMPORTED] * 3


def test_no_report_before_the_import_ends(staff: Client) -> None:
    job = create_job("openzaak", status=JobStatus.ACTIVE)
    response = staff.get(f"/imports/{job.uuid}/report.csv")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    missing = staff.get("/imports/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and b"all imports" in missing.content


def test_cancel_stops_an_active_import(staff: Client, document_type_url: str) -> None:
    job = start_import([metadata_row(document_type_url)])
    response = staff.post(f"/imports/{job.uuid}/cancel", {"next": "/imports/"}, follow=True)
    assert response.redirect_chain == [("/imports/", 302)]
    assert b"Cancel: done" in response.content
    job.refresh_from_db()
    assert job.status == JobStatus.ERROR
    assert job.comment == "Cancelled by operator on the imports page."


def test_resume_continues_an_import_in_error(staff: Client, document_type_url: str) -> None:
    job = start_import([metadata_row(document_type_url) for _ in range(3)])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.ERROR, comment="database gone")
    detail = staff.get(f"/imports/{job.uuid}/").content.decode()
    assert f'action="/imports/{job.uuid}/resume"' in detail

    response = staff.post(f"/imports/{job.uuid}/resume", {"next": "https://elsewhere.example"})
    assert response["Location"] == f"/imports/{job.uuid}/"  # never off the site
    job.refresh_from_db()
    assert (job.status, job.comment) == (JobStatus.ACTIVE, "")
    run_worker()  # the job is on the task queue again
    job.refresh_from_db()
    assert (job.status, job.succeeded) == (JobStatus.FINISHED, 3)


def test_roll_back_removes_what_an_ended_import_created(
    staff: Client, document_type_url: str
) -> None:
    job = imported(document_type_url, bad_rows=set(), count=3)
    detail = staff.get(f"/imports/{job.uuid}/").content.decode()
    assert f'action="/imports/{job.uuid}/rollback"' in detail
    staff.post(f"/imports/{job.uuid}/rollback")
    run_worker()
    job.refresh_from_db()
    assert job.rollback == "rolled_back"
    assert not EnkelvoudigInformatieObject.objects.exists()
    detail = staff.get(f"/imports/{job.uuid}/").content.decode()
    assert "rolled_back" in detail and f'action="/imports/{job.uuid}/rollback"' not in detail


def test_an_action_that_does_not_apply_changes_nothing(staff: Client) -> None:
    job = create_job("openzaak", status=JobStatus.FINISHED, source_key="imports/x.csv")
    response = staff.post(f"/imports/{job.uuid}/resume", follow=True)
    assert b"Resume does not apply to an import that is finished." in response.content
    assert Job.objects.get(pk=job.pk).status == JobStatus.FINISHED
    assert staff.post(f"/imports/{job.uuid}/explode").status_code == 404
    assert staff.get(f"/imports/{job.uuid}/cancel").status_code == 405


def test_log_out_is_a_post_and_ends_the_session(staff: Client) -> None:
    page = staff.get("/imports/").content.decode()
    assert 'action="/imports/logout/"' in page
    assert staff.post("/imports/logout/")["Location"] == "/imports/login/"
    assert staff.get("/imports/")["Location"].startswith("/imports/login/")
