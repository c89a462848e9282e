"""Where a webhook may be sent: http(s) URLs whose every address is public.

A subscriber's URL is checked when it subscribes and again before each delivery,
on the addresses the name resolves to then (a name may be re-pointed at a private
address after it was checked: DNS rebinding). The request then goes to the address
that was checked, never to a second lookup. Hosts named in WEBHOOK_ALLOWED_HOSTS
(the tests' 127.0.0.1, an intranet receiver) skip the address check.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

URL_MAX_LENGTH = 2000


class ForbiddenURL(ValueError):
    """The URL is malformed, not http(s), or reaches a forbidden address."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to ask for."""

    scheme: str
    host: str  # as written in the URL (the Host header and TLS name)
    port: int
    path: str  # path and query
    address: str  # the resolved IP address the request goes to


def parse(url: str) -> SplitResult:
    """Return the parts of an http(s) URL with a host, or raise ForbiddenURL."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX_LENGTH:
        raise ForbiddenURL(
            f"Enter an http or https URL of at most {URL_MAX_LENGTH} characters."
        )
    if any(character.isspace() or ord(character) < 32 for character in url):
        raise ForbiddenURL("A URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise ForbiddenURL(f"Malformed URL: {error}.") from error
    if parts.scheme not in {"http", "https"}:
        raise ForbiddenURL("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise ForbiddenURL("The URL has no host.")
    if parts.username or parts.password:
        raise ForbiddenURL("Put no user name or password in the URL.")
    if parts.fragment:
        raise ForbiddenURL("A webhook URL has no #fragment.")
    return parts


def forbidden_reason(address: str) -> str:
    """Return why a request must not go to `address` ("" if it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, test in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if test:
            return f"{address}, a {kind} address"
    if not ip.is_global:
        return f"{address}, not a public address"
    return ""


def resolve(host: str, port: int) -> list[str]:
    """Return every address `host` resolves to (an IP literal is its own)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise ForbiddenURL(f"The host {host!r} does not resolve ({error}).") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise ForbiddenURL(f"The host {host!r} does not resolve.")
    return addresses


def check(url: str, *, allowed_hosts: list[str]) -> Target:
    """Return where to send `url`, or raise ForbiddenURL saying why not.

    Every address the host resolves to must be public unless the host is in
    `allowed_hosts`: a name with one public and one private address is refused,
    since either could be the one a connection gets.
    """
    parts = parse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    allowed = {name.strip().lower().strip("[]") for name in allowed_hosts}
    if host.lower() not in allowed:
        for address in addresses:
            reason = forbidden_reason(address)
            if reason:
                raise ForbiddenURL(
                    f"Webhooks are never sent to private, loopback, link-local or"
                    f" reserved addresses: {host} resolves to {reason}."
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])
