"""The token endpoint, with failed attempts counted by the login rate limit."""

import ipaddress

from axes.helpers import get_lockout_message
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken

from factcheck.api.parsers import LimitedJSONParser


@extend_schema(summary="Exchange a username and password for an API token")
class TokenView(ObtainAuthToken):
    """Answer {"token": ...} for a username and password; 429 after many failures."""

    # JSON only (DRF's view also takes forms): a client generated from the schema
    # sends JSON, and one media type keeps its generated code simple.
    parser_classes = [LimitedJSONParser]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # django-axes marks the Django request, not DRF's wrapper, when it locks a
        # client out; pass the Django request so its middleware answers 429.
        context["request"] = self.request._request
        return context


def client_ip_address(request) -> str | None:
    """Return the address a login attempt came from, for the login rate limit.

    REMOTE_ADDR, unless settings.TRUSTED_PROXY_HEADER names the header trusted
    proxies append to: then the address the outermost of TRUSTED_PROXY_COUNT proxies
    was connected from, that many places from the right. What a client writes into
    the header itself stands further left and is never read. A header too short or
    not an address (the request did not come through the proxies) gives REMOTE_ADDR.
    """
    remote_address = request.META.get("REMOTE_ADDR")
    if not settings.TRUSTED_PROXY_HEADER:
        return remote_address
    forwarded = request.META.get(settings.TRUSTED_PROXY_HEADER, "").split(",")
    if len(forwarded) < settings.TRUSTED_PROXY_COUNT:
        return remote_address
    try:
        address = ipaddress.ip_address(forwarded[-settings.TRUSTED_PROXY_COUNT].strip())
    except ValueError:
        return remote_address
    return str(address)


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked-out login: JSON under /api/ (the schema's 429), else a page.

    django-axes calls this instead of writing its own answer (AXES_LOCKOUT_CALLABLE).
    """
    hours = settings.AXES_COOLOFF_TIME
    message = (
        "Too many failed login attempts: locked out for "
        f"{hours} hour{'s' if hours != 1 else ''}."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(get_lockout_message(), status=429)
    response["Retry-After"] = str(int(hours * 3600))
    return response
