"""The API's error shape (SPEC §9): every refusal is JSON with a stable code.

    {"error": "<code>", "detail": "<what happened, in words>", ...}

- a service's ``ApplicationError`` keeps its status and adds its ``extra``:
  an impossible transition is 409 ``{"error": "invalid_transition",
  "state": ..., "allowed": [...], "detail": ...}``; a forbidden action 403;
  bad fields 400 with ``errors`` (one list of messages per field); a
  rulebook guard 409 ``guard_failed`` (or its own code, e.g.
  ``too_few_touches``) with what is missing;
- DRF's own refusals get the same shape: request validation 400 ``invalid``
  with ``errors``, malformed JSON 400 ``parse_error``, no or bad credentials
  401, a CSRF failure 403 ``csrf_failed``, unknown or invisible objects 404
  ``not_found``, 405, 415, ...; a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
  413 ``too_large``; JSON nested too deep 400 ``parse_error``.

Anything else is a bug, not a refusal: it is left to Django (a 500 that is
logged), never dressed up as a client error.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from leadcourt.errors import ApplicationError

# DRF's codes, renamed where the service layer already names the same thing.
_CODE_ALIASES = {"permission_denied": "forbidden"}


def _validation_body(detail) -> dict:
    errors = detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return {"error": "invalid", "detail": "Some fields are invalid; see errors.", "errors": errors}


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return "csrf_failed"
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return _CODE_ALIASES.get(code, code)


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.code, "detail": exc.message, **exc.extra}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before any parser reads it; say so in JSON.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        detail = f"The request body is larger than {limit:g} MB."
        return Response({"error": "too_large", "detail": detail}, status=413)
    if isinstance(exc, TooManyFieldsSent):
        detail = "The request has too many fields."
        return Response({"error": "too_many_fields", "detail": detail}, status=400)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        # Also a row that vanished between the visibility check and the lock.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        response.data = {"error": _code_of(exc), "detail": str(exc.detail)}
    return response
