"""Content archives against files one by one: the same files uploaded and imported both ways.

    .venv/bin/python bench/archive_upload.py [--files 10000] [--file-bytes 20480]
        [--format tar.gz|tar|zip] [--keep]

It makes `--files` content files of `--file-bytes` random bytes each (every file its own bytes,
so the archive does not compress) and, in one run, on two fresh data dirs (one `Deployment`,
`docload serve` with its worker, for each side, the first stopped before the second starts):

(a) files: one upload definition with `metadata.csv` and the content files (added in calls of
    10,000 names, ids paged), each file uploaded in turn over one keep-alive connection, then
    the metadata, processFiles, and the import followed until it ends;
(b) archive: one upload definition with `metadata.csv` and one archive (`--format`) holding the
    same files as `docs/000000.bin`…, uploaded as one file, then the metadata (its `bestandspad`
    the member paths), processFiles, and the import followed until it ends.

Timed for both: the upload phase (first content byte sent to the metadata's upload answered),
the import (processFiles to `finished`), end to end (first content byte to `finished`; the
definition's setup, i.e. creating it and adding names, is timed apart). The server's RSS
(`tree_rss_bytes` of the serve process: gunicorn, its workers, the task worker and its copy
processes) is sampled every 0.5 s from just before the first upload to the end; its peak is
reported, over the whole side and over the upload and import phases apart. Each import must
have imported every file (`processedSuccessfully` == `--files`).

Baselines in the same run, measured before (a) and again after (b) (the mean of the two is what
the ratios use): a plain loop writing the same files to a directory (open/write), and the time
Python's tarfile/zipfile takes to extract the same archive to a directory. Nothing is deleted
until the end. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import statistics
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.upload_definition_files import create_definition, file_ids, upload
from tests.e2e.deployment import Deployment, tree_rss_bytes
from tests.factories import csv_text, metadata_row

_MB = 1024 * 1024
_RSS_EVERY_S = 0.5
BASE = "/data-import/uploadDefinitions"
FORMATS = {"tar.gz": "w:gz", "tar": "w", "zip": "zip"}


class RssSampler:
    """The serve process tree's RSS, sampled in a thread until `stop()`; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[int] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            self.samples.append(tree_rss_bytes(self.pid))
            self._done.wait(_RSS_EVERY_S)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        self.samples.append(tree_rss_bytes(self.pid))
        return max(self.samples)


def definition_with(deployment: Deployment, names: list[str]) -> tuple[str, dict[str, str]]:
    """A definition with metadata.csv and `names`; its id and the ids of its files by name."""
    definition_id = create_definition(deployment, names)
    ids = file_ids(deployment, definition_id)
    assert len(ids) == len(names) + 1, len(ids)
    return definition_id, ids


def process_and_wait(deployment: Deployment, definition_id: str) -> dict[str, Any]:
    body = json.dumps({"uploadDefinition": {"id": definition_id}}).encode()
    answer = deployment.request(
        "POST", f"{BASE}/{definition_id}/processFiles", body, "application/json"
    )
    assert answer[0] == 204, answer
    job = deployment.json("GET", f"{BASE}/{definition_id}")["metaJobExecutionId"]
    status: dict[str, Any] = deployment.wait_for(
        f"/documenten/api/v1/import/{job}/status", {"finished", "error"}, timeout=3600
    )
    return status


def metadata_csv(document_type: str, paths: list[str]) -> bytes:
    rows = [metadata_row(document_type, bestandspad=path, titel=path) for path in paths]
    return csv_text(rows).encode()


