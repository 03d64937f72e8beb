"""A JSON import run as engine calls: staging its files, its payloads one after the other as
jobs (dry runs for `prepare`), their rollback, its status and its log.

The payloads run in manifest order: when a payload's job finishes, the engine's `job_finished`
signal starts the next enabled one (`continue_after`), in the worker, so a run goes on across
restarts as its jobs do. A payload whose job stops (a failed lookup) stops the run there; `start`
again resumes that job, from the batch that failed, with the payload replaced if one was sent.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import IO, Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from docload.dialects.jsonimport.models import Payload, Run
from docload.documents.storage import iter_chunks
from docload.imports.areas import NewFile, create_area, delete_area, get_area, job_from_staged
from docload.imports.content import StagedFilesResolver, check_base_dir
from docload.imports.errors import ContentError, ImportProblem
from docload.imports.fetching import fetch
from docload.imports.jobs import replace_source
from docload.imports.models import (
    OPEN_STATUSES,
    FileStatus,
    Job,
    JobStatus,
    RollbackStatus,
    RowResult,
    StagedFile,
)
from docload.imports.receiving import receive_all, upload_file
from docload.imports.scheduling import resume_job, roll_back_job, start_job
from docload.imports.sources.manifest import (
    MAX_MANIFEST_BYTES,
    check_payloads_given,
    parse_manifest,
)
from docload.imports.sources.payloads import check_payload
from docload.imports.url_content import policy_from_settings
from docload.imports.writer import CONTENT_SKIPPED

DIALECT = "jsonimport"
PREPARE, START = "prepare", "start"
UPLOADS_DIALECT = "uploads"
MANIFEST = "manifest.json"


def create_from_uploads(manifest: Any, payloads: list[Any], user: str) -> Run:
    """A run of the uploaded manifest and payloads (Django uploads, each payload named by its
    file name); content from the base directory."""
    if manifest is None:
        raise ImportProblem("manifest-missing", "Send the manifest as the part `manifest`.")
    manifest.name = MANIFEST
    staged = receive_all(DIALECT, [manifest, *payloads], user)
    area = staged[0].area_id
    try:
        check_base_dir(settings.IMPORT_DOCUMENTEN_BASE_DIR)
        source = {"kind": "base_dir", "path": str(settings.IMPORT_DOCUMENTEN_BASE_DIR)}
        return _create(area, source, user)
    except ImportProblem:
        delete_area(DIALECT, area)
        raise


def create_from_url(manifest_url: str, user: str) -> Run:
    """A run of the manifest at `manifest_url` and its payloads, fetched by the server from
    `payload_base_uri` (default: where the manifest is), only from `DOCLOAD_FETCH_ALLOWLIST`;
    content from the base directory (or URLs, as the manifest says)."""
    policy = policy_from_settings()
    try:
        with fetch(manifest_url, policy) as stream:
            manifest = parse_manifest(stream.read(MAX_MANIFEST_BYTES + 1))
    except ContentError as exc:
        raise ImportProblem("manifest-not-fetched", f"{manifest_url}: {exc}") from exc
    base = manifest.payload_base_uri or manifest_url.rsplit("/", 1)[0] + "/"
    area = create_area(DIALECT, user, [NewFile(MANIFEST), *map(NewFile, manifest.payloads)])
    try:
        for staged in area.files.order_by("pk"):
            url = manifest_url if staged.name == MANIFEST else base + staged.name
            try:
                with fetch(url, policy) as stream:
                    chunks = iter_chunks(cast(IO[bytes], stream))
                    upload_file(DIALECT, area.uuid, staged.uuid, chunks, user)
            except ContentError as exc:
                raise ImportProblem("payload-not-fetched", f"{url}: {exc}") from exc
        check_base_dir(settings.IMPORT_DOCUMENTEN_BASE_DIR)
        source = {"kind": "base_dir", "path": str(settings.IMPORT_DOCUMENTEN_BASE_DIR)}
        return _create(area.uuid, source, user)
    except ImportProblem:
        delete_area(DIALECT, area.uuid)
        raise


def create_from_definition(definition_id: uuid.UUID, user: str) -> Run:
    """A run of the manifest and payloads staged in an upload definition, whose other files
    are the content `eas:path` names."""
    area = get_area(UPLOADS_DIALECT, definition_id)
    waiting = area.files.exclude(status=FileStatus.UPLOADED).exists()
    if waiting:
        raise ImportProblem("files-not-uploaded", "Some files of the definition are not uploaded.")
    return _create(area.uuid, {"kind": "staged", "area": str(area.uuid)}, user)


def _create(area: uuid.UUID, content_source: dict[str, Any], user: str) -> Run:
    resolver = StagedFilesResolver(area)
    try:
        opened = resolver.open(MANIFEST)
    except ContentError:
        raise ImportProblem("manifest-missing", f"No {MANIFEST} was uploaded.") from None
    with opened.stream:
        manifest = parse_manifest(opened.stream.read(MAX_MANIFEST_BYTES + 1))
    given = set(StagedFile.objects.filter(area__uuid=area).values_list("name", flat=True))
    check_payloads_given(manifest, given)
    if manifest.eas_type == "ignore":
        content_source = {"kind": "ignore"}
    if manifest.eas_type == "url":
        content_source = {"kind": "url", "replace_localhost": manifest.eas_replace_url}
    if manifest.eas_skip_errors:
        content_source = {**content_source, "skip_errors": True}
    import_types = [
        check_payload(name, lambda name=name: resolver.open(name).stream)  # type: ignore[misc]
        for name in manifest.payloads
    ]
    with transaction.atomic():
        run = Run.objects.create(
            source=manifest.source,
            batch_size=manifest.batch_size,
            eas_type=manifest.eas_type,
            content_source=content_source,
            area_uuid=area,
            created_by=user,
        )
        Payload.objects.bulk_create(
            Payload(run=run, position=position, name=name, import_type=import_type)
            for position, (name, import_type) in enumerate(
                zip(manifest.payloads, import_types, strict=True)
            )
        )
    return run


def _jobs(run: Run) -> dict[uuid.UUID, Job]:
    payloads = list(run.payloads.all())
    wanted = [u for p in payloads for u in (p.job_uuid, p.prepared_job_uuid) if u]
    return {job.uuid: job for job in Job.objects.filter(uuid__in=wanted)}


def _job_of(payload: Payload, jobs: dict[uuid.UUID, Job], mode: str) -> Job | None:
    job_uuid = payload.prepared_job_uuid if mode == PREPARE else payload.job_uuid
    return jobs.get(job_uuid) if job_uuid else None


def start_run(
    run: Run, mode: str, options: dict[str, dict[str, Any]], replaced: dict[str, Any]
) -> None:
    """Import the payloads (`start`), or dry-run them (`prepare`), from the first enabled one
    not done yet. `options` sets payloads' `enabled` and `starting_batch` by name; `replaced`
    (Django uploads by payload name) fixes the payload of a job that stopped."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run.pk)
        jobs = _jobs(run)
        if any(job.status in OPEN_STATUSES for job in jobs.values()):
            raise ImportProblem("import-running", "The run is running; wait for it to end.")
        payloads = {payload.name: payload for payload in run.payloads.all()}
        unknown = sorted((set(options) | set(replaced)) - set(payloads))
        if unknown:
            raise ImportProblem("payload-unknown", f"No such payloads: {', '.join(unknown)}.")
        for name, changes in options.items():
            payload = payloads[name]
            payload.enabled = bool(changes.get("enabled", payload.enabled))
            payload.starting_batch = int(changes.get("starting_batch", payload.starting_batch))
            payload.save(update_fields=["enabled", "starting_batch"])
        for name, upload in replaced.items():
            job = _job_of(payloads[name], jobs, mode)
            if job is None or job.status != JobStatus.ERROR:
                raise ImportProblem(
                    "invalid-status", f"{name}: only a payload that stopped can be replaced."
                )
            replace_source(job, upload.chunks(), name)
        run.mode, run.started_on = mode, run.started_on or timezone.now()
        run.save(update_fields=["mode", "started_on"])
        _start_next(run, jobs)


