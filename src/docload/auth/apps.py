from django.apps import AppConfig


class AuthConfig(AppConfig):
    name = "docload.auth"
    label = "docload_auth"
    verbose_name = "Applications"
