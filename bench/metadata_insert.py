"""Metadata insert on PostgreSQL: `bulk_create` against the Inserter's INSERTs and its COPY.

    .venv/bin/python bench/metadata_insert.py [--rows 30000] [--batch-size 500] [--runs 3]
        [--workdir DIR] [--keep]

It starts a throwaway PostgreSQL cluster (`scripts/test_scale.py`'s `postgres_cluster`), migrates
its database and adds one published informatieobjecttype (`bench/import_throughput.py`'s
`prepare` step, with DATABASE_URL set), then, in one Django process, builds `--rows` documents'
values as an import's batch writer gives them (`committing._document_values`) and inserts them
`--runs` times, interleaved (each run starting with the next way), three ways:

- `bulk_create`: `EnkelvoudigInformatieObject.objects.bulk_create` of model instances, built from
  the same values before the clock starts (the baseline);
- `insert`: the Inserter's multi-row INSERT statements (`_insert_with_statements`, its SQLite
  path), values prepared as for COPY;
- `copy`: `Inserter.insert`, COPY on PostgreSQL.

Each way inserts `--batch-size` rows per transaction into the emptied table (TRUNCATE before each
way); rows/s over all its batches. The last line printed is one JSON object (see `_bench`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "scripts"))
sys.path.insert(0, str(BENCH.parent))

from import_throughput import _env, _in_django, _log, in_workdir  # noqa: E402
from test_scale import postgres_bin, postgres_cluster  # noqa: E402
from tests.factories import VALID_RSIN  # noqa: E402

WAYS = ("bulk_create", "insert", "copy")


# --- the measuring step, inside Django, in a child process on the cluster's database -----------


def _document_values(index: int, type_pk: int, job_pk: int, job_hex: str) -> dict[str, Any]:
    """One row's values as `committing._document_values` gives them for a CSV row with content
    (an explicit identificatie; every other optional column empty, trefwoorden on some)."""
    document_uuid = uuid.uuid4()
    return {
        "identificatie": f"BENCH-{index:010d}",
        "titel": f"Bench document {index}",
        "auteur": "Gemeente",
        "formaat": "application/pdf",
        "bestandsnaam": f"{index:06d}.pdf",
        "beschrijving": "",
        "verschijningsvorm": "",
        "bronorganisatie": VALID_RSIN,
        "taal": "nld",
        "creatiedatum": datetime.date(2024, 3, 1) + datetime.timedelta(days=index % 365),
        "ontvangstdatum": None,
        "verzenddatum": datetime.date(2024, 3, 2) if index % 3 == 0 else None,
        "vertrouwelijkheidaanduiding": "openbaar",
        "status": "definitief" if index % 2 else "",
        "bestandsomvang": 20480,
        "link": "",
        "indicatie_gebruiksrecht": None if index % 4 else False,
        "ondertekening_soort": "",
        "ondertekening_datum": None,
        "integriteit_algoritme": "",
        "integriteit_waarde": "",
        "integriteit_datum": None,
        "trefwoorden": ["archief", "besluit"] if index % 5 == 0 else [],
        "uuid": document_uuid,
        "import_job_id": job_pk,
        "informatieobjecttype_id": type_pk,
        "content_key": f"documenten/import-{job_hex}/{index // 500:06d}/{document_uuid}",
    }


def _measure(rows: int, batch_size: int, runs: int, type_pk: int) -> dict[str, list[float]]:
    import django

    django.setup()
    from django.db import connection, transaction

    from docload.documents.models import EnkelvoudigInformatieObject as Document
    from docload.imports.inserting import Inserter, _insert_with_statements
    from docload.imports.jobs import create_job

    assert connection.vendor == "postgresql", "DATABASE_URL must name the bench's cluster"
    job = create_job("bench", batch_size=batch_size)
    values = [_document_values(n, type_pk, job.pk, job.uuid.hex) for n in range(rows)]
    batches = [values[start : start + batch_size] for start in range(0, rows, batch_size)]
    inserter = Inserter(Document)

    def bulk_create(batch: list[Any]) -> None:
        Document.objects.bulk_create(batch)

    ways = {
        "bulk_create": bulk_create,
        "insert": lambda batch: _insert_with_statements(inserter, batch),
        "copy": inserter.insert,
    }
    rates: dict[str, list[float]] = {way: [] for way in WAYS}
    for run in range(runs):
        for way in WAYS[run % 3 :] + WAYS[: run % 3]:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Document._meta.db_table} CASCADE")
            given: list[Any] = batches
            if way == "bulk_create":  # instances made before the clock starts: bulk_create only
                given = [[Document(**row) for row in batch] for batch in batches]
            start = time.perf_counter()
            for batch in given:
                with transaction.atomic():
                    ways[way](batch)
            rates[way].append(rows / (time.perf_counter() - start))
            stored = Document.objects.count()
            if stored != rows:
                raise RuntimeError(f"{way} stored {stored} of {rows} rows")
            print(f"run {run + 1}: {way:12} {rates[way][-1]:10,.0f} rows/s", file=sys.stderr)
    return rates


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new /tmp dir")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "measure":
        rates = _measure(args.rows, args.batch_size, args.runs, int(os.environ["BENCH_TYPE_PK"]))
        print(json.dumps(rates))
        return
    in_workdir("bench-metadata-", args, _bench)


def _bench(args: argparse.Namespace, workdir: Path) -> None:
    data_dir = workdir / "docload"  # DOCLOAD_DATA_DIR; the cluster is in workdir/data
    data_dir.mkdir()
    with postgres_cluster(workdir) as database_url:
        os.environ["DATABASE_URL"] = database_url  # for the Django steps' environment (`_env`)
        type_pk, _ = _in_django("prepare", data_dir, workdir).split()
        _log(f"Migrated the database, rows of {args.batch_size} per transaction; measuring")
        measured = subprocess.run(
            [sys.executable, __file__, "--step", "measure", "--rows", str(args.rows),
             "--batch-size", str(args.batch_size), "--runs", str(args.runs)],
            env={**_env(data_dir, workdir), "BENCH_TYPE_PK": type_pk},
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
    runs: dict[str, list[float]] = json.loads(measured.stdout)
    medians = {way: statistics.median(runs[way]) for way in WAYS}
    summary: dict[str, Any] = {
        "rows": args.rows,
        "batch_size": args.batch_size,
        "runs": args.runs,
        "postgresql": postgres_bin().parent.name,
        **{f"{way}_rows_per_s": round(medians[way], 1) for way in WAYS},
        "copy_vs_bulk_create": round(medians["copy"] / medians["bulk_create"], 2),
        "insert_vs_bulk_create": round(medians["insert"] / medians["bulk_create"], 2),
        "copy_vs_insert": round(medians["copy"] / medians["insert"], 2),
        **{f"{way}_rows_per_s_runs": [round(rate, 1) for rate in runs[way]] for way in WAYS},
    }
    _log(
        f"median of {args.runs}: bulk_create {medians['bulk_create']:,.0f} rows/s, "
        f"INSERT {medians['insert']:,.0f} ({summary['insert_vs_bulk_create']}x), "
        f"COPY {medians['copy']:,.0f} ({summary['copy_vs_bulk_create']}x bulk_create, "
        f"{summary['copy_vs_insert']}x INSERT)"
    )
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
