"""The FOLIO-compatible upload definitions: /data-import/."""

from django.urls import path

from docload.dialects.uploads import views

urlpatterns = [
    path("uploadDefinitions", views.UploadDefinitionsView.as_view(), name="upload-definitions"),
    path(
        "uploadDefinitions/<uuid:definition_id>",
        views.UploadDefinitionView.as_view(),
        name="upload-definition",
    ),
    path(
        "uploadDefinitions/<uuid:definition_id>/files",
        views.FilesView.as_view(),
        name="upload-definition-files",
    ),
    path(
        "uploadDefinitions/<uuid:definition_id>/files/<uuid:file_id>",
        views.FileView.as_view(),
        name="upload-definition-file",
    ),
    path(
        "uploadDefinitions/<uuid:definition_id>/processFiles",
        views.ProcessFilesView.as_view(),
        name="upload-definition-process",
    ),
    path("fileExtensions", views.FileExtensionsView.as_view(), name="file-extensions"),
]
