"""Routes of /api/v1/ (SPEC §9). Each app lists its own in its api_urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("", include("leads.api_urls")),
    path("", include("leads.imports.api_urls")),
    path("", include("adjudication.api_urls")),
    path("", include("metrics.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
