from django.apps import AppConfig


class AuthConfig(AppConfig):
    name = "docload.auth"
    label = "docload_auth"
    verbose_name = "Applications"

    def ready(self) -> None:
        from docload.auth import schema  # noqa: F401 - registers the OpenAPI extension