def _start_next(run: Run, jobs: dict[uuid.UUID, Job]) -> None:
    """Start (or resume) the first enabled payload whose job of the run's mode is not done."""
    for payload in run.payloads.filter(enabled=True):
        job = _job_of(payload, jobs, run.mode)
        if job is not None and job.status == JobStatus.FINISHED:
            continue
        if job is not None:
            if job.status == JobStatus.ERROR:
                resume_job(job)
            return
        _start_payload(run, payload)
        return


def _start_payload(run: Run, payload: Payload) -> None:
    staged = StagedFile.objects.get(area__uuid=run.area_uuid, name=payload.name)
    dry_run = run.mode == PREPARE
    with (
        job_from_staged(staged, DIALECT, "json", "payload-missing", batch_size=run.batch_size) as (
            job,
            key,
        ),
        transaction.atomic(),
    ):
        skipped = (payload.starting_batch - 1) * run.batch_size
        # A dry run's lookups may find what the dry runs of the payloads before it would create.
        follows = [
            str(earlier.prepared_job_uuid)
            for earlier in run.payloads.filter(position__lt=payload.position, enabled=True)
            if dry_run and earlier.prepared_job_uuid
        ]
        Job.objects.filter(pk=job.pk).update(processed=skipped, follows=follows)
        start_job(job, key, run.content_source, dry_run=dry_run)
        field = "prepared_job_uuid" if dry_run else "job_uuid"
        setattr(payload, field, job.uuid)
        payload.save(update_fields=[field])


def continue_after(job: Job) -> None:
    """A payload's job finished: start the next payload of its run, in the same mode."""
    payload = Payload.objects.filter(job_uuid=job.uuid).select_related("run").first()
    mode = START
    if payload is None:
        payload = Payload.objects.filter(prepared_job_uuid=job.uuid).select_related("run").first()
        mode = PREPARE
    if payload is None or payload.run.mode != mode:
        return
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=payload.run_id)
        _start_next(run, _jobs(run))


