"""Error responses as the OpenAPI schema shows them (see ``exceptions.py``).

Each API view lists the statuses it can answer with ``errors(400, 404, ...)``
so that clients (and the schema fuzz test) know every shape to expect.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Stable machine-readable code, e.g. `forbidden`, `not_found`.")
    detail = serializers.CharField(help_text="What happened, in words a user understands.")


@extend_schema_serializer(component_name="ValidationError")
class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Messages per field: `{field: [message, ...]}` (nested for list items).",
    )


@extend_schema_serializer(component_name="ConflictError")
class ConflictErrorSerializer(ErrorSerializer):
    state = serializers.CharField(
        required=False, help_text="With `invalid_transition`: the current state of the object."
    )
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `invalid_transition`: the transitions the caller may run in that state.",
    )


_ERRORS = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="Bad fields (`invalid`, with a message per field) or malformed JSON (`parse_error`).",
    ),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated, or bad credentials."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="The caller may not do this to this object (`forbidden`, `recused`, `csrf_failed`).",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such object, or one the caller may not see."),
    409: OpenApiResponse(
        ConflictErrorSerializer,
        description=(
            "Not possible now: `invalid_transition` (with `state` and `allowed`), `conflict`, "
            "or a rulebook guard (`guard_failed`, `too_few_criteria`, `too_few_touches`, ...)."
        ),
    ),
    415: OpenApiResponse(ErrorSerializer, description="Unsupported request content type."),
    429: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Too many attempts: too fast (`throttled`), or too many failed logins from this "
            "address (`locked_out`); retry later."
        ),
    ),
}


def errors(*statuses: int, authenticated: bool = True) -> dict[int, OpenApiResponse]:
    """The documented error responses of an operation; 401 too unless the
    operation needs no credentials (only the token endpoint)."""
    if authenticated:
        statuses = (401, *statuses)
    return {status: _ERRORS[status] for status in sorted(set(statuses))}
