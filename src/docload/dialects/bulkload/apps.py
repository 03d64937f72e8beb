import datetime

from django.apps import AppConfig

# Where the bulk load answers; errors outside its views (413, 500) take its shape there too.
PREFIXES = ("/api/uploadfiles/", "/api/tool/", "/api/data/")


class BulkloadConfig(AppConfig):
    name = "docload.dialects.bulkload"
    label = "bulkload"
    verbose_name = "Bulk load"

    def ready(self) -> None:
        from docload.api.error_shapes import register_error_shape
        from docload.dialects.bulkload.errors import error_response

        for prefix in PREFIXES:
            register_error_shape(prefix, error_response)

        from docload.imports.jobs import retention_due

        def on_retention(sender: object, now: datetime.datetime, **kwargs: object) -> None:
            from docload.dialects.bulkload.loads import delete_expired_loads

            delete_expired_loads(now)

        retention_due.connect(on_retention, weak=False, dispatch_uid="bulkload-retention")
