from django.urls import path

from audit import refusal_views, views

app_name = "audit"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/review/", views.finding_review, name="finding-review"),
    path("findings/<int:pk>/start-review/", views.finding_start_review, name="finding-start-review"),
    path("findings/<int:pk>/reopen/", views.finding_reopen, name="finding-reopen"),
    path("checks/", views.checks, name="checks"),
    path("checks/run/<str:kind>/", views.check_request, name="check-request"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("checks/<int:pk>/status/", views.check_status, name="check-status"),
    path("packs/", views.packs, name="packs"),
    path("packs/build/", views.pack_build, name="pack-build"),
    path("packs/<int:pk>/download/", views.pack_download, name="pack-download"),
    path("changes/", views.change_log, name="change-log"),
    path("changes/export.<str:fmt>", views.change_log_export, name="change-log-export"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:pk>/", views.action_timeline, name="action-timeline"),
    path("refusals/", refusal_views.refusals, name="refusals"),
]
