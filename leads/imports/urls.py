"""Browser routes of the CSV import, included from leadcourt/urls.py."""

from django.urls import path

from leads.imports import views

urlpatterns = [
    path("imports/leads/", views.lead_import_page, name="lead-import"),
    path("imports/leads/<int:pk>/", views.lead_import_detail, name="lead-import-detail"),
    path("imports/leads/<int:pk>/progress/", views.lead_import_progress, name="lead-import-progress"),
]
