import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from docload.imports.jobs import delete_expired_jobs
from docload.imports.scheduling import requeue_stalled_jobs
from docload.imports.tasks import worker_id

_DAY = 24 * 3600


def _maintain(interval: float) -> None:
    """Requeue jobs whose worker died, and apply retention once a day."""
    last_retention = 0.0
    while True:
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


class Command(BaseCommand):
    help = "Run a task worker: runs imports, takes over jobs of dead workers, applies retention."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="poll interval (s)")

    def handle(self, *args: Any, **options: Any) -> None:
        sweep_every = max(min(settings.IMPORT_LEASE_SECONDS / 2, 30.0), 0.5)
        threading.Thread(target=_maintain, args=(sweep_every,), daemon=True).start()
        call_command(
            "db_worker",
            queue_name="imports,default",
            interval=options["interval"],
            reload=False,
            startup_delay=False,
            worker_id=worker_id().replace(":", "-")[:64],
            verbosity=options["verbosity"],
        )
