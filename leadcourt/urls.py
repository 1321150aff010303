from django.contrib import admin
from django.urls import include, path

from leadcourt.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("leadcourt.api.urls")),
    path("notifications/", include("leadcourt.notifications.urls")),
    path("", include("adjudication.urls")),
    path("", include("metrics.urls")),
    path("", include("leads.campaigns.urls")),
    path("", include("leads.imports.urls")),
    path("", include("leads.urls")),
]
