"""Views of the API's own: the 404 handler."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def not_found(request, exception=None):
    """Answer 404 in JSON under /api/ (handler404), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
