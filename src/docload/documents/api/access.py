"""What the requesting application may see and do."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.request import Request

from docload.auth.permissions import applicatie_of, visible_levels
from docload.documents.models import EnkelvoudigInformatieObject


def visible_documents(request: Request | None) -> QuerySet[EnkelvoudigInformatieObject]:
    """The documents up to the application's maximum vertrouwelijkheidaanduiding."""
    documents = EnkelvoudigInformatieObject.objects.select_related(
        "informatieobjecttype"
    ).prefetch_related("bestandsdelen")
    applicatie = applicatie_of(request) if request is not None else None
    levels = visible_levels(applicatie) if applicatie is not None else []
    if levels is not None:
        documents = documents.filter(vertrouwelijkheidaanduiding__in=levels)
    return documents.order_by("pk")


def has_scope(request: Request, scope: str) -> bool:
    applicatie = applicatie_of(request)
    return applicatie is not None and applicatie.has_scope(scope)
