"""Liveness/readiness probe for load balancers and the process smoke test."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    # Readiness includes the database: a web process that cannot reach
    # PostgreSQL should be taken out of rotation.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