def run_side(
    work_dir: Path, side: str, contents: list[bytes], archive: bytes | None, archive_name: str
) -> dict[str, Any]:
    """One side, on a fresh deployment: (a) files one by one, or (b) one archive."""
    count = len(contents)
    deployment = Deployment(work_dir / f"data-{side}")
    try:
        deployment.serve()
        server_pid = deployment.processes[0].pid
        document_type = deployment.published_type()
        started = time.perf_counter()
        if archive is None:
            names = [f"doc-{index:06d}.bin" for index in range(count)]
            definition_id, ids = definition_with(deployment, names)
        else:
            names = member_paths(count)
            definition_id, ids = definition_with(deployment, [archive_name])
        setup_seconds = time.perf_counter() - started
        metadata = metadata_csv(document_type, names)

        connection = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=1800)
        idle_rss = tree_rss_bytes(server_pid)
        sampler = RssSampler(server_pid)
        os.sync()
        started = time.perf_counter()
        if archive is None:
            for name, content in zip(names, contents, strict=True):
                upload(
                    connection,
                    deployment.token,
                    f"{BASE}/{definition_id}/files/{ids[name]}",
                    content,
                )
        else:
            upload(
                connection,
                deployment.token,
                f"{BASE}/{definition_id}/files/{ids[archive_name]}",
                archive,
            )
        content_seconds = time.perf_counter() - started
        uploaded = upload(
            connection,
            deployment.token,
            f"{BASE}/{definition_id}/files/{ids['metadata.csv']}",
            metadata,
        )
        connection.close()
        assert uploaded["status"] == "LOADED", uploaded["status"]
        upload_seconds = time.perf_counter() - started
        upload_rss = max(sampler.samples, default=0)
        upload_samples = len(sampler.samples)
        imported = time.perf_counter()
        status = process_and_wait(deployment, definition_id)
        finished = time.perf_counter()
        peak_rss = sampler.stop()
        assert status["status"] == "finished", status
        assert status["processedSuccessfully"] == count, status
        definition = deployment.json("GET", f"{BASE}/{definition_id}")
    finally:
        deployment.stop()
    return {
        "setup_s": round(setup_seconds, 2),
        "content_upload_s": round(content_seconds, 2),
        "upload_s": round(upload_seconds, 2),
        "upload_files_per_s": round(count / upload_seconds, 1),
        "import_s": round(finished - imported, 2),
        "import_docs_per_s": round(count / (finished - imported), 1),
        "job_rows_per_s": status.get("rowsPerSecond"),
        "end_to_end_s": round(finished - started, 2),
        "end_to_end_files_per_s": round(count / (finished - started), 1),
        "idle_rss_mb": round(idle_rss / _MB, 1),
        "peak_rss_mb": round(peak_rss / _MB, 1),
        "peak_rss_upload_mb": round(upload_rss / _MB, 1),
        "peak_rss_import_mb": round(max(sampler.samples[upload_samples:]) / _MB, 1),
        "rss_samples": len(sampler.samples),
        "processed_successfully": status["processedSuccessfully"],
        "total_files": definition.get("totalFiles"),
        "file_status_counts": definition.get("fileStatusCounts"),
    }


def member_paths(count: int) -> list[str]:
    return [f"docs/{index:06d}.bin" for index in range(count)]


def make_archive(contents: list[bytes], form: str) -> bytes:
    buffer = io.BytesIO()
    paths = member_paths(len(contents))
    if form == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in zip(paths, contents, strict=True):
                archive.writestr(path, content)
    else:
        with tarfile.open(fileobj=buffer, mode=FORMATS[form]) as archive:  # type: ignore[call-overload]
            for path, content in zip(paths, contents, strict=True):
                info = tarfile.TarInfo(path)
                info.size = len(content)
                info.mtime = int(time.time())
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def baseline_write_s(directory: Path, contents: list[bytes]) -> float:
    """Seconds a plain loop takes to write the files to a fresh directory."""
    directory.mkdir(parents=True)
    os.sync()
    started = time.perf_counter()
    for index, content in enumerate(contents):
        with open(directory / f"{index:06d}.bin", "wb") as target:
            target.write(content)
    return time.perf_counter() - started