def roll_back_run(run: Run) -> bool:
    """Roll back every payload's import, the last first; False when all were rolled back
    already (or none ran). Refused (`import-running`) while one runs."""
    jobs = _jobs(run)
    imports = [
        jobs[payload.job_uuid]
        for payload in run.payloads.order_by("-position")
        if payload.job_uuid in jobs
    ]
    if any(job.status in OPEN_STATUSES for job in jobs.values()):
        raise ImportProblem("import-running", "The run is running; wait for it to end.")
    asked = [roll_back_job(job) for job in imports]
    return any(asked)


def status_of(run: Run) -> dict[str, Any]:
    """The run as the API shows it, with each payload's status and counts."""
    jobs = _jobs(run)
    payloads = list(run.payloads.all())
    shown = []
    for payload in payloads:
        job = _job_of(payload, jobs, run.mode or START)
        shown.append(
            {
                "name": payload.name,
                "import_type": payload.import_type,
                "status": _payload_status(job),
                "enabled": payload.enabled,
                "batches": -(-(job.total or 0) // run.batch_size) if job else 0,
                "objects": (job.total or 0) if job else 0,
                "starting_batch": payload.starting_batch,
                "error": job.comment if job and job.status == JobStatus.ERROR else "",
            }
        )
    current = [_job_of(p, jobs, run.mode) for p in payloads if p.enabled] if run.mode else []
    imports = [jobs[p.job_uuid] for p in payloads if p.job_uuid in jobs]
    finished = [job.finished_on for job in current if job and job.finished_on]
    status = _run_status(run, current, imports)
    live = [job for job in imports if not job.rollback]
    updated = RowResult.objects.filter(job__in=live, previous_versie__isnull=False).count()
    return {
        "id": str(run.uuid),
        "status": status,
        "source": run.source,
        "batch_size": run.batch_size,
        "created": run.created_on,
        "started": run.started_on,
        "finished": max(finished) if status in _ENDED and finished else None,
        "counts": {
            "created": sum(job.succeeded for job in live) - updated,
            "updated": updated,
            "failed": sum(job.invalid for job in current if job),
        },
        "payloads": shown,
    }


_ENDED = ("Prepared", "Success", "Error", "RolledBack")


def _payload_status(job: Job | None) -> str:
    if job is None or job.status in OPEN_STATUSES:
        return "Pending"
    return "Success" if job.status == JobStatus.FINISHED else "Error"


def _run_status(run: Run, current: list[Job | None], imports: list[Job]) -> str:
    rollbacks = {job.rollback for job in imports}
    if RollbackStatus.ROLLING_BACK in rollbacks:
        return "RollingBack"
    if imports and rollbacks == {RollbackStatus.ROLLED_BACK}:
        return "RolledBack"
    if not run.mode:
        return "Pending"
    if any(job is not None and job.status == JobStatus.ERROR for job in current):
        return "Error"
    if current and all(job is not None and job.status == JobStatus.FINISHED for job in current):
        return "Prepared" if run.mode == PREPARE else "Success"
    return "Preparing" if run.mode == PREPARE else "Running"


LOG_COLUMNS = ("time", "payload", "batch", "severity", "code", "message", "key", "value")
_LOOKUP = re.compile(r"(Lookup\w+): (.*) \(key (\S+), value (.*)\)$")
_FIELD = re.compile(r"^([\w.]+): .*?(?: \[([\w-]+)\])?$")


def log_entries(run: Run) -> Iterator[tuple[Any, ...]]:
    """The run's log, payload by payload (of its current mode): when each started and ended,
    every record that failed, every one imported without its content (`eas_skip_errors`), and
    why a payload stopped. Streamed from the row results."""
    jobs = _jobs(run)
    for payload in run.payloads.all():
        job = _job_of(payload, jobs, run.mode or START)
        if job is None:
            continue
        yield (job.started_on, payload.name, "", "info", "", "Payload started.", "", "")
        noted = RowResult.objects.filter(job=job).filter(
            Q(imported=False) | Q(comment__startswith=CONTENT_SKIPPED)
        )
        for row in noted.order_by("row_number").iterator(chunk_size=2000):
            batch = (row.row_number - 2) // run.batch_size + 1
            severity = "warning" if row.imported else "error"
            yield (row.recorded_on, payload.name, batch, severity, *_explain(row.comment))
        if job.status == JobStatus.ERROR:
            yield (job.finished_on, payload.name, "", "error", *_explain(job.comment))
        elif job.status == JobStatus.FINISHED:
            done = f"Payload done: {job.succeeded} records, {job.invalid} failed."
            yield (job.finished_on, payload.name, "", "info", "", done, "", "")


def _explain(comment: str) -> tuple[str, str, str, str]:
    """(code, message, key, value) of a comment: a lookup's, or a field's (`name: … [code]`)."""
    lookup = _LOOKUP.search(comment)
    if lookup:
        code, _, key, value = lookup.groups()
        return code, comment, key, value
    field = _FIELD.match(comment)
    if field:
        return field.group(2) or "", comment, field.group(1), ""
    return "", comment, "", ""
