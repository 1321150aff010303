"""REST routes of this app, included under /api/v1/ by leadcourt/api/urls.py."""

from django.urls import path

from metrics import apis

urlpatterns = [
    path("metrics/acceptance/", apis.AcceptanceApi.as_view(), name="metrics-acceptance"),
]
