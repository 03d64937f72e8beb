"""Receiving a bestandsdeel: its bytes go from the multipart body straight to the content
storage, a chunk at a time (Django's own handlers would keep small files in memory and spool
large ones to a temporary file first)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

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