def baseline_extract_s(directory: Path, archive_path: Path, form: str) -> float:
    """Seconds tarfile/zipfile take to extract the archive (from a file) to a fresh directory."""
    directory.mkdir(parents=True)
    os.sync()
    started = time.perf_counter()
    if form == "zip":
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(directory)
    else:
        with tarfile.open(archive_path, mode="r:*") as archive:
            archive.extractall(directory, filter="data")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="content files")
    parser.add_argument("--file-bytes", type=int, default=20480, help="size of each file")
    parser.add_argument("--format", choices=list(FORMATS), default="tar.gz", help="archive")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    options = parser.parse_args()
    count = options.files
    form = options.format
    contents = [os.urandom(options.file_bytes) for _ in range(count)]
    work_dir = Path(tempfile.mkdtemp(prefix="bench-archive-", dir="/tmp"))
    try:
        started = time.perf_counter()
        archive = make_archive(contents, form)
        pack_seconds = time.perf_counter() - started
        archive_path = work_dir / f"content.{form}"
        archive_path.write_bytes(archive)

        writes = [baseline_write_s(work_dir / "baseline-write-1", contents)]
        extracts = [baseline_extract_s(work_dir / "baseline-extract-1", archive_path, form)]
        files = run_side(work_dir, "files", contents, None, "")
        packed = run_side(work_dir, "archive", contents, archive, f"content.{form}")
        writes.append(baseline_write_s(work_dir / "baseline-write-2", contents))
        extracts.append(baseline_extract_s(work_dir / "baseline-extract-2", archive_path, form))
    finally:
        if not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)

    write_s = statistics.mean(writes)
    extract_s = statistics.mean(extracts)
    write_per_s = count / write_s
    extract_per_s = count / extract_s

    def ratios(side: dict[str, Any], baseline_s: float) -> dict[str, float]:
        return {
            "upload_vs_baseline": round(baseline_s / side["upload_s"], 4),
            "import_vs_baseline": round(baseline_s / side["import_s"], 4),
            "end_to_end_vs_baseline": round(baseline_s / side["end_to_end_s"], 4),
        }

    files["vs_write_loop"] = ratios(files, write_s)
    packed["vs_write_loop"] = ratios(packed, write_s)
    packed["vs_extract"] = ratios(packed, extract_s)
    end_ratio = packed["end_to_end_s"] / files["end_to_end_s"]
    size = f"{count} files x {options.file_bytes} B"
    print(f"{size}; archive {form}, {len(archive) / _MB:.1f} MB, packed in {pack_seconds:.1f} s")
    for label, side in (("(a) files one by one", files), (f"(b) one {form}", packed)):
        print(
            f"  {label:22} setup {side['setup_s']:6.1f} s  upload {side['upload_s']:7.1f} s"
            f" ({side['upload_files_per_s']:7.0f} files/s)  import {side['import_s']:6.1f} s"
            f" ({side['import_docs_per_s']:5.0f} docs/s)  end to end {side['end_to_end_s']:7.1f} s"
            f"  peak RSS {side['peak_rss_mb']:.0f} MB"
        )
    for label, per_s, runs in (
        ("open/write loop", write_per_s, writes),
        (f"{form} extract", extract_per_s, extracts),
    ):
        seconds = ", ".join(f"{run:.2f}" for run in runs)
        print(f"  baseline {label:16} {per_s:8.0f} files/s ({seconds} s)")
    print(f"  end to end (b)/(a) {end_ratio:.3f}")
    print(
        json.dumps(
            {
                "files": count,
                "file_bytes": options.file_bytes,
                "format": form,
                "archive_mb": round(len(archive) / _MB, 1),
                "pack_s": round(pack_seconds, 2),
                "files_side": files,
                "archive_side": packed,
                "end_to_end_ratio_archive_vs_files": round(end_ratio, 4),
                "baseline_write_s": [round(s, 3) for s in writes],
                "baseline_write_files_per_s": round(write_per_s, 1),
                "baseline_extract_s": [round(s, 3) for s in extracts],
                "baseline_extract_files_per_s": round(extract_per_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
