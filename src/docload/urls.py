from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView

from docload.api.components import COMPONENTS
from docload.api.error_shapes import not_found, server_error

handler404 = not_found
handler500 = server_error

# Each API's schema at `schema/openapi.yaml|json` under its root, with a browsable page at
# `schema/`; the API root itself answers the YAML too, where gemma-zds-client looks by default.
_schemas = []
for component in COMPONENTS:
    prefix = component.root.lstrip("/") + "/" if component.root else ""
    yaml_name = f"schema-{component.name}-yaml"
    _schemas += [
        path(f"{prefix}schema/openapi.yaml", component.yaml_view(), name=yaml_name),
        path(
            f"{prefix}schema/openapi.json",
            component.json_view(),
            name=f"schema-{component.name}-json",
        ),
        path(
            f"{prefix}schema/",
            SpectacularRedocView.as_view(url_name=yaml_name, title=component.title),
            name=f"schema-{component.name}",
        ),
    ]
    if prefix:
        _schemas.append(path(prefix, component.yaml_view(), name=f"root-{component.name}"))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("imports/", include("docload.web.urls")),
    *_schemas,
    path("", include("docload.dialects.urls")),
    path("documenten/api/v1/", include("docload.documents.api.urls")),
    path("catalogi/api/v1/", include("docload.catalog.api.urls")),
]
