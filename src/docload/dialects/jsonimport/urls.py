"""The JSON import under /api/v1/json-import."""

from django.urls import path

from docload.dialects.jsonimport import views

urlpatterns = [
    path("", views.RunsView.as_view(), name="jsonimport-runs"),
    path("/<uuid:run_id>", views.RunView.as_view(), name="jsonimport-run"),
    path("/<uuid:run_id>/prepare", views.PrepareView.as_view(), name="jsonimport-prepare"),
    path("/<uuid:run_id>/start", views.StartView.as_view(), name="jsonimport-start"),
    path("/<uuid:run_id>/rollback", views.RollbackView.as_view(), name="jsonimport-rollback"),
    path("/<uuid:run_id>/logs.csv", views.LogsView.as_view(), name="jsonimport-logs"),
]
