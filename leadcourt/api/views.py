"""The base of every LeadCourt API view."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (which already refuses NaN and Infinity), refusing
    also what the database cannot store: lone UTF-16 surrogates ("\\ud800")
    are valid JSON escapes but not valid Unicode, and PostgreSQL would raise
    on them deep inside a service."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode(settings.DEFAULT_CHARSET)
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - text must be valid Unicode.") from None
        return data


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
