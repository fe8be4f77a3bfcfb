from django.urls import path

from oit import views

app_name = "oit"

urlpatterns = [
    path("", views.current_progress, name="progress-current"),
    path("progress/<int:year>/", views.progress, name="progress"),
    path("adopt/", views.adopt, name="adopt"),
    path("items/<int:pk>/", views.item_detail, name="item"),
]
