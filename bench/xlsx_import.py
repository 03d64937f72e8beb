"""Workbook import throughput: the same rows as an .xlsx workbook and as a CSV, one engine.

    .venv/bin/python bench/xlsx_import.py [--rows 100000] [--file-bytes 20480]
        [--batch-size 500] [--runs 1] [--workdir DIR] [--keep]

It generates N content files of random bytes and a metadata CSV naming them (as
`bench/import_throughput.py` does, with its code), then writes a single-sheet workbook
(`enkelvoudiginformatieobjecten`, the 27 import headers, every cell an inline string holding
the CSV's text) from that CSV, streaming with zipfile: the sheet XML goes into its zip member in
chunks of rows, never whole in memory. Then, `--runs` times, interleaved, it imports the CSV and
the workbook through the engine, each in a fresh copy of one migrated data dir, with a real
`docload worker` process, a job created through the engine (`create_job`, `store_source`,
`start_job`), as `import_throughput.py` does. Documents/s come from the job's own
`started_on`/`finished_on`; peak RSS is the worker's VmHWM alone and summed with its copy
processes. Storing the source (for a workbook: its size, sheets and header checked) happens
before the job starts and is timed apart (`store_s`), with the peak RSS of that process.
The last line printed is one JSON object (see `_bench`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from import_throughput import (  # noqa: E402
    DB_NAME,
    _env,
    _in_django,
    _log,
    _wait_for_job,
    generate,
    import_seconds,
    in_workdir,
    running_worker,
    template_dirs,
)
from tests.workbooks import (  # noqa: E402
    _CONTENT_TYPES,
    _MAIN,
    _REL,
    _ROOT_RELS,
    _SHEET_TYPE,
    _STYLES,
    _column,
)

from docload.imports.sources.xlsx import DOCUMENTS_SHEET  # noqa: E402

ROWS_PER_CHUNK = 1000


@dataclass
class Run:
    source: str
    docs_per_s: float
    seconds: float
    store_s: float
    store_rss_mb: float
    worker_rss_mb: float
    tree_rss_mb: float


# --- a step that runs inside Django, in a child process configured for one data dir -----------


def _start_step(args: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docload.settings")
    django.setup()
    from docload.documents.storage import iter_chunks
    from docload.imports.jobs import create_job, store_source
    from docload.imports.scheduling import start_job

    metadata, source_format, base_dir, batch_size = args
    job = create_job("bench", batch_size=int(batch_size))
    start = time.perf_counter()
    with open(metadata, "rb") as stream:
        key = store_source(job, iter_chunks(stream), source_format)
    store_s = time.perf_counter() - start
    start_job(job, key, {"kind": "base_dir", "path": base_dir})  # enqueues for the worker
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(job.uuid.hex, f"{store_s:.3f}", rss_kb)


# --- the workbook ------------------------------------------------------------------------------


def _row_xml(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t xml:space="preserve">'
        f"{escape(value)}</t></is></c>"
        for i, value in enumerate(values)
        if value != ""
    )
    return f'<row r="{number}">{cells}</row>'


def write_workbook(csv_path: Path, target: Path) -> None:
    """The CSV's rows as the documents sheet of an .xlsx, the sheet written in chunks."""
    sheet_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<sheets><sheet name="{DOCUMENTS_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    override = f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEET_TYPE}"/>'
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=override))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", sheet_rels)
        archive.writestr("xl/styles.xml", _STYLES)
        with (
            open(csv_path, encoding="utf-8", newline="") as stream,
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet,
        ):
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
                "<sheetData>".encode()
            )
            chunk: list[str] = []
            for number, values in enumerate(csv.reader(stream), start=1):
                chunk.append(_row_xml(number, values))
                if len(chunk) == ROWS_PER_CHUNK:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())


# --- one measured import -----------------------------------------------------------------------


def _peak_rss_mb(pid: int) -> tuple[float, float]:
    """Peak resident memory (VmHWM) of the worker alone, and summed with its descendants."""
    import psutil

    root = psutil.Process(pid)
    peaks = []
    for process in [root, *root.children(recursive=True)]:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return peaks[0], sum(peaks)


def import_run(
    source: str,
    template: Path,
    run_dir: Path,
    base_dir: Path,
    metadata: Path,
    rows: int,
    batch_size: int,
) -> Run:
    """One import of `metadata` (`csv` or `xlsx`) through a real worker process."""
    starter = [sys.executable, __file__, "--step", "start"]
    with running_worker(template, run_dir, base_dir) as worker:
        result = subprocess.run(
            [*starter, str(metadata), source, str(base_dir), str(batch_size)],
            env=_env(run_dir, base_dir),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"starting the {source} job failed:\n{result.stderr}")
        job_hex, store_s, store_rss_kb = result.stdout.split()[-3:]
        job = _wait_for_job(run_dir / DB_NAME, job_hex, worker)
        worker_rss, tree_rss = _peak_rss_mb(worker.pid)
    seconds = import_seconds(job, rows, run_dir, f"{source} import")
    return Run(
        source=source,
        docs_per_s=rows / seconds,
        seconds=seconds,
        store_s=float(store_s),
        store_rss_mb=int(store_rss_kb) / 1024,
        worker_rss_mb=worker_rss,
        tree_rss_mb=tree_rss,
    )


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--file-bytes", type=int, default=20 * 1024)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1, help="csv + xlsx pairs, interleaved")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new /tmp dir")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.step == "start":
        _start_step(rest)
        return
    if args.step or rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")

    in_workdir("bench-xlsx-", args, _bench)


