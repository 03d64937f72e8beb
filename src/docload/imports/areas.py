"""Staging areas: named files announced, uploaded, then imported together.

The service any dialect's wire shape sits on (FOLIO's upload definitions, say). Each refusal is
a `StagingRefused` whose code the dialect renders in its own error shape. An area's status
follows its files until an import starts; from then on its files no longer change.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from docload.documents.storage import delete_content, iter_chunks
from docload.imports.content import StagedFilesResolver
from docload.imports.errors import ContentError, ImportProblem
from docload.imports.jobs import create_job, store_source
from docload.imports.models import (
    OPEN_STATUSES,
    AreaStatus,
    FileStatus,
    Job,
    JobStatus,
    StagedFile,
    StagingArea,
)
from docload.imports.scheduling import start_job
from docload.imports.staging import (
    delete_area_bytes,
    delete_members,
    delete_on_commit,
    free_staging_bytes,
)

METADATA_EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}
MANIFEST_NAME = "manifest.json"
SUPPORTED_METADATA = {"csv", "xlsx"}
_NAMES_SHOWN = 20
# What changes on an area after its creation.
_CHANGING = [
    "status", "job_uuid", "updated_on", "updated_by",
    "new_files", "uploading_files", "uploaded_files", "failed_files",
]  # fmt: skip


class StagingRefused(Exception):
    """A staging call that cannot be carried out; `code` says why, `names` which files.

    `causes` holds one refusal per file when several files were refused at once.
    """

    def __init__(
        self,
        code: str,
        message: str,
        names: Sequence[str] = (),
        causes: Sequence[StagingRefused] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.names = list(names)
        self.causes = list(causes)


@dataclass(frozen=True)
class NewFile:
    name: str
    declared_size: int | None = None  # in KB, as the client declared it
    client_key: str = ""


def extension_of(name: str) -> str:
    """From the last dot on, when the name has more than an extension (FOLIO's rule)."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def metadata_format(name: str) -> str:
    """`csv`, `xlsx` or `json` for a metadata file; "" for a content file."""
    if name.lower() == MANIFEST_NAME:
        return "json"
    return METADATA_EXTENSIONS.get(extension_of(name), "")


def is_blocked(name: str) -> bool:
    return extension_of(name) in settings.UPLOAD_BLOCKED_EXTENSIONS


def get_area(dialect: str, area_id: uuid.UUID, lock: bool = False) -> StagingArea:
    """The dialect's area, locked for this transaction when `lock`; else `area-not-found`."""
    areas = StagingArea.objects.select_for_update() if lock else StagingArea.objects
    area = areas.filter(dialect=dialect, uuid=area_id).first()
    if area is None:
        raise StagingRefused("area-not-found", f"No staging area has the id {area_id}.")
    return area


def get_file(area: StagingArea, file_id: uuid.UUID) -> StagedFile:
    """One of the files the area was given (not an archive's member); else `file-not-found`."""
    file = area.files.filter(uuid=file_id, archive=None).first()
    if file is None:
        raise StagingRefused("file-not-found", f"The area has no file with the id {file_id}.")
    return file


def given_files(area: StagingArea) -> models.QuerySet[StagedFile]:
    """The files the area was given, in the order given; archives' members are not among them."""
    return area.files.filter(archive=None)


def touch(area: StagingArea, user: str, status: str = "") -> None:
    """Save a change made by `user`; the status is `status`, or derived from the files'."""
    area.updated_on = timezone.now()
    area.updated_by = user
    area.status = status or _derived_status(area)
    # Never the uuid: the files refer to it, and SQLite would check every one of them.
    area.save(update_fields=_CHANGING)


def _derived_status(area: StagingArea) -> str:
    if area.status == AreaStatus.COMPLETED:
        return area.status  # the import started: the files no longer decide
    statuses = {status for status, count in area.file_counts().items() if count}
    if not statuses or statuses == {FileStatus.NEW}:
        return AreaStatus.NEW
    if statuses == {FileStatus.UPLOADED}:
        return AreaStatus.LOADED
    if statuses == {FileStatus.ERROR}:
        return AreaStatus.ERROR
    return AreaStatus.IN_PROGRESS


def first_files(area: StagingArea) -> list[StagedFile]:
    """The area's first `UPLOAD_EMBEDDED_FILES` files, with one LIMIT query."""
    return list(given_files(area)[: settings.UPLOAD_EMBEDDED_FILES])


def create_area(dialect: str, user: str, files: Sequence[NewFile]) -> StagingArea:
    """A new area that expects `files`; refused (`files-refused`) when any may not be staged."""
    _check_new_files(files)
    now = timezone.now()
    with transaction.atomic():
        area = StagingArea.objects.create(
            dialect=dialect,
            created_on=now,
            created_by=user,
            updated_on=now,
            updated_by=user,
            new_files=len(files),
        )
        _create_files(area, files, now)
    return area


def add_files(dialect: str, area_id: uuid.UUID, user: str, files: Sequence[NewFile]) -> StagingArea:
    """Announce more files; `names-taken` when the area has a file of such a name."""
    _check_new_files(files)
    try:
        with transaction.atomic():
            area = get_area(dialect, area_id, lock=True)
            refuse_after_import_started(area)
            _create_files(area, files, timezone.now())
            area.count_file(None, FileStatus.NEW, len(files))
            touch(area, user)
    except IntegrityError:
        raise names_taken(area_id, [file.name for file in files]) from None
    return area


def _create_files(area: StagingArea, files: Sequence[NewFile], now: datetime.datetime) -> None:
    StagedFile.objects.bulk_create(
        (
            StagedFile(
                area=area,
                name=file.name,
                declared_size=file.declared_size,
                client_key=file.client_key,
                created_on=now,
            )
            for file in files
        ),
        batch_size=1000,
    )


def names_taken(area_id: uuid.UUID, names: Iterable[str]) -> StagingRefused:
    """The refusal naming the first few of `names` that the area has, a thousand at a time."""
    taken: list[str] = []
    chunk: list[str] = []
    for name in [*names, None]:
        if name is not None:
            chunk.append(name)
        if chunk and (name is None or len(chunk) == 1000):
            found = StagedFile.objects.filter(area__uuid=area_id, name__in=chunk).values_list(
                "name"
            )
            taken += [name for (name,) in found[:10]]
            chunk = []
        if len(taken) >= 10:
            break
    return StagingRefused(
        "names-taken", "File names must be unique in their area.", sorted(taken)[:10]
    )


def _check_new_files(files: Sequence[NewFile]) -> None:
    """Names once each; declared sizes must fit in the free space; no blocked extension."""
    twice = sorted(name for name, count in Counter(f.name for f in files).items() if count > 1)
    if twice:
        raise StagingRefused("names-taken", "File names must be unique in their area.", twice)
    refusals = []
    free = free_staging_bytes()
    declared = 0
    for file in files:
        if file.declared_size is not None and free is not None:
            declared += file.declared_size * 1024
            if declared >= free:
                refusals.append(StagingRefused("too-large", "Not enough free space.", [file.name]))
        if is_blocked(file.name):
            refusals.append(StagingRefused("blocked", "Blocked extension.", [file.name]))
    if refusals:
        raise StagingRefused("files-refused", "Some files cannot be staged.", causes=refusals)


def refuse_after_import_started(area: StagingArea) -> None:
    if area.status == AreaStatus.COMPLETED:
        raise StagingRefused(
            "import-started", "The import of these files started; they can no longer change."
        )


def delete_file(dialect: str, area_id: uuid.UUID, file_id: uuid.UUID, user: str) -> None:
    """Remove a file, its members and its bytes; refused once the import started."""
    with transaction.atomic():
        area = get_area(dialect, area_id, lock=True)
        file = get_file(area, file_id)
        refuse_after_import_started(area)
        delete_members(file)
        delete_on_commit([file.key])
        file.delete()
        area.count_file(file.status, None)
        touch(area, user)


def import_is_running(area: StagingArea) -> bool:
    if area.job_uuid is None:
        return False
    return Job.objects.filter(uuid=area.job_uuid, status__in=OPEN_STATUSES).exists()


def delete_area(dialect: str, area_id: uuid.UUID) -> None:
    """Delete the area with its files; refused (`import-running`) while its import runs."""
    with transaction.atomic():
        area = get_area(dialect, area_id, lock=True)
        if import_is_running(area):
            raise StagingRefused("import-running", "The import of these files is running.")
        _delete(area)


def _delete(area: StagingArea) -> None:
    """The rows now (members before the archives they belong to), the bytes on commit."""
    area.files.exclude(archive=None).delete()
    area.files.all().delete()
    delete_area_bytes(area.uuid)
    area.delete()


def start_import(dialect: str, area_id: uuid.UUID, user: str, dry_run: bool = False) -> Job:
    """Start the import of the area's files: its one metadata file names the others.

    A `dry_run` leaves the files as they are (not COMPLETED): the real import may follow.

    Refused while any file is not uploaded; `ImportProblem` when the metadata file cannot be
    used, and then the area is ERROR. The job keeps its own copy of the metadata file, so
    deleting the area never breaks its report.
    """
    area = get_area(dialect, area_id)
    refuse_after_import_started(area)
    waiting = list(
        given_files(area)
        .exclude(status=FileStatus.UPLOADED)
        .values_list("name", flat=True)[: _NAMES_SHOWN + 1]
    )
    if waiting:
        raise StagingRefused("files-not-uploaded", "These files are not uploaded.", waiting)
    if not area.files.exists():
        raise StagingRefused("files-not-uploaded", "There are no files.")
    try:
        return _start(area, user, dry_run)
    except ImportProblem:
        with transaction.atomic():
            locked = get_area(dialect, area_id, lock=True)
            if locked.updated_on == area.updated_on:
                touch(locked, user, status=AreaStatus.ERROR)
        raise


def _start(area: StagingArea, user: str, dry_run: bool) -> Job:
    metadata = _metadata_file(area)
    source_format = metadata_format(metadata.name)
    with (
        job_from_staged(metadata, area.dialect, source_format, "metadata-file-missing") as (
            job,
            key,
        ),
        transaction.atomic(),
    ):
        locked = StagingArea.objects.select_for_update().get(pk=area.pk)
        if locked.updated_on != area.updated_on:
            raise StagingRefused("changed", "The files changed meanwhile; try again.")
        start_job(job, key, {"kind": "staged", "area": str(area.uuid)}, dry_run=dry_run)
        locked.job_uuid = job.uuid
        touch(locked, user, status=locked.status if dry_run else AreaStatus.COMPLETED)
    return job


@contextlib.contextmanager
def job_from_staged(
    file: StagedFile, dialect: str, source_format: str, missing: str, **job_fields: Any
) -> Iterator[tuple[Job, str]]:
    """A new job whose source is a copy of the staged `file` (checked as `source_format`), and
    that copy's key, for the caller to start in its own transaction.

    The job keeps its own copy, so deleting the staged file never breaks its report. When the
    block raises, the job never started: it and its copy go. `missing` is the ImportProblem's
    code when the file's bytes are gone.
    """
    job = create_job(dialect, **job_fields)
    key = ""
    try:
        try:
            opened = StagedFilesResolver(file.area_id).open(file.name)
        except ContentError as exc:
            raise ImportProblem(missing, str(exc)) from exc
        with opened.stream:
            key = store_source(job, iter_chunks(opened.stream), source_format, file.name)
        yield job, key
    except BaseException:
        delete_content([key])
        Job.objects.filter(pk=job.pk).delete()
        raise


def _metadata_file(area: StagingArea) -> StagedFile:
    named = Q(name__iexact=MANIFEST_NAME)
    for extension in METADATA_EXTENSIONS:
        named |= Q(name__iendswith=extension)
    # At most a few: an area with several metadata files is refused anyway.
    found = [f for f in given_files(area).filter(named)[:10] if metadata_format(f.name)]
    if len(found) != 1:
        names = ", ".join(file.name for file in found) or "none"
        raise ImportProblem(
            "metadata-file-count",
            "A definition needs exactly one metadata file (.csv, .xlsx or manifest.json); "
            f"this one has: {names}.",
        )
    if metadata_format(found[0].name) not in SUPPORTED_METADATA:
        raise ImportProblem(
            "metadata-format-not-supported",
            f"{found[0].name}: only .csv and .xlsx metadata files can be processed so far.",
        )
    return found[0]


def expired_areas(now: datetime.datetime) -> models.QuerySet[StagingArea]:
    """Areas whose import ended before the retention period, or that were abandoned.

    Abandoned: unchanged for `UPLOAD_ABANDONED_DAYS`, and without a running import.
    """
    ended = Job.objects.filter(
        status__in=[JobStatus.FINISHED, JobStatus.ERROR],
        finished_on__lt=now - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS),
    ).values("uuid")
    running = Job.objects.filter(status__in=OPEN_STATUSES).values("uuid")
    abandoned = Q(
        updated_on__lt=now - datetime.timedelta(days=settings.UPLOAD_ABANDONED_DAYS)
    ) & ~Q(job_uuid__in=running)
    return StagingArea.objects.filter(Q(job_uuid__in=ended) | abandoned)


def delete_expired_areas(now: datetime.datetime) -> None:
    """Retention: remove expired areas with their files and staged bytes."""
    for area in expired_areas(now).iterator():
        with transaction.atomic():
            _delete(area)
