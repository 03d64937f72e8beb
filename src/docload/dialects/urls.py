"""Every dialect's endpoints where they are mounted: docload's own API, with a schema of its own."""

from django.urls import include, path

urlpatterns = [
    path("documenten/api/v1/import/", include("docload.dialects.openzaak.urls")),
    path("data-import/", include("docload.dialects.uploads.urls")),
    path("api/v1/json-import", include("docload.dialects.jsonimport.urls")),
    path("api/", include("docload.dialects.bulkload.urls")),
]
