from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from docload.auth.models import Applicatie


@admin.register(Applicatie)
class ApplicatieAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "client_id",
        "heeft_alle_autorisaties",
        "max_vertrouwelijkheidaanduiding",
    )
    search_fields = ("label", "client_id")

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # The secret is shown once, by `docload createapp`; never again afterwards.
        return ("secret",) if obj is not None else ()
