from django.urls import path

from docload.dialects.openzaak import views

urlpatterns = [
    path("create", views.CreateView.as_view(), name="import-create"),
    path("<uuid:uuid>/upload", views.UploadView.as_view(), name="import-upload"),
    path("<uuid:uuid>/status", views.StatusView.as_view(), name="import-status"),
    path("<uuid:uuid>/report", views.ReportView.as_view(), name="import-report"),
    path("<uuid:uuid>/delete", views.DeleteView.as_view(), name="import-delete"),
    path("<uuid:uuid>/resume", views.ResumeView.as_view(), name="import-resume"),
    path("<uuid:uuid>/rollback", views.RollbackView.as_view(), name="import-rollback"),
]
