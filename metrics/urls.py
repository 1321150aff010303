"""Browser routes of the metrics app."""

from django.urls import path

from metrics import views

urlpatterns = [
    path("dashboards/", views.dashboards, name="dashboards"),
]
