"""Documenten API views."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from docload.auth.models import Scope
from docload.auth.permissions import applicatie_of, visible_levels
from docload.documents.api.access import has_scope, visible_documents
from docload.documents.api.auditing import (
    TOELICHTING_PARAMETER,
    Audited,
    document_weergave,
)
from docload.documents.api.filters import (
    DOCUMENT_FILTERS,
    EXPAND,
    LINK_FILTERS,
    PAGE,
    CheckedQuery,
    DocumentParts,
    expand_parameter,
    filter_documents,
    filter_links,
)
from docload.documents.api.serializers import (
    EnkelvoudigInformatieObjectCreateLockSerializer,
    EnkelvoudigInformatieObjectSerializer,
    LockSerializer,
    ObjectInformatieObjectSerializer,
    UnlockSerializer,
    absolute_url,
    field_error,
    raise_field_errors,
)
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.services import (
    InvalidContent,
    Refused,
    UpdateCheck,
    delete_document,
    identificatie_errors,
    lock_document,
    parts_errors,
    save_document,
    store_base64,
    unlock_document,
    update_errors,
    version_of,
)
from docload.documents.storage import StoredContent, open_content

# A tuple: any one of the scopes (as the standard's `(a | b)`).
_DOCUMENT_SCOPES: dict[str, str | tuple[str, ...]] = {
    "list": Scope.DOCUMENTEN_LEZEN,
    "retrieve": Scope.DOCUMENTEN_LEZEN,
    "download": Scope.DOCUMENTEN_LEZEN,
    "create": Scope.DOCUMENTEN_AANMAKEN,
    "update": (Scope.DOCUMENTEN_BIJWERKEN, Scope.DOCUMENTEN_GEFORCEERD_BIJWERKEN),
    "partial_update": (Scope.DOCUMENTEN_BIJWERKEN, Scope.DOCUMENTEN_GEFORCEERD_BIJWERKEN),
    "destroy": Scope.DOCUMENTEN_VERWIJDEREN,
    "lock": Scope.DOCUMENTEN_LOCK,
    "unlock": (Scope.DOCUMENTEN_LOCK, Scope.DOCUMENTEN_GEFORCEERD_UNLOCK),
}


def _requested_version(
    request: Request, document: EnkelvoudigInformatieObject
) -> EnkelvoudigInformatieObject:
    """The version `?versie=` and/or `?registratieOp=` ask for (404 when there is none)."""
    params = request.query_params
    versie: int | None = None
    registratie_op: datetime.datetime | None = None
    if (text := params.get("versie")) is not None:
        if not text.isdigit() or int(text) < 1:
            raise field_error("versie", "invalid", f"{text!r} is not a version number.")
        versie = int(text)
    if (text := params.get("registratieOp")) is not None:
        try:
            registratie_op = parse_datetime(text)
        except ValueError:
            registratie_op = None
        if registratie_op is None:
            raise field_error(
                "registratieOp", "invalid", f"{text!r} is not an ISO 8601 date and time."
            )
        if timezone.is_naive(registratie_op):
            registratie_op = timezone.make_aware(registratie_op)
    found = version_of(document, versie, registratie_op)
    if found is None:
        raise Http404("The document has no such version.")
    applicatie = applicatie_of(request)
    levels = visible_levels(applicatie) if applicatie is not None else []
    if levels is not None and found.vertrouwelijkheidaanduiding not in levels:
        raise Http404("The document has no such version.")
    return found


_VERSION_PARAMETERS = [
    OpenApiParameter(
        "versie", int, description="The version (`versie`) to return; default the latest."
    ),
    OpenApiParameter(
        "registratieOp",
        OpenApiTypes.DATETIME,
        description="Return the version that was current at this moment (ISO 8601).",
    ),
]

# The query parameters each action knows; any other is a 400.
_DOCUMENT_QUERY = {
    "list": {*(p.name for p in DOCUMENT_FILTERS), PAGE, EXPAND},
    "retrieve": {"versie", "registratieOp", EXPAND},
    "download": {"versie", "registratieOp"},
}
_LINK_QUERY = {"list": {*(p.name for p in LINK_FILTERS), EXPAND}, "retrieve": {EXPAND}}


@extend_schema_view(
    list=extend_schema(parameters=[*DOCUMENT_FILTERS, expand_parameter("informatieobjecttype")]),
    retrieve=extend_schema(
        parameters=[*_VERSION_PARAMETERS, expand_parameter("informatieobjecttype")]
    ),
    create=extend_schema(parameters=[TOELICHTING_PARAMETER]),
    update=extend_schema(parameters=[TOELICHTING_PARAMETER]),
    partial_update=extend_schema(parameters=[TOELICHTING_PARAMETER]),
    destroy=extend_schema(parameters=[TOELICHTING_PARAMETER]),
)
class EnkelvoudigInformatieObjectViewSet(
    Audited,
    CheckedQuery,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
):
    """Documents: metadata plus content."""

    serializer_class = EnkelvoudigInformatieObjectSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = _DOCUMENT_SCOPES
    known_query = _DOCUMENT_QUERY
    expandable = ("informatieobjecttype",)

    def get_queryset(self) -> QuerySet[EnkelvoudigInformatieObject]:
        documents = visible_documents(self.request)
        return filter_documents(documents, self.query) if self.action == "list" else documents

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return EnkelvoudigInformatieObjectCreateLockSerializer
        return EnkelvoudigInformatieObjectSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # The writer holds the lock: its answer shows it with the bestandsdelen.
        context["reveal_lock"] = self.action in ("create", "update", "partial_update")
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = _requested_version(request, self.get_object())
        return Response(self.get_serializer(document).data)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self._save(serializer, EnkelvoudigInformatieObject(), None, status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        check = UpdateCheck(
            lock=serializer.validated_data["lock"],
            may_change_definitief=has_scope(self.request, Scope.DOCUMENTEN_GEFORCEERD_BIJWERKEN),
        )
        document = cast(EnkelvoudigInformatieObject, serializer.instance)
        # Before storing any content; checked again on the locked row when saving.
        raise_field_errors(update_errors(document, check))
        self._save(serializer, document, check, status.HTTP_200_OK)

    def _save(
        self,
        serializer: serializers.BaseSerializer,
        document: EnkelvoudigInformatieObject,
        check: UpdateCheck | None,
        resultaat: int,
    ) -> None:
        cleaned: dict[str, Any] = serializer.validated_data["cleaned"]
        actie = "create" if document.pk is None else self.action
        oud = None if document.pk is None else self.get_serializer(document).data

        def audit(saved: EnkelvoudigInformatieObject) -> None:
            nieuw = self.get_serializer(saved).data
            self.audit(actie, resultaat, saved, nieuw["url"], document_weergave(saved), oud, nieuw)

        inhoud: str | None = serializer.validated_data["inhoud"]
        raise_field_errors(identificatie_errors(cleaned, exclude_pk=document.pk))
        in_parts = self._in_parts(document, cleaned, serializer.validated_data["in_parts"])
        if in_parts:
            raise_field_errors(parts_errors(cleaned["bestandsomvang"]))
        content: StoredContent | None = None
        if inhoud:
            try:
                content = store_base64(document.uuid, inhoud)
            except InvalidContent as exc:
                raise field_error("inhoud", "invalid", f"Not valid base64: {exc}") from exc
        try:
            serializer.instance = save_document(
                document, cleaned, content, check, in_parts, then=audit
            )
            # The parts may have changed: not the ones prefetched.
            getattr(document, "_prefetched_objects_cache", {}).pop("bestandsdelen", None)
        except Refused as refused:
            raise_field_errors(refused.errors)
            raise
        except IntegrityError:
            # Another request took the identificatie between the check above and the insert.
            raise_field_errors(identificatie_errors(cleaned, exclude_pk=document.pk))
            raise

    @staticmethod
    def _in_parts(
        document: EnkelvoudigInformatieObject, cleaned: dict[str, Any], inhoud_null: bool
    ) -> bool:
        """Whether the write starts uploading the content in parts: `inhoud` null with a
        `bestandsomvang` above 0 on a create, and on an update that changes the bestandsomvang
        (or gives one to a document with neither content nor parts)."""
        size = cleaned.get("bestandsomvang")
        if not inhoud_null or not size or size <= 0:
            return False
        if document.pk is None:
            return True
        return size != document.bestandsomvang or not (
            document.content_key or document.bestandsdelen.exists()
        )

    def perform_destroy(self, instance: EnkelvoudigInformatieObject) -> None:
        # As the standard: a locked document, or one still linked to objects, stays.
        if instance.lock:
            raise field_error(
                "nonFieldErrors", "destroy-locked", "A locked document cannot be deleted."
            )
        if instance.object_links.exists():
            raise field_error(
                "nonFieldErrors",
                "pending-relations",
                "Delete the document's objectinformatieobjecten before the document.",
            )
        delete_document(instance)

    @extend_schema(
        parameters=_VERSION_PARAMETERS,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, uuid: str | None = None) -> FileResponse:
        """Stream the document's content (of the latest version, or the one asked for)."""
        document = _requested_version(request, self.get_object())
        if not document.content_key:
            raise Http404("This document has no content.")
        return FileResponse(
            open_content(document.content_key),
            as_attachment=True,
            filename=document.bestandsnaam or str(document.uuid),
            content_type=document.formaat or "application/octet-stream",
        )

    @extend_schema(request=None, responses={200: LockSerializer})
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, uuid: str | None = None) -> Response:
        """Lock the document: PUT, PATCH and unlock need the returned lock."""
        document = self.get_object()
        try:
            token = lock_document(document)
        except Refused as refused:
            raise_field_errors(refused.errors)
            raise
        return Response(LockSerializer({"lock": token}).data)

    @extend_schema(
        request=EnkelvoudigInformatieObjectCreateLockSerializer,
        responses={201: EnkelvoudigInformatieObjectCreateLockSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a document. With `inhoud` null and a `bestandsomvang` above 0 it is created
        locked, with bestandsdelen to upload its content in; the answer has the lock."""
        return super().create(request, *args, **kwargs)

    @extend_schema(request=UnlockSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, uuid: str | None = None) -> Response:
        """Unlock the document with its lock, or without one with documenten.geforceerd-unlock.

        A document with bestandsdelen gets them joined as its content; all must be uploaded
        (`incomplete-upload`), unless forced: then they are dropped, and the content with them.
        """
        document = self.get_object()
        body = UnlockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        force = has_scope(request, Scope.DOCUMENTEN_GEFORCEERD_UNLOCK)
        try:
            unlock_document(document, body.validated_data.get("lock"), force=force)
        except Refused as refused:
            raise_field_errors(refused.errors)
            raise
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=[*LINK_FILTERS, expand_parameter("informatieobject")]),
    retrieve=extend_schema(parameters=[expand_parameter("informatieobject")]),
    create=extend_schema(parameters=[TOELICHTING_PARAMETER]),
    destroy=extend_schema(parameters=[TOELICHTING_PARAMETER]),
)
class ObjectInformatieObjectViewSet(
    Audited,
    DocumentParts,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    """Links between documents and zaken, besluiten or verzoeken."""

    serializer_class = ObjectInformatieObjectSerializer
    known_query = _LINK_QUERY
    queryset = ObjectInformatieObject.objects.all()

    def narrow(self, items: QuerySet[Any], params: dict[str, str]) -> QuerySet[Any]:
        return filter_links(items, params)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            link = serializer.save()
            self._audit("create", status.HTTP_201_CREATED, link, None, serializer.data)

    def perform_destroy(self, instance: ObjectInformatieObject) -> None:
        oud = self.get_serializer(instance).data
        with transaction.atomic():
            instance.delete()
            self._audit("destroy", status.HTTP_204_NO_CONTENT, instance, oud, None)

    def _audit(
        self, actie: str, resultaat: int, link: ObjectInformatieObject, oud: Any, nieuw: Any
    ) -> None:
        document = link.informatieobject
        self.audit(
            actie,
            resultaat,
            document,
            absolute_url(self.request, "objectinformatieobject-detail", link.uuid),
            f"({document_weergave(document)}) - {link.object}",
            oud,
            nieuw,
        )
