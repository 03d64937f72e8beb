import datetime

import pytest
from django.utils import timezone

from docload.imports.jobs import create_job
from docload.imports.models import JobStatus
from docload.web.presenting import duration, job_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, ""), (0.4, "0 s"), (42, "42 s"), (185, "3 min 05 s"), (7620, "2 h 07 min")],
)
def test_durations_read_as_people_say_them(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_a_running_job_shows_its_progress_rate_and_eta() -> None:
    now = timezone.now()
    job = create_job(
        "openzaak",
        status=JobStatus.ACTIVE,
        total=1000,
        processed=250,
        started_on=now - datetime.timedelta(seconds=10),
        lease_expires=now + datetime.timedelta(seconds=30),
    )
    row = job_row(job, now)
    assert (row.state, row.percent, row.rate, row.eta) == ("active", 25, 25.0, "30 s")
    assert [action.name for action in row.actions] == ["cancel"]


def test_a_job_whose_worker_died_shows_as_stalled_and_can_resume() -> None:
    now = timezone.now()
    job = create_job(
        "uploads",
        status=JobStatus.ACTIVE,
        source_key="imports/x.csv",
        lease_expires=now - datetime.timedelta(seconds=1),
    )
    row = job_row(job, now)
    assert (row.state, row.eta, row.dialect) == ("stalled", "", "Upload definition")
    assert [action.name for action in row.actions] == ["resume", "cancel"]


def test_a_finished_job_of_unknown_size_is_full() -> None:
    job = create_job("cli", status=JobStatus.FINISHED)
    assert job_row(job).percent == 100
