"""Routes of /api/v1/ (SPEC §9). Each app lists its own in its api_urls.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from leadcourt.api.auth import TokenObtainApi
from leadcourt.api.views import api_not_found

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("", include("leads.api_urls")),
    path("", include("leads.imports.api_urls")),
    path("", include("adjudication.api_urls")),
    path("", include("metrics.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file
    # (?script), not inline, for the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # Last: any other path under /api/v1/ is a JSON 404, not the HTML page
    # (``[\s\S]``, not ``.``: a path may hold an encoded newline).
    re_path(r"^[\s\S]*$", api_not_found, name="not-found"),
]
