"""The anonymous throttle: a counter per client and window, shared with the cache.

DRF's AnonRateThrottle keeps each client's request times in one cache entry, read
and written whole on every request. This counts instead: one increment of a counter
per client and window (the rate's period), so that reads answered before the
framework (factcheck.middleware.CachedAnswerMiddleware) are counted as cheaply, and
against the same counter as those answered by a view.
"""

from typing import Any

from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle


class AnonCountThrottle(AnonRateThrottle):
    """Allow an anonymous client the "anon" rate's requests per window of its period."""

    wait_seconds: float = 0.0
    # Set by SimpleRateThrottle.__init__ from the rate (absent from DRF's stubs).
    num_requests: int
    duration: int

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        # DRF's request authenticates here; a Django request before the
        # authentication middleware has no user and is anonymous.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        return self.count(request)

    def count(self, request: Any) -> bool:
        """Count the request; return whether it is within the rate."""
        now = self.timer()
        window = int(now // self.duration)
        key = self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{window}",
        }
        try:
            requests = self.cache.incr(key)
        except ValueError:  # the window's first request (or the entry evicted)
            if self.cache.add(key, 1, self.duration + 1):
                requests = 1
            else:
                requests = self.cache.incr(key)
        self.wait_seconds = (window + 1) * self.duration - now
        return requests <= self.num_requests

    def wait(self) -> float:
        return self.wait_seconds


def throttled_detail(wait: float) -> str:
    """Return what DRF says of a throttled request."""
    return str(Throttled(wait).detail)
