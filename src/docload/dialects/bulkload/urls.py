"""The VOSS-style bulk load: /api/uploadfiles/, /api/tool/..., /api/data/Schedule/."""

from django.urls import path

from docload.dialects.bulkload import views

urlpatterns = [
    path("uploadfiles/", views.UploadFilesView.as_view(), name="bulkload-upload-files"),
    path("tool/BulkLoad/", views.StartView.as_view(), name="bulkload-start"),
    path("tool/Transaction/", views.TransactionsView.as_view(), name="bulkload-transactions"),
    path("tool/Transaction/poll/", views.PollView.as_view(), name="bulkload-poll"),
    path(
        "tool/Transaction/<uuid:transaction_id>/",
        views.TransactionView.as_view(),
        name="bulkload-transaction",
    ),
    path(
        "tool/Transaction/<uuid:transaction_id>/poll/",
        views.TransactionPollView.as_view(),
        name="bulkload-transaction-poll",
    ),
    path(
        "tool/Transaction/<uuid:transaction_id>/cancel",
        views.CancelView.as_view(),
        name="bulkload-transaction-cancel",
    ),
    path(
        "tool/Transaction/<uuid:transaction_id>/rollback",
        views.RollbackView.as_view(),
        name="bulkload-transaction-rollback",
    ),
    path("data/Schedule/", views.ScheduleView.as_view(), name="bulkload-schedule"),
]
