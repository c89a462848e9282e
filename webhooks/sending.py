"""One webhook request: POST signed bytes to a checked address, bounded in time, size.

No redirect is followed, connecting and each read time out quickly, the whole
exchange has a deadline, and at most RESPONSE_MAX_BYTES of the answer are read:
a slow, huge or redirecting answer is a failed attempt, never a hung worker.
"""

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError

from .addresses import Target

RESPONSE_MAX_BYTES = 64 * 1024
EXCERPT_MAX_CHARS = 500
USER_AGENT = "factcheck-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: success, the status code, why it failed, how long."""

    succeeded: bool
    status_code: int | None
    error: str
    duration_ms: int
    response_excerpt: str = ""


def post(
    target: Target, *, body: bytes, headers: dict[str, str], timeout: float
) -> Outcome:
    """POST `body` to `target` and return how it went (never raises for the network)."""
    started = time.monotonic()
    deadline = started + timeout
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    if target.port != default_port:
        host_header += f":{target.port}"
    request_headers = {
        **headers,
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    timeouts = urllib3.Timeout(connect=min(timeout, 3.0), read=timeout)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        # Connect to the checked address; verify the certificate of the name.
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeouts,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeouts, retries=False, maxsize=1
        )

    def outcome(succeeded: bool, status: int | None, error: str, excerpt: bytes = b""):
        return Outcome(
            succeeded,
            status,
            error,
            round((time.monotonic() - started) * 1000),
            excerpt[:EXCERPT_MAX_CHARS].decode("utf-8", "replace"),
        )

    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
    except HTTPError as error:
        pool.close()
        return outcome(False, None, _describe(error))
    try:
        received = bytearray()
        while True:
            if time.monotonic() > deadline:
                return outcome(
                    False,
                    response.status,
                    f"No full answer within {timeout:g} s.",
                    bytes(received),
                )
            chunk = response.read1(8192)
            if not chunk:
                break
            received += chunk
            if len(received) > RESPONSE_MAX_BYTES:
                return outcome(
                    False,
                    response.status,
                    f"The answer is larger than {RESPONSE_MAX_BYTES // 1024} KB.",
                    bytes(received),
                )
    except HTTPError as error:
        return outcome(False, response.status, _describe(error), bytes(received))
    finally:
        response.release_conn()
        pool.close()
    status = response.status
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return outcome(
            False, status, f"Redirect to {location!r} not followed.", bytes(received)
        )
    if not 200 <= status < 300:
        return outcome(False, status, f"HTTP {status}.", bytes(received))
    return outcome(True, status, "", bytes(received))


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", None)
    text = str(reason or error)
    return f"{type(error).__name__}: {text}"[:1000]
