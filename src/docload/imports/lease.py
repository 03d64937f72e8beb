"""Holding a job's lease while it runs, and giving it up early on request.

The lease (`IMPORT_LEASE_SECONDS`) is how long a job stays with a worker that stopped renewing
it. Each committed batch renews it, and so does `heartbeat` every third of a lease time, so that
a lease can be short (a dead worker's job is taken over soon) even when a batch takes longer
than that to copy.

`stop_requested` is set by the `worker` command on SIGTERM/SIGINT: the runner then commits the
batches in flight, releases the lease and returns, leaving the job active for the next worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError, connection

from docload.imports.jobs import renew_lease
from docload.imports.models import Job

logger = logging.getLogger(__name__)

stop_requested = threading.Event()


@contextlib.contextmanager
def heartbeat(
    job: Job, worker_id: str, renew: Callable[[Job, str], bool] = renew_lease
) -> Iterator[None]:
    """Renew this worker's lease on `job` (with `renew`: the import's by default) every third of
    a lease time while the block runs."""
    done = threading.Event()

    def beat() -> None:
        try:
            while not done.wait(settings.IMPORT_LEASE_SECONDS / 3):
                try:
                    if not renew(job, worker_id):
                        return  # taken over; the writer finds out at its next commit
                except DatabaseError:
                    pass  # busy or away: the next beat (or the next commit) renews it
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"lease-{job.uuid}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        # A beat waiting on a busy database may take a while; renewing after the job ended
        # changes nothing (the lease is no longer this worker's), so do not wait for it long.
        thread.join(timeout=1)
