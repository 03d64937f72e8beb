"""Uploading bestandsdelen: a part's bytes go from the multipart body straight to the content
storage, a chunk at a time (Django's own handlers would keep small files in memory and spool
large ones to a temporary file first)."""

from __future__ import annotations

from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from docload.auth.models import Scope
from docload.documents.api.access import visible_documents
from docload.documents.api.serializers import (
    BestandsDeelSerializer,
    field_error,
    raise_field_errors,
)
from docload.documents.models import BestandsDeel
from docload.documents.services import Refused, lock_errors, part_key, save_part
from docload.documents.storage import ContentWriter, StoredContent


class UploadedPart(UploadedFile):
    """The file Django puts in `request.FILES`: the part as stored, not its bytes."""

    def __init__(self, stored: StoredContent, name: str, content_type: str | None) -> None:
        super().__init__(None, name, content_type, stored.size)
        self.stored = stored


class PartUploadHandler(FileUploadHandler):
    """Stores the form's `inhoud` file under `key`. Bytes past `limit` are counted but not
    stored (the part is refused for its size anyway). Other file fields are dropped."""

    field_name = "inhoud"

    def __init__(self, key: str, limit: int) -> None:
        super().__init__()
        self.key = key
        self.limit = limit
        self.received = 0
        self._writer: ContentWriter | None = None
        self._active = False

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        # The first `inhoud` file only; a repeated one would overwrite the stored bytes.
        self._active = field_name == self.field_name and self._writer is None
        if self._active:
            self._writer = ContentWriter(self.key)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if not self._active or self._writer is None:
            return None
        stored = self.received
        self.received += len(raw_data)
        if stored < self.limit:
            self._writer.write(raw_data[: self.limit - stored])
        return None

    def file_complete(self, file_size: int) -> UploadedPart | None:
        if not self._active or self._writer is None:
            return None
        self._active = False
        stored = self._writer.close()
        stored.size = self.received
        return UploadedPart(stored, self.file_name or self.field_name, self.content_type)

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove what was stored (a refused or interrupted upload)."""
        writer, self._writer = self._writer, None
        self._active = False
        if writer is not None:
            writer.discard()


class BestandsDeelViewSet(viewsets.GenericViewSet):
    """Upload a part of a document's content (PUT, multipart/form-data: `inhoud` and `lock`)."""

    serializer_class = BestandsDeelSerializer
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = {"update": Scope.DOCUMENTEN_BIJWERKEN}
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[BestandsDeel]:
        return BestandsDeel.objects.filter(
            informatieobject__in=visible_documents(self.request)
        ).select_related("informatieobject")

    @extend_schema(summary="Upload a bestandsdeel.")
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload the part's bytes (`inhoud`, exactly `omvang` of them) with the document's
        `lock`. A part uploaded before may be uploaded again; the new bytes replace it. The
        bytes go to the content storage as they arrive, never whole in memory."""
        part: BestandsDeel = self.get_object()
        # Refuse before reading the body where the document's state already says so.
        document = part.informatieobject
        if not document.lock:
            raise_field_errors(lock_errors(document, None))
        handler = PartUploadHandler(part_key(part), limit=part.omvang)
        request._request.upload_handlers = [handler]
        try:
            data = cast(dict[str, Any], request.data)
            lock = data.get("lock")
            upload = request.FILES.get("inhoud")
            if not isinstance(upload, UploadedPart):
                if "inhoud" in data:
                    raise field_error("inhoud", "invalid", "Send inhoud as a file part.")
                raise field_error("inhoud", "required", "The part's bytes (inhoud) are required.")
            raise_field_errors(lock_errors(document, lock))
            if upload.size != part.omvang:
                raise field_error(
                    "inhoud",
                    "file-size",
                    f"The part must be {part.omvang} bytes (its omvang); {upload.size} arrived.",
                )
            try:
                part = save_part(part, upload.stored, lock)
            except Refused as refused:
                raise_field_errors(refused.errors)
                raise
        except BaseException:
            handler.discard()
            raise
        context = {**self.get_serializer_context(), "reveal_lock": True}
        return Response(BestandsDeelSerializer(part, context=context).data)
