"""Import throughput: docload's import path against a plain copy loop of the same files.

    .venv/bin/python bench/import_throughput.py [--rows 20000] [--file-bytes 20480]
        [--existing 0] [--batch-size 500] [--runs 3] [--workdir DIR] [--keep]

It generates N content files of random bytes and a metadata CSV naming them, then alternates,
`--runs` times:

- the raw baseline: `shutil.copyfile` of every file into a fresh directory (files/s);
- the real import path: a fresh data dir (SQLite + local storage, migrated once into a template
  and copied per run), a published informatieobjecttype, optionally `--existing` documents loaded
  with raw SQL, a real `docload worker` process, and a job created and enqueued through the engine
  (`create_job`, `start_job`). Documents/s come from the job's own `started_on`/`finished_on`;
  peak RSS is the sum of VmHWM (/proc/<pid>/status) of the worker and its copy processes.

Each phase starts after `os.sync()`, so one phase's dirty pages do not slow the next, and copies
are deleted only at the end (ext4 creates files slowly for minutes after many were deleted; see
bench/README.md). The disk is noisy: read the medians. The last line printed is one JSON object
(see `_bench`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.factories import metadata_row, write_files  # noqa: E402

from docload.imports.columns import REQUIRED_HEADERS  # noqa: E402

DOCLOAD = Path(sys.executable).with_name("docload")
DB_NAME = "docload.sqlite3"


@dataclass
class ImportRun:
    docs_per_s: float
    seconds: float
    peak_rss_mb: float


# --- steps that run inside Django, in a child process configured for one data dir -------------


def _django_step(step: str, args: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docload.settings")
    django.setup()
    from django.core.management import call_command

    from docload.catalog.models import InformatieObjectType
    from docload.documents.storage import iter_chunks
    from docload.imports.jobs import create_job, store_csv_source
    from docload.imports.scheduling import start_job

    if step == "prepare":
        call_command("migrate", verbosity=0)
        document_type = InformatieObjectType.objects.create(
            omschrijving="Bench",
            vertrouwelijkheidaanduiding="openbaar",
            begin_geldigheid=datetime.date(2024, 1, 1),
            concept=False,
        )
        print(document_type.pk, document_type.uuid)
    elif step == "start":
        metadata, base_dir, batch_size = args
        job = create_job("bench", batch_size=int(batch_size))
        with open(metadata, "rb") as stream:
            key = store_csv_source(job, iter_chunks(stream))
        start_job(job, key, {"kind": "base_dir", "path": base_dir})  # enqueues for the worker
        print(job.uuid.hex)
    else:
        raise SystemExit(f"unknown step {step!r}")


def _env(data_dir: Path, base_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "docload.settings",
        "DOCLOAD_DATA_DIR": str(data_dir),
        "IMPORT_DOCUMENTEN_BASE_DIR": str(base_dir),
        "DOCLOAD_STORAGE": "local",
    }


def _in_django(step: str, data_dir: Path, base_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, __file__, "--step", step, *args],
        env=_env(data_dir, base_dir),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"step {step!r} failed:\n{result.stderr}")
    return result.stdout.strip()


# --- test data ---------------------------------------------------------------------------------


def generate(workdir: Path, rows: int, file_bytes: int, type_url: str) -> tuple[Path, list[str]]:
    """Content files under workdir/import-data and a metadata CSV naming them."""
    base_dir = workdir / "import-data"
    paths = write_files(base_dir, rows, size=file_bytes)
    metadata = workdir / "metadata.csv"
    with open(metadata, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(REQUIRED_HEADERS))
        writer.writeheader()
        for index, path in enumerate(paths):
            writer.writerow(
                metadata_row(
                    type_url,
                    identificatie=f"BENCH-{index:010d}",
                    titel=f"Bench document {index}",
                    bestandspad=path,
                    bestandsnaam=Path(path).name,
                    formaat="application/octet-stream",
                )
            )
    return metadata, paths


def preload_documents(database: Path, count: int, type_pk: int) -> None:
    """Insert `count` documents with raw SQL: a registry that already holds a lot."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    same_for_all = {
        "bronorganisatie": "002220647",
        "creatiedatum": "2020-01-01",
        "vertrouwelijkheidaanduiding": "openbaar",
        "auteur": "Archief",
        "status": "",
        "formaat": "",
        "taal": "nld",
        "bestandsnaam": "",
        "bestandsomvang": None,
        "content_key": "",
        "link": "",
        "beschrijving": "",
        "ontvangstdatum": None,
        "verzenddatum": None,
        "indicatie_gebruiksrecht": None,
        "verschijningsvorm": "",
        "ondertekening_soort": "",
        "ondertekening_datum": None,
        "integriteit_algoritme": "",
        "integriteit_waarde": "",
        "integriteit_datum": None,
        "informatieobjecttype_id": type_pk,
        "trefwoorden": "[]",
        "versie": 1,
        "begin_registratie": now,
        "lock": "",
        "import_job_id": None,
    }
    columns = ["uuid", "identificatie", "titel", *same_for_all]
    documents = (
        (uuid.uuid4().hex, f"EXISTING-{index:010d}", f"Existing {index}", *same_for_all.values())
        for index in range(count)
    )
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        with connection:
            connection.executemany(
                f"INSERT INTO documents_enkelvoudiginformatieobject ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                documents,
            )
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


# --- the two measured phases -------------------------------------------------------------------