def _bench(args: argparse.Namespace, workdir: Path) -> None:
    template, base_dir = template_dirs(workdir)
    start = time.perf_counter()
    _, type_uuid = _in_django("prepare", template, base_dir).split()
    type_url = f"http://localhost/catalogi/api/v1/informatieobjecttypen/{type_uuid}"
    metadata, _ = generate(workdir, args.rows, args.file_bytes, type_url)
    seconds = time.perf_counter() - start
    _log(f"Prepared {args.rows} files of {args.file_bytes} bytes in {seconds:.0f}s")
    start = time.perf_counter()
    workbook = workdir / "metadata.xlsx"
    write_workbook(metadata, workbook)
    with zipfile.ZipFile(workbook) as archive:
        sheet_bytes = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    xlsx_mb = workbook.stat().st_size / 1024**2
    _log(
        f"Wrote the workbook in {time.perf_counter() - start:.1f}s: {xlsx_mb:.1f} MB, sheet XML "
        f"{sheet_bytes / 1024**2:.1f} MB; CSV {metadata.stat().st_size / 1024**2:.1f} MB; "
        f"under {workdir}"
    )

    runs: dict[str, list[Run]] = {"csv": [], "xlsx": []}
    for run in range(1, args.runs + 1):
        for source, path in (("csv", metadata), ("xlsx", workbook)):
            result = import_run(
                source,
                template,
                workdir / f"run-{run}-{source}",
                base_dir,
                path,
                args.rows,
                args.batch_size,
            )
            runs[source].append(result)
            _log(
                f"run {run}: {source:4} import {result.docs_per_s:8,.0f} docs/s "
                f"({result.seconds:.1f}s; store {result.store_s:.1f}s, "
                f"{result.store_rss_mb:.0f} MB); "
                f"peak RSS worker {result.worker_rss_mb:.0f} MB, "
                f"worker + copy processes {result.tree_rss_mb:.0f} MB"
            )

    def median(source: str, field: str) -> float:
        return statistics.median(getattr(result, field) for result in runs[source])

    def peak(source: str, field: str) -> float:
        return round(max(getattr(result, field) for result in runs[source]), 1)

    csv_rate, xlsx_rate = median("csv", "docs_per_s"), median("xlsx", "docs_per_s")
    summary = {
        "rows": args.rows,
        "file_bytes": args.file_bytes,
        "batch_size": args.batch_size,
        "runs": args.runs,
        "csv_docs_per_s": round(csv_rate, 1),
        "xlsx_docs_per_s": round(xlsx_rate, 1),
        "ratio": round(xlsx_rate / csv_rate, 3),
        "xlsx_worker_peak_rss_mb": peak("xlsx", "worker_rss_mb"),
        "xlsx_tree_peak_rss_mb": peak("xlsx", "tree_rss_mb"),
        "csv_worker_peak_rss_mb": peak("csv", "worker_rss_mb"),
        "csv_tree_peak_rss_mb": peak("csv", "tree_rss_mb"),
        "xlsx_store_s": round(median("xlsx", "store_s"), 2),
        "csv_store_s": round(median("csv", "store_s"), 2),
        "xlsx_store_peak_rss_mb": peak("xlsx", "store_rss_mb"),
        "xlsx_mb": round(xlsx_mb, 1),
        "sheet_xml_mb": round(sheet_bytes / 1024**2, 1),
        "csv_docs_per_s_runs": [round(result.docs_per_s, 1) for result in runs["csv"]],
        "xlsx_docs_per_s_runs": [round(result.docs_per_s, 1) for result in runs["xlsx"]],
    }
    _log(
        f"median of {args.runs}: csv {csv_rate:,.0f} docs/s, xlsx {xlsx_rate:,.0f} docs/s, "
        f"ratio xlsx/csv {summary['ratio']} (target >= 0.5); peak RSS xlsx worker "
        f"{summary['xlsx_worker_peak_rss_mb']} MB (target <= 300; with copy processes "
        f"{summary['xlsx_tree_peak_rss_mb']}), csv worker {summary['csv_worker_peak_rss_mb']} MB "
        f"(with copy processes {summary['csv_tree_peak_rss_mb']})"
    )
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
