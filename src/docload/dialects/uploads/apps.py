import datetime
from typing import Any

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "docload.dialects.uploads"
    label = "uploads"
    verbose_name = "Upload definitions"

    def ready(self) -> None:
        from docload.api.error_shapes import register_error_shape
        from docload.dialects.uploads.errors import folio_error_response
        from docload.dialects.uploads.models import delete_expired_definitions
        from docload.imports.jobs import retention_due

        def on_retention(sender: Any, now: datetime.datetime, **kwargs: Any) -> None:
            delete_expired_definitions(now)

        # A local function: the signal must hold it strongly.
        retention_due.connect(on_retention, weak=False, dispatch_uid="uploads-retention")
        # Errors answered before or outside the views (413, 500) take FOLIO's shape too.
        register_error_shape("/data-import/", folio_error_response)
