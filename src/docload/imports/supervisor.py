"""Keeping the processes of `docload serve` running: the HTTP server and the task workers.

A child that exits for any reason (a crash, SIGKILL, the OOM killer) is started again after a
backoff that doubles from `MIN_DELAY` to `MAX_DELAY` and starts over once a child has run
`STABLE_AFTER` seconds. Only SIGINT or SIGTERM to the supervisor stops everything: it sends
SIGTERM to every child once (task workers then commit their current batch and hand back their
lease) and waits `GRACE` seconds before killing what is left; a second signal kills at once.

Each child runs in a process group of its own, so that a Ctrl-C in the terminal reaches the
supervisor only (a task worker that got SIGINT and then SIGTERM would abandon its batch), and so
that what a dead child leaves behind (gunicorn's workers) can be killed with it.

Free of Django: `serve` builds the command lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

logger = logging.getLogger(__name__)

MIN_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0  # a child that ran this long starts again after MIN_DELAY
GRACE = 30.0  # seconds a stopping child gets to finish its batch or its requests
_POLL = 0.2


@dataclass
class Child:
    """One supervised process: how to start it, and when to start it again."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = MIN_DELAY

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, process_group=0)
        self.started_at = time.monotonic()
        self.restart_at = None

    def exited(self, now: float) -> None:
        """Plan the restart of a child that exited: log it, back off, clean up its group."""
        assert self.process is not None
        pid, code = self.process.pid, self.process.returncode
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # what it left behind, e.g. gunicorn's workers
        if now - self.started_at >= STABLE_AFTER:
            self.delay = MIN_DELAY
        self.restart_at = now + self.delay
        logger.warning(
            "%s (pid %d) %s; restarting it in %g s", self.name, pid, describe_exit(code), self.delay
        )
        self.delay = min(self.delay * 2, MAX_DELAY)
        self.process = None


def describe_exit(returncode: int) -> str:
    """'was killed by SIGKILL' or 'exited with code 1', from a Popen return code."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    """Runs `children` until SIGINT or SIGTERM, restarting any that exits."""

    def __init__(self, children: Sequence[Child]) -> None:
        self.children = list(children)
        self.signals = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1

    def run(self) -> None:
        """Start the children and keep them running; on SIGINT/SIGTERM stop them and return."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for child in self.children:
            child.start()
        while not self.signals:
            now = time.monotonic()
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    child.exited(now)
                elif child.restart_at is not None and now >= child.restart_at:
                    child.start()
            time.sleep(_POLL)
        self.stop()

    def stop(self) -> None:
        """SIGTERM every child, wait up to GRACE seconds, then kill the rest."""
        running = [child.process for child in self.children if child.process is not None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        first_signals = self.signals
        while any(process.poll() is None for process in running):
            if time.monotonic() >= deadline or self.signals > first_signals:
                break
            time.sleep(_POLL)
        for process in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the child's own leftovers as well
            process.wait()
