"""An upload into a staging area: streamed to storage, unpacked when it is an archive, placed.

Uploading a file again replaces it, and of two uploads of one file running at once the later
one wins: each upload holds a token, and only the holder of the file's current token may place
its bytes. A failed or refused upload leaves the file ERROR and holding nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from docload.imports.archives import ArchiveRefused, is_archive
from docload.imports.areas import (
    NewFile,
    StagingRefused,
    create_area,
    get_area,
    get_file,
    names_taken,
    refuse_after_import_started,
    touch,
)
from docload.imports.models import FileStatus, StagedFile, StagingArea
from docload.imports.staging import (
    UnpackedMember,
    delete_members,
    delete_on_commit,
    discard_members,
    place_members,
    receive_file,
    unpack_archive,
)


def upload_file(
    dialect: str, area_id: uuid.UUID, file_id: uuid.UUID, chunks: Iterable[bytes], user: str
) -> StagingArea:
    """Stage `chunks` as the file's bytes; an archive's members become files of the area.

    Refusals: `import-started`, `superseded` (a newer upload of the file started),
    `file-not-found` (also when the file was deleted meanwhile), `names-taken` (a member named
    like another file), and an archive's own (`ArchiveRefused`'s codes). What `chunks` raises
    goes on, once the file is marked ERROR.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        area = get_area(dialect, area_id, lock=True)
        file = get_file(area, file_id)
        refuse_after_import_started(area)
        StagedFile.objects.filter(pk=file.pk).update(
            status=FileStatus.UPLOADING, upload_token=token
        )
        area.count_file(file.status, FileStatus.UPLOADING)
        touch(area, user)
    unpacked: list[UnpackedMember] = []
    try:
        received = receive_file(area.uuid, chunks)
        try:
            archive = is_archive(file.name)
            if archive:
                unpacked = unpack_archive(area.uuid, received, file.name)
            with transaction.atomic():
                area = get_area(dialect, area_id, lock=True)
                current = get_file(area, file_id)
                if current.upload_token != token:
                    raise StagingRefused(
                        "superseded", "A newer upload of this file replaced this one."
                    )
                received.place(current, keep_bytes=not archive)
                area.count_file(FileStatus.UPLOADING, FileStatus.UPLOADED)
                if archive:  # its bytes were unpacked; only its members are kept
                    place_members(current, unpacked)
                touch(area, user)
        except BaseException:
            received.discard()
            discard_members(unpacked)
            raise
    except BaseException as exc:
        _mark_failed(file, token, user)
        if not StagedFile.objects.filter(pk=file.pk).exists():
            # Deleted while its bytes arrived: the staging directory went with it.
            raise StagingRefused("file-not-found", "The file was deleted meanwhile.") from exc
        if isinstance(exc, ArchiveRefused):
            raise StagingRefused(exc.code, f"{file.name}: {exc.message}") from exc
        if isinstance(exc, IntegrityError):
            raise names_taken(area.uuid, (member.name for member in unpacked)) from exc
        raise
    return area


def _mark_failed(file: StagedFile, token: uuid.UUID, user: str) -> None:
    """The upload `token` failed: the file is ERROR and keeps no bytes, unless a newer one runs."""
    with transaction.atomic():
        area = StagingArea.objects.select_for_update().filter(uuid=file.area_id).first()
        current = StagedFile.objects.filter(pk=file.pk, upload_token=token).first()
        if area is None or current is None:
            return
        delete_members(current)
        delete_on_commit([current.key])
        StagedFile.objects.filter(pk=file.pk).update(
            status=FileStatus.ERROR, upload_token=None, key="", size=None, sha256=""
        )
        area.count_file(current.status, FileStatus.ERROR)
        touch(area, user)


def receive_all(
    dialect: str, uploads: list[Any], user: str, client_key: str = ""
) -> list[StagedFile]:
    """Stage uploaded files (Django's, streamed by `chunks()`) together in a new area of the
    dialect, each under its own name; the area's files, in upload order."""
    area = create_area(dialect, user, [NewFile(f.name, client_key=client_key) for f in uploads])
    for file, upload in zip(area.files.order_by("pk"), uploads, strict=True):
        upload_file(dialect, area.uuid, file.uuid, upload.chunks(), user)
    return list(StagedFile.objects.filter(area=area).order_by("pk"))
