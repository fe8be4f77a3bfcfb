from django.urls import path

from audit import refusal_views, views

app_name = "audit"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/review/", views.finding_review, name="finding-review"),
    path("changes/", views.change_log, name="change-log"),
    path("changes/export.<str:fmt>", views.change_log_export, name="change-log-export"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:pk>/", views.action_timeline, name="action-timeline"),
    path("refusals/", refusal_views.refusals, name="refusals"),
]
