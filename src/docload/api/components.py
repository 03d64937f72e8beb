"""The APIs docload serves, each with a schema of its own, as ZGW clients load them.

The Documenten and Catalogi APIs each have paths relative to their API root (given in
`servers`); docload's own endpoints (the import dialects) are a third schema. `docload openapi`
writes the committed copies (`openapi/<name>.yaml`); the views serve the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularYAMLAPIView


@dataclass(frozen=True)
class Component:
    """One API with its own schema."""

    name: str  # also the committed file: openapi/<name>.yaml
    urlconf: str  # its URL patterns, relative to `root`
    root: str  # where it is mounted, e.g. /documenten/api/v1
    title: str
    version: str
    description: str

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "TITLE": self.title,
            "VERSION": self.version,
            "DESCRIPTION": self.description,
            "SERVERS": [{"url": self.root or "/"}],
        }

    def yaml_view(self) -> Any:
        return SpectacularYAMLAPIView.as_view(urlconf=self.urlconf, custom_settings=self.settings)

    def json_view(self) -> Any:
        return SpectacularJSONAPIView.as_view(urlconf=self.urlconf, custom_settings=self.settings)

    def render(self) -> bytes:
        """The schema as YAML, as the views serve it; validated against OpenAPI 3."""
        with patched_settings(self.settings):
            schema = SchemaGenerator(urlconf=self.urlconf).get_schema(request=None, public=True)
            validate_schema(schema)
            return bytes(OpenApiYamlRenderer().render(schema, renderer_context={}))


COMPONENTS = (
    Component(
        name="documenten",
        urlconf="docload.documents.api.urls",
        root="/documenten/api/v1",
        title="Documenten API",
        version="1.4.3",
        description="The ZGW Documenten API (1.4) of docload: documents with their content, "
        "and their links to objects (zaken, besluiten).",
    ),
    Component(
        name="catalogi",
        urlconf="docload.catalog.api.urls",
        root="/catalogi/api/v1",
        title="Catalogi API",
        version="1.2.1",
        description="The part of the ZGW Catalogi API that docload serves: informatieobjecttypen.",
    ),
    Component(
        name="docload",
        urlconf="docload.dialects.urls",
        root="",
        title="docload bulk import",
        version="1.0.0",
        description="docload's own endpoints: the Open Zaak-compatible Import API and the "
        "FOLIO-compatible upload definitions.",
    ),
)
