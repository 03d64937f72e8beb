"""Rolling back an ended import: removing every record it created, with its stored content.

A rollback is asked for (`request_rollback`) and then done by a worker (`roll_back`), which holds
the job's lease as an import does, so that it survives restarts: a worker that dies leaves the
lease to run out, and the sweep (`scheduling.requeue_stalled_jobs`) queues the rest. Work goes
in chunks of documents, each deleted with its versions, links, gebruiksrechten and audit trail
in one transaction, its content after the commit. Rolling back twice changes nothing.

What an import created: its documents (`import_job`), and a workbook's types and links (their
rows' results, by sheet). Types still used by documents of other imports stay; the rollback
says how many. Imports of this engine create only; none updates a record.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.services import delete_documents
from docload.documents.storage import content_storage, delete_content
from docload.imports.errors import ImportProblem
from docload.imports.jobs import lease_time
from docload.imports.lease import heartbeat
from docload.imports.models import OPEN_STATUSES, Job, RollbackStatus, RowResult

logger = logging.getLogger(__name__)
_CHUNK = 500  # documents per transaction


def request_rollback(job: Job) -> bool:
    """Ask for the job's rollback; False when it was rolled back already (nothing to do).

    Refused (`import-running`) while the import is pending or active. The caller enqueues the
    work after its transaction commits (`scheduling.roll_back_job` does both).
    """
    with transaction.atomic():
        current = Job.objects.select_for_update().get(pk=job.pk)
        if current.rollback == RollbackStatus.ROLLED_BACK:
            return False
        if current.status in OPEN_STATUSES:
            raise ImportProblem(
                "import-running",
                "An import cannot be rolled back while it is pending or running: "
                "wait for it to end, or cancel it.",
            )
        if current.rollback != RollbackStatus.ROLLING_BACK:
            Job.objects.filter(pk=job.pk).update(
                rollback=RollbackStatus.ROLLING_BACK,
                lease_owner="",
                lease_expires=timezone.now() + lease_time(),
            )
    job.refresh_from_db()
    return True


def roll_back(job_uuid: uuid.UUID, worker_id: str) -> None:
    """Remove what the job created, unless another worker holds its rollback."""
    job = _take(job_uuid, worker_id)
    if job is None:
        return
    try:
        with heartbeat(job, worker_id, renew=_renew):
            _restore_updated(job)
            _remove_links(job)
            while pks := list(
                EnkelvoudigInformatieObject.objects.filter(import_job=job).values_list(
                    "pk", flat=True
                )[:_CHUNK]
            ):
                delete_documents(pks)
                if not _renew(job, worker_id):
                    logger.warning("Lost the rollback of import %s to another worker", job.uuid)
                    return
            _sweep_content(job)
            kept = _remove_types(job)
    except DatabaseError:
        # The lease runs out and the sweep queues the rest; nothing is half-deleted.
        logger.exception("Rollback of import %s stopped; it continues later", job.uuid)
        return
    except _NotYet:
        logger.info("Rollback of import %s waits for its types' documents to go", job.uuid)
        # Handed back at once: the next sweep (seconds away) tries it again.
        Job.objects.filter(pk=job.pk, lease_owner=worker_id).update(
            lease_owner="", lease_expires=timezone.now()
        )
        return
    note = f" {kept} informatieobjecttypen stay: documents of others use them." if kept else ""
    Job.objects.filter(pk=job.pk, lease_owner=worker_id).update(
        rollback=RollbackStatus.ROLLED_BACK,
        rolled_back_on=timezone.now(),
        lease_owner="",
        lease_expires=None,
        comment=(f"{job.comment} " if job.comment else "") + f"Rolled back.{note}",
    )


def _take(job_uuid: uuid.UUID, worker_id: str) -> Job | None:
    now = timezone.now()
    taken = (
        Job.objects.filter(uuid=job_uuid, rollback=RollbackStatus.ROLLING_BACK)
        .filter(Q(lease_owner="") | Q(lease_expires__isnull=True) | Q(lease_expires__lt=now))
        .update(lease_owner=worker_id, lease_expires=now + lease_time())
    )
    return Job.objects.get(uuid=job_uuid) if taken else None


def _renew(job: Job, worker_id: str) -> bool:
    return bool(
        Job.objects.filter(
            pk=job.pk, rollback=RollbackStatus.ROLLING_BACK, lease_owner=worker_id
        ).update(lease_expires=timezone.now() + lease_time())
    )


def _created(job: Job) -> QuerySet[RowResult, Any]:
    """The uuids of the records the job's rows created (documents, types or links)."""
    return RowResult.objects.filter(job=job, imported=True).values("document_uuid")


def _restore_updated(job: Job) -> None:
    """Give each document the job updated its versie from before, the last update first; the
    versions since then go. Each in its own transaction: done again, it finds nothing to do."""
    updates = RowResult.objects.filter(job=job, previous_versie__isnull=False).order_by(
        "-row_number"
    )
    for document_uuid, previous in updates.values_list("document_uuid", "previous_versie"):
        if previous is None or document_uuid is None:  # filtered out above; for mypy
            continue
        with transaction.atomic():
            document = (
                EnkelvoudigInformatieObject.objects.select_for_update()
                .filter(uuid=document_uuid)
                .first()
            )
            if document is None or document.versie <= previous:
                continue
            earlier = document.earlier_versions.get(versie=previous)
            earlier.as_document(document).save()  # its row as it was, under its own pk
            document.earlier_versions.filter(versie__gte=previous).delete()


def _remove_links(job: Job) -> None:
    """Links to documents of others; links to the job's own documents go with them."""
    ObjectInformatieObject.objects.filter(uuid__in=_created(job)).delete()


class _NotYet(Exception):
    """A type the job created is used by documents that other rollbacks are removing."""


def _remove_types(job: Job) -> int:
    """Remove the types the job created; return how many stay because others use them.

    A type whose documents are being rolled back too (the documents of a JSON import's later
    payload, say) waits for them: `_NotYet` leaves the rollback to the next sweep.
    """
    kept = 0
    for document_type in InformatieObjectType.objects.filter(uuid__in=_created(job)):
        try:
            document_type.delete()
        except ProtectedError:
            if EnkelvoudigInformatieObject.objects.filter(
                informatieobjecttype=document_type,
                import_job__rollback=RollbackStatus.ROLLING_BACK,
            ).exists():
                raise _NotYet from None
            kept += 1
    return kept


def _sweep_content(job: Job) -> None:
    """Remove what is left under the job's content directory: bytes whose documents were
    deleted by a rollback that died before it removed them."""
    storage = content_storage()
    root = f"documenten/import-{job.uuid.hex}"
    try:
        directories, _ = storage.listdir(root)
    except FileNotFoundError:
        return
    for directory in directories:
        _, files = storage.listdir(f"{root}/{directory}")
        delete_content(f"{root}/{directory}/{name}" for name in files)
