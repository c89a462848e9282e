"""Permissions every app's API shares."""

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class PostOnly(permissions.BasePermission):
    """Anyone may ask (a GET is answered 405); a POST needs `permission`.

    For the endpoints that start an operation (an import, an extraction): a
    subclass names the model permission a POST needs.
    """

    permission = ""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.has_perm(self.permission))
