"""POST /api/auth/token/: an ERP trades a staff user's username and password for a token."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .lockout import is_locked_out, lockout_response
from .services import issue_token


class TokenRequestSerializer(serializers.Serializer):
    """The staff user's credentials."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class IssuedTokenSerializer(serializers.Serializer):
    """A new token: send it as `Authorization: Token <token>` until `expires_at`."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class LockedOutSerializer(serializers.Serializer):
    """The 429 answer while a login is locked out (`code` is LOCKED_OUT)."""

    code = serializers.CharField()
    detail = serializers.CharField()


class ObtainTokenView(APIView):
    """Issue a new API token; the user's previous tokens end after the rotation grace.

    Wrong credentials count towards the login lockout shared with the admin login page:
    once locked, even the right password gets 429 until the cool-off has passed.
    """

    authentication_classes = ()  # the credentials are in the body
    permission_classes = (AllowAny,)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong credentials or a field missing (named)"),
            429: OpenApiResponse(LockedOutSerializer, description="Locked out: too many failures"),
        },
    )
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # axes reads and marks Django's own request, not DRF's wrapper around it.
        django_request = request._request
        user = authenticate(django_request, **credentials.validated_data)
        if user is None:
            if is_locked_out(django_request):
                return lockout_response(django_request)
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        # A login like the admin's: last_login is set and earlier failures are forgiven.
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        issued = issue_token(user)
        return Response(
            IssuedTokenSerializer({"token": issued.key, "expires_at": issued.token.expires_at}).data
        )
