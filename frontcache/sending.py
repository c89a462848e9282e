"""One PURGE request: tags to invalidate, sent to one front cache, bounded in time.

Varnish's VCL (docker/varnish/default.vcl) answers a PURGE carrying `xkey-purge`
from an allowed client by invalidating every object tagged with one of the tags,
and says how many in the body. No redirect is followed; the answer's body is read
to at most RESPONSE_MAX_BYTES.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError

# The request header the VCL reads the tags of a purge from (space separated).
PURGE_HEADER = "xkey-purge"
RESPONSE_MAX_BYTES = 4096
USER_AGENT = "factcheck-frontcache/1"


@dataclass(frozen=True)
class PurgeOutcome:
    """What one PURGE gave: success, the status code, why it failed."""

    succeeded: bool
    status_code: int | None
    error: str = ""


def send_purge(url: str, tags: list[str], *, timeout: float) -> PurgeOutcome:
    """Send PURGE `url` with `tags`; never raises for the network."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return PurgeOutcome(False, None, f"not an http(s) URL: {url!r}")
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
        retries=False,
    )
    try:
        response = http.request(
            "PURGE",
            url,
            headers={PURGE_HEADER: " ".join(tags), "User-Agent": USER_AGENT},
            redirect=False,
            preload_content=False,
        )
        try:
            response.read(RESPONSE_MAX_BYTES)
        finally:
            response.release_conn()
    except HTTPError as error:
        return PurgeOutcome(False, None, f"{type(error).__name__}: {error}")
    finally:
        http.clear()
    if 200 <= response.status < 300:
        return PurgeOutcome(True, response.status)
    return PurgeOutcome(False, response.status, f"answered {response.status}")
