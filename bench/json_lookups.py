"""JSON lookups: the same documents as a JSON payload with plain type URLs and with lookups.

    .venv/bin/python bench/json_lookups.py [--rows 10000] [--file-bytes 20480] [--types 5]
        [--batch-size 500] [--runs 2] [--no-csv] [--workdir DIR] [--keep]

It generates N content files of random bytes and a metadata CSV naming them (with
`bench/import_throughput.py`'s `generate`), a template data dir (migrated by its `prepare` step)
into which `--types` document types with a `reference` are imported through the engine (a types
payload, `docload import`), and two document payloads of the same N records, the types spread
over them round-robin: one naming each record's type by URL (`informatieobjecttype`), one by
`"lookup:informatieobjecttype": {"reference": …}`. Then, `--runs` times, interleaved (each run
starting with the next of them), it imports the plain payload, the lookup payload and (unless
`--no-csv`) the CSV, each in a fresh copy of the template with a real `docload worker`
(`bench/xlsx_import.py`'s `import_run`). Documents/s come from the job's own
`started_on`/`finished_on`. The last line printed is one JSON object (see `_bench`); `ratio` is
lookup/plain, the issue asks ≥ 0.8333 (lookups add ≤ 20%).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from import_throughput import (  # noqa: E402
    DB_NAME,
    DOCLOAD,
    _env,
    _in_django,
    _log,
    generate,
    in_workdir,
    template_dirs,
)
from tests.factories import VALID_RSIN  # noqa: E402
from xlsx_import import Run, import_run  # noqa: E402

TYPE_URL = "http://localhost/catalogi/api/v1/informatieobjecttypen/{}"
# The measured sources, in the order each run imports them.
SOURCES = ("plain", "lookup", "csv")


def write_payload(target: Path, import_type: str, key: str, records: list[dict[str, Any]]) -> None:
    with open(target, "w", encoding="utf-8") as stream:
        json.dump({"import_type": import_type, key: records}, stream)


def prepare_types(template: Path, base_dir: Path, workdir: Path, count: int) -> dict[str, str]:
    """`count` published document types with a reference, imported into the template through
    the engine (`docload import` of a types payload); returns reference → type URL."""
    references = [f"bench-type-{n}" for n in range(count)]
    types = workdir / "types.json"
    write_payload(
        types,
        "informatieobjecttype",
        "informatieobjecttypen",
        [
            {
                "reference": reference,
                "omschrijving": f"Bench type {n}",
                "vertrouwelijkheidaanduiding": "openbaar",
                "beginGeldigheid": "2024-01-01",
            }
            for n, reference in enumerate(references)
        ],
    )
    result = subprocess.run(
        [str(DOCLOAD), "import", str(types), "--base-dir", str(base_dir)],
        env=_env(template, base_dir),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"importing the types failed:\n{result.stdout}\n{result.stderr}")
    connection = sqlite3.connect(template / DB_NAME)
    try:
        found = dict(
            connection.execute(
                "SELECT reference, uuid FROM catalog_informatieobjecttype "
                "WHERE reference IS NOT NULL AND NOT concept"
            )
        )
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    missing = set(references) - set(found)
    if missing:
        raise RuntimeError(f"types not imported: {sorted(missing)}")
    return {reference: TYPE_URL.format(found[reference]) for reference in references}


def document_payloads(workdir: Path, paths: list[str], types: dict[str, str]) -> tuple[Path, Path]:
    """The same documents twice: with `informatieobjecttype` URLs, and with lookups."""
    references = list(types)
    plain: list[dict[str, Any]] = []
    lookup: list[dict[str, Any]] = []
    for index, path in enumerate(paths):
        reference = references[index % len(references)]
        record = {
            "identificatie": f"BENCH-{index:010d}",
            "bronorganisatie": VALID_RSIN,
            "creatiedatum": "2024-03-01",
            "titel": f"Bench document {index}",
            "auteur": "Gemeente",
            "taal": "nld",
            "bestandsnaam": Path(path).name,
            "formaat": "application/octet-stream",
            "inhoud": {"eas:path": path},
        }
        plain.append({**record, "informatieobjecttype": types[reference]})
        lookup.append({**record, "lookup:informatieobjecttype": {"reference": reference}})
    plain_path, lookup_path = workdir / "plain.json", workdir / "lookup.json"
    write_payload(plain_path, "document", "documents", plain)
    write_payload(lookup_path, "document", "documents", lookup)
    return plain_path, lookup_path


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--file-bytes", type=int, default=20 * 1024)
    parser.add_argument("--types", type=int, default=5, help="document types over the documents")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=2, help="plain + lookup (+ csv), interleaved")
    parser.add_argument("--no-csv", action="store_true", help="skip the CSV import of the rows")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new /tmp dir")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    in_workdir("bench-json-", args, _bench)


def _bench(args: argparse.Namespace, workdir: Path) -> None:
    template, base_dir = template_dirs(workdir)
    start = time.perf_counter()
    _in_django("prepare", template, base_dir)  # migrated, and one type the CSV does not use
    types = prepare_types(template, base_dir, workdir, args.types)
    # The CSV names one type for every row: it is the baseline of the baselines only.
    metadata, paths = generate(workdir, args.rows, args.file_bytes, next(iter(types.values())))
    plain, lookup = document_payloads(workdir, paths, types)
    _log(
        f"Prepared {args.rows} files of {args.file_bytes} bytes, {args.types} types, payloads of "
        f"{plain.stat().st_size / 1024**2:.1f} MB (plain) and "
        f"{lookup.stat().st_size / 1024**2:.1f} MB (lookup) in "
        f"{time.perf_counter() - start:.0f}s under {workdir}"
    )

    inputs = {"plain": ("json", plain), "lookup": ("json", lookup), "csv": ("csv", metadata)}
    sources = [source for source in SOURCES if not (args.no_csv and source == "csv")]
    runs: dict[str, list[Run]] = {source: [] for source in sources}
    for run in range(1, args.runs + 1):
        # Each run starts with the next source, so no source always follows the same one.
        shift = (run - 1) % len(sources)
        for source in sources[shift:] + sources[:shift]:
            source_format, path = inputs[source]
            result = import_run(
                source_format,
                template,
                workdir / f"run-{run}-{source}",
                base_dir,
                path,
                args.rows,
                args.batch_size,
            )
            runs[source].append(result)
            _log(
                f"run {run}: {source:6} import {result.docs_per_s:8,.0f} docs/s "
                f"({result.seconds:.1f}s; store {result.store_s:.1f}s); peak RSS worker "
                f"{result.worker_rss_mb:.0f} MB, worker + copy processes "
                f"{result.tree_rss_mb:.0f} MB"
            )

    def median(source: str) -> float:
        return statistics.median(result.docs_per_s for result in runs[source])

    def peak(source: str, field: str) -> float:
        return round(max(getattr(result, field) for result in runs[source]), 1)

    plain_rate, lookup_rate = median("plain"), median("lookup")
    summary: dict[str, Any] = {
        "rows": args.rows,
        "file_bytes": args.file_bytes,
        "types": args.types,
        "batch_size": args.batch_size,
        "runs": args.runs,
        "plain_docs_per_s": round(plain_rate, 1),
        "lookup_docs_per_s": round(lookup_rate, 1),
        "ratio": round(lookup_rate / plain_rate, 3),
    }
    if "csv" in runs:
        summary["csv_docs_per_s"] = round(median("csv"), 1)
        summary["plain_vs_csv"] = round(plain_rate / median("csv"), 3)
    for source in sources:
        summary[f"{source}_worker_peak_rss_mb"] = peak(source, "worker_rss_mb")
        summary[f"{source}_tree_peak_rss_mb"] = peak(source, "tree_rss_mb")
    for source in sources:
        summary[f"{source}_docs_per_s_runs"] = [round(r.docs_per_s, 1) for r in runs[source]]
    csv_part = f", csv {summary['csv_docs_per_s']:,.0f}" if "csv" in runs else ""
    _log(
        f"median of {args.runs}: plain {plain_rate:,.0f} docs/s, lookup {lookup_rate:,.0f} "
        f"docs/s{csv_part}; ratio lookup/plain {summary['ratio']} (target >= 0.8333); peak RSS "
        f"lookup worker {summary['lookup_worker_peak_rss_mb']} MB (with copy processes "
        f"{summary['lookup_tree_peak_rss_mb']}), plain worker "
        f"{summary['plain_worker_peak_rss_mb']} MB (with copy processes "
        f"{summary['plain_tree_peak_rss_mb']})"
    )
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
