"""The project's pages plus one that fails on purpose, for the error-report test."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


class DeliberateError(RuntimeError):
    pass


@login_not_required
def fail(request):
    raise DeliberateError("raised on purpose by the error-report test")


urlpatterns = [path("deliberate-error/", fail), *project_urlpatterns]