def baseline(base_dir: Path, paths: list[str], target: Path) -> float:
    """Files/s of a plain `shutil.copyfile` loop into a fresh directory."""
    target.mkdir()
    os.sync()
    start = time.perf_counter()
    for path in paths:
        shutil.copyfile(base_dir / path, target / Path(path).name)
    return len(paths) / (time.perf_counter() - start)


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory of the worker plus its descendants (its copy processes): the sum
    of each one's peak, so at least the peak of the whole."""
    import psutil

    root = psutil.Process(pid)
    total_kb = 0
    for process in [root, *root.children(recursive=True)]:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def _parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def _wait_for_job(database: Path, job_hex: str, worker: subprocess.Popen[bytes]) -> tuple:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        while True:
            row = connection.execute(
                "SELECT status, started_on, finished_on, total, processed, succeeded, invalid, "
                "comment FROM imports_job WHERE uuid = ?",
                (job_hex,),
            ).fetchone()
            if row is not None and row[0] in ("finished", "error"):
                return row
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with {worker.returncode}")
            time.sleep(0.25)
    finally:
        connection.close()


@contextlib.contextmanager
def running_worker(template: Path, run_dir: Path, base_dir: Path) -> Iterator[subprocess.Popen]:
    """A real `docload worker` on a fresh copy of the template data dir, stopped afterwards."""
    shutil.copytree(template, run_dir)
    os.sync()
    with open(run_dir / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [str(DOCLOAD), "worker", "--interval", "0.1"],
            env=_env(run_dir, base_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def import_seconds(job: tuple, rows: int, run_dir: Path, label: str = "import") -> float:
    """The seconds a finished job (`_wait_for_job`'s row) took; RuntimeError unless every one
    of `rows` was imported."""
    status, started, finished, total, processed, succeeded, invalid, comment = job
    if status != "finished" or succeeded != rows:
        raise RuntimeError(
            f"{label} ended {status}: {succeeded} of {total} imported, {invalid} invalid, "
            f"{processed} processed; {comment!r}; see {run_dir / 'worker.log'}"
        )
    return (_parse_time(finished) - _parse_time(started)).total_seconds()


def import_run(
    template: Path, run_dir: Path, base_dir: Path, metadata: Path, rows: int, batch_size: int
) -> ImportRun:
    """One import through a real worker process, in a copy of the template data dir."""
    with running_worker(template, run_dir, base_dir) as worker:
        job_hex = _in_django(
            "start", run_dir, base_dir, str(metadata), str(base_dir), str(batch_size)
        )
        job = _wait_for_job(run_dir / DB_NAME, job_hex, worker)
        peak = _peak_rss_mb(worker.pid)
    seconds = import_seconds(job, rows, run_dir)
    return ImportRun(docs_per_s=rows / seconds, seconds=seconds, peak_rss_mb=peak)


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--file-bytes", type=int, default=20 * 1024)
    parser.add_argument("--existing", type=int, default=0, help="documents already registered")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new /tmp dir")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.step:
        _django_step(args.step, rest)
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")

    in_workdir("bench-import-", args, _bench)


def in_workdir(
    prefix: str, args: argparse.Namespace, bench: Callable[[argparse.Namespace, Path], None]
) -> None:
    """Run `bench` in a new work directory under `--workdir`, removed after unless `--keep`."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=args.workdir))
    try:
        bench(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _log(message: str) -> None:
    print(message, flush=True)


def template_dirs(workdir: Path) -> tuple[Path, Path]:
    """The template data dir every run copies, and the import base dir, both made."""
    template = workdir / "template"
    template.mkdir()
    base_dir = workdir / "import-data"
    base_dir.mkdir()
    return template, base_dir


def _bench(args: argparse.Namespace, workdir: Path) -> None:
    template, base_dir = template_dirs(workdir)
    start = time.perf_counter()
    type_pk, type_uuid = _in_django("prepare", template, base_dir).split()
    type_url = f"http://localhost/catalogi/api/v1/informatieobjecttypen/{type_uuid}"
    if args.existing:
        preload_documents(template / DB_NAME, args.existing, int(type_pk))
    metadata, paths = generate(workdir, args.rows, args.file_bytes, type_url)
    _log(
        f"Prepared {args.rows} files of {args.file_bytes} bytes and {args.existing} existing "
        f"documents in {time.perf_counter() - start:.0f}s under {workdir}"
    )

    baselines: list[float] = []
    imports: list[ImportRun] = []
    for run in range(1, args.runs + 1):
        baselines.append(baseline(base_dir, paths, workdir / f"baseline-{run}"))
        _log(f"run {run}: baseline copy loop   {baselines[-1]:10,.0f} files/s")
        imports.append(
            import_run(
                template, workdir / f"run-{run}", base_dir, metadata, args.rows, args.batch_size
            )
        )
        result = imports[-1]
        _log(
            f"run {run}: import (worker)       {result.docs_per_s:10,.0f} docs/s "
            f"({result.seconds:.1f}s, worker + copy processes peak RSS {result.peak_rss_mb:.0f} MB)"
        )

    docs_per_s = statistics.median(result.docs_per_s for result in imports)
    baseline_per_s = statistics.median(baselines)
    summary = {
        "rows": args.rows,
        "file_bytes": args.file_bytes,
        "existing": args.existing,
        "batch_size": args.batch_size,
        "runs": args.runs,
        "docs_per_s": round(docs_per_s, 1),
        "baseline_files_per_s": round(baseline_per_s, 1),
        "ratio": round(docs_per_s / baseline_per_s, 3),
        "peak_rss_mb": round(max(result.peak_rss_mb for result in imports), 1),
        "docs_per_s_runs": [round(result.docs_per_s, 1) for result in imports],
        "baseline_files_per_s_runs": [round(value, 1) for value in baselines],
    }
    _log(
        f"median of {args.runs}: import {docs_per_s:,.0f} docs/s, baseline "
        f"{baseline_per_s:,.0f} files/s, ratio {summary['ratio']}, "
        f"worker + copy processes peak RSS {summary['peak_rss_mb']} MB (max over runs)"
    )
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
