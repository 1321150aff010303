"""REST routes of the CSV import, included under /api/v1/ by leadcourt/api/urls.py."""

from django.urls import path

from leads.imports import apis

urlpatterns = [
    path("imports/leads/", apis.LeadImportCreateApi.as_view(), name="lead-imports"),
    path("imports/leads/<int:pk>/", apis.LeadImportDetailApi.as_view(), name="lead-import-detail"),
    path("imports/leads/<int:pk>/errors/", apis.LeadImportErrorsApi.as_view(), name="lead-import-errors"),
]
