from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "docload.dialects.uploads"
    label = "uploads"
    verbose_name = "Upload definitions"

    def ready(self) -> None:
        from docload.api.error_shapes import register_error_shape
        from docload.dialects.uploads.errors import folio_error_response

        # Errors answered before or outside the views (413, 500) take FOLIO's shape too.
        register_error_shape("/data-import/", folio_error_response)
