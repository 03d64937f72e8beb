from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "docload.imports"
    verbose_name = "Imports"
