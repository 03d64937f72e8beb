from django.urls import path

from docload.web import views

app_name = "web"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("live", views.job_list, {"live": True}, name="jobs-live"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("<uuid:uuid>/", views.job_detail, name="job"),
    path("<uuid:uuid>/live", views.job_detail, {"live": True}, name="job-live"),
    path("<uuid:uuid>/report.csv", views.report, name="report"),
    path("<uuid:uuid>/<slug:action>", views.act, name="act"),
]
