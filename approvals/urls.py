from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("plans/<int:year>/", views.plan_detail, name="plan-detail"),
]
