from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularYAMLAPIView,
)

from docload.api.error_shapes import not_found, server_error

handler404 = not_found
handler500 = server_error

urlpatterns = [
    path("admin/", admin.site.urls),
    path("documenten/api/v1/import/", include("docload.dialects.openzaak.urls")),
    path("documenten/api/v1/", include("docload.documents.api.urls")),
    path(
        "documenten/api/v1/schema/openapi.yaml",
        SpectacularYAMLAPIView.as_view(),
        name="schema-yaml",
    ),
    path(
        "documenten/api/v1/schema/openapi.json",
        SpectacularJSONAPIView.as_view(),
        name="schema-json",
    ),
    path(
        "documenten/api/v1/schema/",
        SpectacularRedocView.as_view(url_name="schema-yaml"),
        name="schema-redoc",
    ),
    path("catalogi/api/v1/", include("docload.catalog.api.urls")),
    path("data-import/", include("docload.dialects.uploads.urls")),
]
