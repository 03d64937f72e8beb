from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "docload.documents"
    verbose_name = "Documents"
