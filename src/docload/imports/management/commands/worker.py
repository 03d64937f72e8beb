import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from docload.imports.jobs import delete_expired_jobs
from docload.imports.lease import stop_requested
from docload.imports.scheduling import requeue_stalled_jobs
from docload.imports.tasks import worker_id

_DAY = 24 * 3600


def sweep_interval() -> float:
    """Seconds between sweeps for jobs whose lease ran out: a sixth of a lease, 0.5 to 5 s."""
    return max(min(settings.IMPORT_LEASE_SECONDS / 6, 5.0), 0.5)


def _maintain(interval: float) -> None:
    """Requeue jobs whose worker died, and apply retention once a day, until asked to stop."""
    last_retention = 0.0
    # A stopping worker queues nothing: the job it hands back is for the next worker's sweep.
    while not stop_requested.is_set():
        try:
            requeue_stalled_jobs()
            if time.monotonic() - last_retention >= _DAY or not last_retention:
                delete_expired_jobs()
                last_retention = time.monotonic()
        except DatabaseError:
            pass  # the database is away; try again next round
        finally:
            close_old_connections()
        time.sleep(interval)


def _stop_imports_too(signum: signal.Signals) -> None:
    """Chain to db_worker's handler for `signum`, setting `stop_requested` first.

    db_worker lets a running task finish; an import may run for hours, so it is asked to stop
    after its current batch instead.
    """
    previous = signal.getsignal(signum)

    def handler(number: int, frame: FrameType | None) -> None:
        stop_requested.set()
        if callable(previous):
            previous(number, frame)

    signal.signal(signum, handler)


class Command(BaseCommand):
    help = "Run a task worker: runs imports, takes over jobs of dead workers, applies retention."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="poll interval (s)")

    def handle(self, *args: Any, **options: Any) -> None:
        threading.Thread(target=_maintain, args=(sweep_interval(),), daemon=True).start()
        # db_worker's Worker itself rather than `call_command("db_worker")`, whose handlers are
        # installed inside the call, out of reach for chaining.
        DbWorkerCommand().configure_logging(options["verbosity"])
        worker = Worker(
            queue_names=["imports", "default"],
            interval=options["interval"],
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id().replace(":", "-")[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        for signum in (signal.SIGINT, signal.SIGTERM):
            _stop_imports_too(signum)
        worker.run()
