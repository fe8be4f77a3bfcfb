from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("plans/<int:year>/", views.plan_detail, name="plan-detail"),
    path("plans/import/", views.plan_import, name="plan-import"),
    path("plans/import/confirm/", views.plan_import_confirm, name="plan-import-confirm"),
]
