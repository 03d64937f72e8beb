from django.contrib import admin

from docload.catalog.models import InformatieObjectType


@admin.register(InformatieObjectType)
class InformatieObjectTypeAdmin(admin.ModelAdmin):
    list_display = ("omschrijving", "vertrouwelijkheidaanduiding", "begin_geldigheid", "concept")
    list_filter = ("concept",)
    search_fields = ("omschrijving",)
