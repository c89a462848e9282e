"""The claims app's settings, read where they are used (never at import)."""

from decimal import Decimal

from django.conf import settings


def tolerance_setting() -> Decimal:
    """Return FACTCHECK_APPROXIMATE_TOLERANCE as a Decimal (0.10 for 10%)."""
    return Decimal(settings.FACTCHECK_APPROXIMATE_TOLERANCE)
