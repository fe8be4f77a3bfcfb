from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("agencies/<slug:slug>/", views.agency, name="agency"),
    # Platform operators: oversight officers' accounts and grants (a second operator confirms each grant).
    path("officers/", views.officers, name="officers"),
    path("officers/<int:pk>/", views.officer, name="officer"),
    path("grants/<int:pk>/confirm/", views.grant_confirm, name="grant-confirm"),
    path("grants/<int:pk>/decline/", views.grant_decline, name="grant-decline"),
    path("grants/<int:pk>/end/", views.grant_end, name="grant-end"),
]
