"""The token endpoint, with failed attempts counted by the login rate limit."""

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken


@extend_schema(summary="Exchange a username and password for an API token")
class TokenView(ObtainAuthToken):
    """Answer {"token": ...} for a username and password; 429 after many failures."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # django-axes marks the Django request, not DRF's wrapper, when it locks a
        # client out; pass the Django request so its middleware answers 429.
        context["request"] = self.request._request
        return context
