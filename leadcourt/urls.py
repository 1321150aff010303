from django.contrib import admin
from django.urls import include, path, re_path

from leadcourt.api.views import api_not_found
from leadcourt.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("leadcourt.api.urls")),
    # Other versions or none: still the API's JSON 404, not a page.
    re_path(r"^api(/[\s\S]*)?$", api_not_found),
    path("notifications/", include("leadcourt.notifications.urls")),
    path("", include("leadcourt.accounts.urls")),
    path("", include("adjudication.urls")),
    path("", include("metrics.urls")),
    path("", include("leads.campaigns.urls")),
    path("", include("leads.imports.urls")),
    path("", include("leads.urls")),
]
