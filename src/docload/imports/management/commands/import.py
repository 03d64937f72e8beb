import threading
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from docload.documents.storage import iter_chunks
from docload.imports.content import check_base_dir
from docload.imports.errors import ImportProblem
from docload.imports.jobs import create_job, store_source
from docload.imports.models import Job, JobStatus
from docload.imports.report import stream_report
from docload.imports.runner import run_job, source_for
from docload.imports.scheduling import start_job
from docload.imports.tasks import worker_id

_FORMATS = {".xlsx": "xlsx", ".json": "json"}  # else CSV


class Command(BaseCommand):
    help = (
        "Import a metadata CSV, an .xlsx workbook or a JSON payload and its files here, "
        "through the engine, with a progress bar."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("metadata", type=Path, help="the metadata CSV, .xlsx or .json payload")
        parser.add_argument("--base-dir", type=Path, required=True, help="root of bestandspad")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--report", type=Path, default=None, help="default: beside the CSV")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and its content as for real; store nothing but the report",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        metadata: Path = options["metadata"]
        base_dir: Path = options["base_dir"].resolve()
        fields = {"batch_size": options["batch_size"]} if options["batch_size"] else {}
        try:
            check_base_dir(base_dir)
            with open(metadata, "rb") as csv_file:
                job = create_job("cli", **fields)
                try:
                    source_format = _FORMATS.get(metadata.suffix.lower(), "csv")
                    key = store_source(job, iter_chunks(csv_file), source_format, metadata.name)
                except ImportProblem:
                    job.delete()
                    raise
        except (ImportProblem, OSError) as exc:
            raise CommandError(str(exc)) from exc
        content_source = {"kind": "base_dir", "path": str(base_dir)}
        start_job(job, key, content_source, enqueue=False, dry_run=options["dry_run"])

        runner = threading.Thread(target=self._run, args=(job,), daemon=True)
        runner.start()
        self._show_progress(job, runner)
        job.refresh_from_db()

        report_path = options["report"] or metadata.with_name(f"{metadata.stem}.report.csv")
        with open(report_path, "w", encoding="utf-8", newline="") as report:
            report.writelines(stream_report(job, source_for(job)))
        done = "importable" if job.dry_run else "imported"
        self.stdout.write(
            f"{job.status}: {job.succeeded} {done}, {job.invalid} not imported "
            f"of {job.total}. Report: {report_path}"
        )
        if job.comment:
            self.stderr.write(job.comment)
        if job.status != JobStatus.FINISHED or job.invalid:
            raise SystemExit(1)

    @staticmethod
    def _run(job: Job) -> None:
        try:
            run_job(job.uuid, worker_id(), in_parts=False)  # one process: one piece
        finally:
            connections.close_all()  # this thread's own: PostgreSQL keeps them (CONN_MAX_AGE)

    def _show_progress(self, job: Job, runner: threading.Thread) -> None:
        columns = (
            TextColumn("[bold]import"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=False) as progress:
            bar = progress.add_task("import", total=None, rate="-")
            while runner.is_alive():
                runner.join(timeout=0.5)
                job.refresh_from_db()
                elapsed = time.time() - job.started_on.timestamp() if job.started_on else 0
                rate = f"{job.processed / elapsed:,.0f}" if elapsed > 0 else "-"
                progress.update(bar, total=job.total, completed=job.processed, rate=rate)
