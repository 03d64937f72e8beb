"""What `docload push` shows: two progress bars and a summary (text), or one JSON object."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table


class Display:
    """Text: rich bars on stderr, the summary table on stdout. JSON: silent until `result`."""

    def __init__(self, format: str) -> None:
        self.json = format == "json"
        self.err = Console(stderr=True, quiet=self.json)
        self.out = Console()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._files = 0
        self._lock = threading.Lock()

    def notice(self, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(f"[yellow]{message}[/]")
        else:
            self.err.print(message)

    # uploads

    def start_uploads(self, total_bytes: int, total_files: int) -> None:
        self._progress = Progress(
            TextColumn("[bold]upload[/]"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[files]}/{task.fields[total_files]} files"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.err,
            disable=self.json,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            "upload", total=total_bytes, files=0, total_files=total_files
        )
        self._files = 0

    def upload_bytes(self, size: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, size)

    def file_done(self, skipped_size: int | None = None) -> None:
        """One file is done; a skipped one's size leaves the total (it is not sent)."""
        if self._progress is None or self._task is None:
            return
        with self._lock:
            self._files += 1
            task = self._progress.tasks[0]
            if skipped_size is not None and task.total is not None:
                self._progress.update(self._task, total=task.total - skipped_size)
            self._progress.update(self._task, files=self._files)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress, self._task = None, None

    # the import

    def start_import(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]import[/]"),
            BarColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA {task.fields[eta]}"),
            console=self.err,
            disable=self.json,
        )
        self._progress.start()
        self._task = self._progress.add_task("import", total=None, rows="", rate="", eta="-")

    def import_status(self, status: dict[str, Any]) -> None:
        if self._progress is None or self._task is None:
            return
        rate, eta = status.get("rowsPerSecond"), status.get("etaSeconds")
        total, processed = status.get("total") or 0, status.get("processed") or 0
        self._progress.update(
            self._task,
            total=status.get("total") or None,
            completed=processed,
            rows=f"{processed}/{total or '?'}",
            rate=f"{rate:.0f} rows/s" if isinstance(rate, int | float) else "",
            eta=_duration(eta) if isinstance(eta, int | float) else "-",
        )

    # the end

    def result(self, result: dict[str, Any]) -> None:
        if self.json:
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()
            return
        for message in result.get("errors", []):
            self.out.print(f"[red]error:[/] {message}")
        for name in result.get("missing", [])[:10]:
            self.out.print(f"[red]missing:[/] {name}")
        if "rows" not in result:
            return
        table = Table(title=f"import {result['importId']}: {result['importStatus']}")
        table.add_column("ok", justify="right", style="green")
        table.add_column("failed", justify="right", style="red")
        table.add_column("uploaded", justify="right")
        table.add_column("skipped", justify="right")
        table.add_row(
            str(result["rows"]["ok"]),
            str(result["rows"]["failed"]),
            str(result["uploaded"]),
            str(result["skipped"]),
        )
        self.out.print(table)
        if result["failures"]:
            failures = Table(title="first failing rows")
            for column in ("row", "bestandspad", "opmerking"):
                failures.add_column(column)
            for failure in result["failures"]:
                failures.add_row(str(failure["row"]), failure["bestandspad"], failure["opmerking"])
            self.out.print(failures)
        self.out.print(f"report: {result['report']}")


def _duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
