"""What staff may do to an import from the page: each action, when it applies, and how it runs.

The one place a new action goes: one more `Action` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from docload.imports.errors import ImportProblem
from docload.imports.jobs import cancel_job, is_stalled
from docload.imports.models import ENDED_STATUSES, Job, JobStatus
from docload.imports.scheduling import resume_job, roll_back_job


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    applies: Callable[[Job], bool]
    run: Callable[[Job, str], None]  # the job, and who asked (a username)
    confirm: str = ""  # asked in the browser before the action is sent


def _resume(job: Job, username: str) -> None:
    resume_job(job)


def _cancel(job: Job, username: str) -> None:
    cancel_job(job, f"Cancelled by {username} on the imports page.")


def _roll_back(job: Job, username: str) -> None:
    roll_back_job(job)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "resume",
            "Resume",
            # A job without a stored source never started: there is nothing to resume.
            lambda job: bool(job.source_key) and (job.status == JobStatus.ERROR or is_stalled(job)),
            _resume,
        ),
        Action(
            "cancel",
            "Cancel",
            lambda job: job.status == JobStatus.ACTIVE,
            _cancel,
            confirm="Stop this import for good? Rows already imported stay.",
        ),
        Action(
            "rollback",
            "Roll back",
            lambda job: job.status in ENDED_STATUSES and not job.rollback,
            _roll_back,
            confirm="Remove every record this import created, with its content?",
        ),
    )
}


def actions_for(job: Job) -> list[Action]:
    """The actions that apply to the job as it is now, in the page's order."""
    return [action for action in ACTIONS.values() if action.applies(job)]


def perform(action: Action, job: Job, username: str) -> str:
    """Run the action in one transaction; '' when it worked, else why it did not."""
    if not action.applies(job):
        return f"{action.label} does not apply to an import that is {job.status}."
    try:
        with transaction.atomic():
            action.run(job, username)
    except ImportProblem as exc:
        return exc.message
    except IntegrityError:
        # Open Zaak's one-open-import rule, enforced by the database.
        return "Another import of this kind is already pending or running."
    return ""
