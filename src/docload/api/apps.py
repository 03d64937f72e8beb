from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "docload.api"
    label = "api"
    verbose_name = "API conventions"
