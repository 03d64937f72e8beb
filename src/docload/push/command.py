"""`docload push DIR --metadata FILE --server URL --client-id ID --secret S`."""

from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from docload.push.client import Api, ZgwAuth
from docload.push.local import (
    PushError,
    State,
    read_names,
    sha256_of,
    summarize_report,
    unsendable,
)
from docload.push.ui import Display

EXIT_OK, EXIT_ROWS_FAILED, EXIT_ERROR = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docload push",
        description="Upload the files a metadata CSV names (bestandspad) to a docload server "
        "and import them. Run it again to resume: files already uploaded are skipped.",
    )
    parser.add_argument("dir", type=Path, help="the folder bestandspad is relative to")
    parser.add_argument("--metadata", type=Path, required=True, help="the metadata CSV")
    parser.add_argument("--server", required=True, help="e.g. http://localhost:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--secret", default=os.environ.get("DOCLOAD_SECRET"))
    parser.add_argument("--parallel", type=int, default=4, help="uploads at once (4)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="upload, then let the server check every row and file without importing; "
        "run again without it to import (uploads are kept)",
    )
    parser.add_argument("--poll-interval", type=float, default=1.0, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    if not options.secret:
        parser().error("give --secret (or set DOCLOAD_SECRET)")
    if options.parallel < 1:
        parser().error("--parallel must be at least 1")
    display = Display(options.format)
    result: dict[str, Any] = {"errors": []}
    api = Api(
        options.server,
        ZgwAuth(options.client_id, options.secret),
        parallel=options.parallel,
        on_retry=display.notice,
    )
    try:
        code = Push(options, api, display, result).run()
    except PushError as exc:
        display.stop()
        result["errors"].append(str(exc))
        code = EXIT_ERROR
    finally:
        api.close()
    result["exitCode"] = code
    display.result(result)
    return code


class Push:
    def __init__(
        self, options: argparse.Namespace, api: Api, display: Display, result: dict[str, Any]
    ) -> None:
        self.options, self.api, self.display, self.result = options, api, display, result
        self.metadata: Path = options.metadata
        self.dir: Path = options.dir

    def run(self) -> int:
        if not self.metadata.is_file():
            raise PushError(f"No metadata file {self.metadata}.")
        if not self.dir.is_dir():
            raise PushError(f"No folder {self.dir}.")
        names = read_names(self.metadata)
        problems = unsendable(names, self.metadata.name)
        if problems:
            raise PushError("Cannot upload: " + "; ".join(problems[:10]))
        state = State.for_metadata(self.metadata, self.api.server)
        definition = self.api.definition(state.definition_id) if state.definition_id else None
        if definition is not None and definition.get("status") == "COMPLETED":
            self.display.notice(f"Resuming: definition {definition['id']} is already imported.")
            state.import_id = str(definition["metaJobExecutionId"])
            self.result.update(definitionId=definition["id"], uploaded=0, skipped=0)
            return self.follow(state)
        on_server = self.prepare(state, definition, names)
        self.result["definitionId"] = state.definition_id
        missing = [name for name in names if not (self.dir / name).is_file()]
        failed = self.upload_all(state.definition_id, on_server, names, missing)
        if missing or failed:
            self.result["missing"] = missing
            self.result["errors"].extend(failed)
            self.result["errors"].append(
                f"{len(missing)} file(s) missing and {len(failed)} upload(s) failed: not "
                "imported. Run again to upload only what is missing."
            )
            return EXIT_ERROR
        state.import_id = self.api.process(state.definition_id, dry_run=self.options.dry_run)
        state.save()
        return self.follow(state)

    def prepare(
        self, state: State, definition: dict[str, Any] | None, names: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The definition's files by name: a new definition, or the recorded one completed."""
        wanted = [self.metadata.name, *names]
        if definition is None or definition.get("status") == "ERROR":
            created = self.api.create_definition(wanted)
            state.definition_id, state.import_id = str(created["id"]), ""
            state.save()
        else:
            self.display.notice(f"Resuming upload definition {state.definition_id}.")
        on_server = {file["name"]: file for file in self.api.files(state.definition_id)}
        absent = [name for name in wanted if name not in on_server]
        if absent:
            self.api.add_files(state.definition_id, absent)
            on_server = {file["name"]: file for file in self.api.files(state.definition_id)}
        return on_server

    def upload_all(
        self,
        definition_id: str,
        on_server: dict[str, dict[str, Any]],
        names: list[str],
        missing: list[str],
    ) -> list[str]:
        """Upload what the server lacks, `--parallel` at once; the failures' messages."""
        absent = set(missing)
        todo = [(self.metadata.name, self.metadata)] + [
            (name, self.dir / name) for name in names if name not in absent
        ]
        sizes = {name: path.stat().st_size for name, path in todo}
        self.display.start_uploads(sum(sizes.values()), len(todo))
        counts = {"uploaded": 0, "skipped": 0}
        failures: list[str] = []
        lock = threading.Lock()

        def one(item: tuple[str, Path]) -> None:
            name, path = item
            known = on_server[name]
            try:
                if known.get("status") == "UPLOADED" and known.get("sha256") == sha256_of(path):
                    with lock:
                        counts["skipped"] += 1
                    self.display.file_done(skipped_size=sizes[name])
                    return
                self.api.upload(definition_id, str(known["id"]), path, self.display.upload_bytes)
            except (PushError, OSError) as exc:
                with lock:
                    failures.append(f"{name}: {exc}")
            else:
                with lock:
                    counts["uploaded"] += 1
            self.display.file_done()

        try:
            with ThreadPoolExecutor(self.options.parallel) as pool:
                list(pool.map(one, todo))
        finally:
            self.display.stop()
        self.result.update(counts)
        return failures

    def follow(self, state: State) -> int:
        """Watch the import to its end, download the report, summarize it."""
        self.result["importId"] = state.import_id
        self.display.start_import()
        try:
            while True:
                status = self.api.status(state.import_id)
                self.display.import_status(status)
                if status["status"] in ("finished", "error"):
                    break
                time.sleep(self.options.poll_interval)
        finally:
            self.display.stop()
        report = self.metadata.with_name(self.metadata.name + ".report.csv")
        self.api.download_report(state.import_id, report)
        if self.options.dry_run:
            self.display.notice("Dry run: nothing was imported. Run again without --dry-run.")
        else:
            state.clear()  # a dry run's uploads serve the real run
        summary = summarize_report(report)
        self.result.update(
            dryRun=self.options.dry_run,
            importStatus=status["status"],
            comment=status.get("comment", ""),
            rows={"ok": summary.ok, "failed": summary.failed},
            failures=summary.failures,
            report=str(report),
        )
        if status["status"] == "error" and status.get("comment"):
            self.result["errors"].append(f"The import stopped: {status['comment']}")
        failed = summary.failed or status["status"] == "error"
        return EXIT_ROWS_FAILED if failed else EXIT_OK
