"""POST /api/v1/auth/token/: trade a username and password for an API token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi


class TokenObtainApi(JsonApi):
    # No authentication classes: a browser session must not turn this into a
    # CSRF-able request, and the credentials in the body are what counts.
    # Inactive users (and the system actor) cannot log in, so get no token.

    authentication_classes = ()
    permission_classes = ()
    # Guessing passwords through the API is slowed per client address.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth_token"

    @extend_schema_serializer(component_name="TokenObtainRequest")
    class InputSerializer(AuthTokenSerializer):
        pass

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Trade a username and password for the caller's API token",
        description=(
            "The token is created on first use and stays the same afterwards. Send it as "
            "`Authorization: Token <token>`. Wrong credentials or an inactive user: 400."
        ),
        auth=[],
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 429, authenticated=False)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # DRF's own token table; one token per user, as ObtainAuthToken does.
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(self.OutputSerializer({"token": token.key}).data)
