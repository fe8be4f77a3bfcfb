from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("agencies/<slug:slug>/", views.agency, name="agency"),
]
