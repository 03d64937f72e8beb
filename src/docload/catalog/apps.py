from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "docload.catalog"
    verbose_name = "Catalogue"
