from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "docload.web"
    label = "web"
    verbose_name = "Imports page"

    def ready(self) -> None:
        from docload.api.error_shapes import register_error_shape
        from docload.web.views import error_page

        # The page's own errors (an unknown import, say) answer as HTML, not problem+json.
        register_error_shape("/imports/", error_page)
