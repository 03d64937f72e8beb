"""The audit trail of imported documents: one "create" entry per document, inserted with the
batch's documents, in its transaction (a failed batch leaves none).

One `INSERT … SELECT` per batch builds the entries from the document rows just inserted, in the
database: no Python per row (building and binding a row of 18 values per document in Python
added about 40% to the worker's CPU time per document). An entry's `nieuw` is a compact subset
of the document in the API's shape (`NIEUW_FIELDS`, with `url` and `informatieobjecttype` as
paths): what identifies the document and who may see it, not every field. Its URLs are paths:
the import has no request to take a host from; the API makes them absolute when it shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from docload.catalog.models import InformatieObjectType
from docload.documents.audit import entry_values
from docload.documents.models import AuditTrail, EnkelvoudigInformatieObject
from docload.imports.batch import Row
from docload.imports.models import Job

# Where the API serves documents and their types (a test holds them to the URLconf): not
# reversed, as that would load the URLconf, and with it all HTTP code, into the worker.
DOCUMENTS_PATH = "/documenten/api/v1/enkelvoudiginformatieobjecten/"
TYPES_PATH = "/catalogi/api/v1/informatieobjecttypen/"
# The document's columns `nieuw` holds (API name: column), besides `url` and the type.
NIEUW_FIELDS = {
    "identificatie": "identificatie",
    "bronorganisatie": "bronorganisatie",
    "creatiedatum": "creatiedatum",
    "titel": "titel",
    "vertrouwelijkheidaanduiding": "vertrouwelijkheidaanduiding",
    "auteur": "auteur",
    "status": "status",
    "taal": "taal",
    "bestandsnaam": "bestandsnaam",
    "bestandsomvang": "bestandsomvang",
    "versie": "versie",
}


def insert_entries(job: Job, rows: Sequence[Row]) -> None:
    """Insert the "create" entry of each row's document, inserted before in the same
    transaction."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the one transaction.atomic() uses
    sql = _statement(connection, len(rows))
    constants = _constants(job, connection)
    params = [constants[field.attname] for field in _fields() if field.attname in constants]
    uuid_field = EnkelvoudigInformatieObject._meta.get_field("uuid")
    params += [uuid_field.get_db_prep_save(row.document_uuid, connection) for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# The columns every entry of a batch shares, given as parameters.
_CONSTANT = (
    "bron",
    "applicatie_id",
    "applicatie_weergave",
    "gebruikers_id",
    "gebruikers_weergave",
    "actie",
    "actie_weergave",
    "resultaat",
    "resource",
    "toelichting",
    "aanmaakdatum",
)


def _fields() -> list[models.Field[Any, Any]]:
    return [f for f in AuditTrail._meta.concrete_fields if f.attname != "id"]


def _constants(job: Job, connection: BaseDatabaseWrapper) -> dict[str, Any]:
    values = entry_values(
        document_uuid=job.uuid,  # not a constant: the document's, from its row
        hoofd_object="",
        actie="create",
        resultaat=201,
        resource="enkelvoudiginformatieobject",
        resource_url="",
        resource_weergave="",
        applicatie_id=job.dialect,
        applicatie_weergave=f"docload import {job.uuid}",
    )
    values["aanmaakdatum"] = timezone.now()
    fields = {field.attname: field for field in _fields()}
    return {name: fields[name].get_db_prep_save(values[name], connection) for name in _CONSTANT}


def _statement(connection: BaseDatabaseWrapper, rows: int) -> str:
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    if not postgres and connection.vendor != "sqlite":
        raise NotImplementedError(f"import audit entries on {connection.vendor}")
    document_uuid = "d.uuid::text" if postgres else _dashed("d.uuid")
    type_uuid = "t.uuid::text" if postgres else _dashed("t.uuid")
    url = f"'{DOCUMENTS_PATH}' || {document_uuid}"
    pairs = [f"'url', {url}"]
    pairs += [f"'{name}', d.{quote(column)}" for name, column in NIEUW_FIELDS.items()]
    pairs.append(f"'informatieobjecttype', '{TYPES_PATH}' || {type_uuid}")
    build = "jsonb_build_object" if postgres else "json_object"
    expressions = {
        "uuid": "gen_random_uuid()" if postgres else _random_uuid(),
        "document_uuid": "d.uuid",
        **{name: "%s" for name in _CONSTANT},
        "hoofd_object": url,
        "resource_url": url,
        "resource_weergave": "d.bronorganisatie || ' - ' || d.identificatie",
        "oud": "NULL",
        "nieuw": f"{build}({', '.join(pairs)})",
    }
    fields = _fields()
    columns = ", ".join(quote(str(f.column)) for f in fields)
    selected = [expressions[f.attname] for f in fields]
    in_list = ", ".join(["%s"] * rows)
    documents = quote(EnkelvoudigInformatieObject._meta.db_table)
    types = quote(InformatieObjectType._meta.db_table)
    return (
        f"INSERT INTO {quote(AuditTrail._meta.db_table)} ({columns}) "
        f"SELECT {', '.join(selected)} FROM {documents} d "
        f"JOIN {types} t ON t.id = d.informatieobjecttype_id "
        # By uuid, the unique index: with the job's id too, SQLite would read all the job's
        # documents for every batch.
        f"WHERE d.uuid IN ({in_list}) ORDER BY d.id"
    )


def _dashed(column: str) -> str:
    """SQLite keeps uuids as 32 hex digits: the 8-4-4-4-12 form of the API."""
    parts = [f"substr({column}, {start}, {length})" for start, length in _UUID_PARTS]
    return " || '-' || ".join(parts)


_UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _random_uuid() -> str:
    """A version 4 uuid in SQLite's 32 hex digits, from random pieces drawn for each row (a
    subquery would be drawn once for all)."""

    def digits(count: int) -> str:
        return f"substr(lower(hex(randomblob({(count + 1) // 2}))), 1, {count})"

    variant = "substr('89ab', 1 + (abs(random()) %% 4), 1)"
    return f"{digits(12)} || '4' || {digits(3)} || {variant} || {digits(3)} || {digits(12)}"
