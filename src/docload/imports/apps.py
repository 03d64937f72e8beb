import datetime
from typing import Any

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "docload.imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from docload.imports.areas import delete_expired_areas
        from docload.imports.jobs import retention_due

        def on_retention(sender: Any, now: datetime.datetime, **kwargs: Any) -> None:
            delete_expired_areas(now)

        # A local function: the signal must hold it strongly.
        retention_due.connect(on_retention, weak=False, dispatch_uid="staging-retention")
