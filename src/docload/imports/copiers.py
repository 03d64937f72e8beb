"""Content copiers: who copies a batch's content, and where.

Two adapters of one port. Local storage and local sources: copy processes (`copying`), shared
by the worker's jobs, so that copying does not compete with the rows' Python work for the GIL.
Anything else (S3 storage, files staged in S3): threads copying through Django's storage.

Copy processes are started with `spawn`, which imports the starting program's main module again
(the `docload` command, pytest); a script of your own that runs imports must keep its work under
`if __name__ == "__main__":`, as multiprocessing requires.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from docload.documents.localfiles import LocalDestination
from docload.documents.storage import copy_content, local_destination, make_durable
from docload.imports.content import ContentResolver
from docload.imports.copying import (
    CopyOrder,
    CopyOutcome,
    copy_files,
    copy_one,
    exit_with_parent,
    flush_keys,
    unusable,
)
from docload.imports.errors import ContentError

_T = TypeVar("_T")


class ContentCopier(Protocol):
    def copy(self, orders: list[CopyOrder]) -> Future[list[CopyOutcome]]:
        """Start copying; the outcomes come in the orders' order."""
        ...

    def flush(self, keys: list[str]) -> Future[None]:
        """Start making the content under `keys` durable."""
        ...


@contextlib.contextmanager
def copier_for(resolver: ContentResolver) -> Iterator[ContentCopier]:
    """The copier for a job's run.

    The caller waits for the copies it started (the batch writer does, also after a fault).
    """
    destination = local_destination()
    if destination is not None and resolver.local:
        with ThreadPoolExecutor(1, thread_name_prefix="flush") as flusher:
            yield ProcessCopier(resolver, destination, flusher)
        return
    with _copy_threads() as executor:
        yield ThreadCopier(resolver, executor)


class ProcessCopier:
    """Copies local files into local storage in the worker's copy processes.

    Flushing waits in a thread of the worker instead: a copy process waiting for the disk would
    copy nothing meanwhile, and the wait holds no GIL.
    """

    def __init__(
        self,
        resolver: ContentResolver,
        destination: LocalDestination,
        flusher: ThreadPoolExecutor,
    ) -> None:
        self.resolver = resolver
        self.destination = destination
        self.flusher = flusher

    def copy(self, orders: list[CopyOrder]) -> Future[list[CopyOutcome]]:
        sources = self.resolver.locate([order.reference for order in orders])
        return _in_copy_process(
            copy_files, self.destination, list(zip(orders, sources, strict=True))
        )

    def flush(self, keys: list[str]) -> Future[None]:
        return self.flusher.submit(flush_keys, self.destination, keys)


class ThreadCopier:
    """Copies through Django's storage in threads: for content that is not in local files."""

    def __init__(self, resolver: ContentResolver, executor: ThreadPoolExecutor) -> None:
        self.resolver = resolver
        self.executor = executor

    def copy(self, orders: list[CopyOrder]) -> Future[list[CopyOutcome]]:
        return self.executor.submit(lambda: [self._copy(order) for order in orders])

    def flush(self, keys: list[str]) -> Future[None]:
        return self.executor.submit(make_durable, keys)

    def _copy(self, order: CopyOrder) -> CopyOutcome:
        try:
            opened = self.resolver.open(order.reference)
        except ContentError as exc:
            return unusable(exc)

        def store() -> tuple[int, dict[str, str]]:
            stored = copy_content(order.key, opened.stream, order.algorithms)
            return stored.size, stored.digests

        with opened.stream:
            try:
                return copy_one(order, opened.size, store)
            except ContentError as exc:  # the source failed mid-way (a URL's body): this row
                return unusable(exc)


_processes: ProcessPoolExecutor | None = None
_processes_lock = threading.Lock()


def _in_copy_process(function: Callable[..., _T], *args: Any) -> Future[_T]:
    """Run `function` in one of the worker's copy processes, started on first use.

    A pool whose process died (e.g. killed for memory) is broken for good: the job it served
    fails and can be resumed, and the next call starts a new pool.
    """
    global _processes
    with _processes_lock:
        for _ in range(2):
            if _processes is None:
                _processes = ProcessPoolExecutor(
                    settings.IMPORT_COPY_PROCESSES,
                    # A fresh interpreter: the worker has threads and database connections,
                    # which a fork would copy.
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=exit_with_parent,
                )
            try:
                return _processes.submit(function, *args)
            except BrokenProcessPool:
                _processes = None
        raise BrokenProcessPool("the copy processes cannot be started")


@contextlib.contextmanager
def _copy_threads() -> Iterator[ThreadPoolExecutor]:
    """Threads that copy content; the database connections they open are closed afterwards.

    Resolvers may query the database from these threads (staged files); left open, those
    connections would outlive the job on PostgreSQL.
    """
    opened: list[BaseDatabaseWrapper] = []
    lock = threading.Lock()

    def share_connection() -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        connection.inc_thread_sharing()  # lets this thread's connection be closed from here
        with lock:
            opened.append(connection)

    try:
        with (
            _quick_handoffs(),
            ThreadPoolExecutor(
                settings.IMPORT_CONTENT_THREADS, initializer=share_connection
            ) as executor,
        ):
            yield executor
    finally:
        for connection in opened:
            connection.close()
            connection.dec_thread_sharing()


@contextlib.contextmanager
def _quick_handoffs() -> Iterator[None]:
    """Give the copying threads the GIL back soon after each of their system calls.

    They spend most of their time in system calls (open, copy, fsync), and need the GIL again
    after each one; a thread running Python (reading, validating, building SQL) hands it over
    only once per switch interval, 5 ms by default. At 0.5 ms the copies keep pace with the
    rest: 15-20% more documents/s in bench/import_throughput.py (measured with threads copying
    into local storage).
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, _SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


_SWITCH_INTERVAL = 0.0005  # seconds
