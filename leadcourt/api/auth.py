"""POST /api/v1/auth/token/: trade a username and password for an API token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response

from leadcourt.accounts.lockout import LOCKED_OUT_STATUS, lockout_message
from leadcourt.api.schema import errors
from leadcourt.api.throttling import ClientAddressScopedRateThrottle
from leadcourt.api.views import JsonApi


class LockedOut(exceptions.APIException):
    status_code = LOCKED_OUT_STATUS
    default_code = "locked_out"


class TokenObtainApi(JsonApi):
    # No authentication classes: a browser session must not turn this into a
    # CSRF-able request, and the credentials in the body are what counts.
    # Inactive users (and the system actor) cannot log in, so get no token.

    authentication_classes = ()
    permission_classes = ()
    # Guessing passwords through the API is slowed per client address, and
    # locked out with the login pages (django-axes, through authenticate()).
    throttle_classes = (ClientAddressScopedRateThrottle,)
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
            "`Authorization: Token <token>`. Wrong credentials or an inactive user: 400. "
            "Too many attempts from one address: 429, `throttled` (too fast) or `locked_out` "
            "(too many failed logins; refused, even with the right password, until the lockout ends)."
        ),
        auth=[],
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 429, authenticated=False)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # authenticate() was refused by the lockout, or this failure
            # reached the limit: axes flags the request it was given.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            raise exceptions.ValidationError(serializer.errors)
        # DRF's own token table; one token per user, as ObtainAuthToken does.
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(self.OutputSerializer({"token": token.key}).data)
