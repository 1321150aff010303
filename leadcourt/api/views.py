"""The base of every LeadCourt API view."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView

from leadcourt.api.parsers import StrictJSONParser


class JsonApi(APIView):
    """JSON in, JSON out. Authentication (token or session, CSRF enforced for
    sessions), permissions, pagination and the error shape come from
    ``REST_FRAMEWORK`` in settings."""

    parser_classes = [StrictJSONParser]


@csrf_exempt  # It changes nothing; without this a POST would get the HTML CSRF page.
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /api/v1/ (including ids that are not numbers)
    answer in the API's error shape."""
    return JsonResponse({"error": "not_found", "detail": "No such API endpoint."}, status=404)
