from django.contrib import admin

from docload.documents.models import (
    BestandsDeel,
    EnkelvoudigInformatieObject,
    ObjectInformatieObject,
)


class ObjectInformatieObjectInline(admin.TabularInline):
    model = ObjectInformatieObject
    extra = 0


class BestandsDeelInline(admin.TabularInline):
    model = BestandsDeel
    extra = 0
    fields = ("volgnummer", "omvang", "content_key")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EnkelvoudigInformatieObject)
class EnkelvoudigInformatieObjectAdmin(admin.ModelAdmin):
    list_display = ("identificatie", "bronorganisatie", "titel", "creatiedatum", "bestandsomvang")
    list_filter = ("vertrouwelijkheidaanduiding", "status", "informatieobjecttype")
    search_fields = ("identificatie", "titel", "uuid")
    readonly_fields = ("uuid", "content_key", "versie", "begin_registratie", "lock", "import_job")
    raw_id_fields = ("informatieobjecttype",)
    show_full_result_count = False  # counting a million rows on every page is slow
    inlines = [ObjectInformatieObjectInline, BestandsDeelInline]
