"""The address guard: http(s) only, and never a private, loopback, link-local or
reserved address unless its host is allowed (no network: IP literals, localhost)."""

import socket

import pytest

from webhooks import addresses
from webhooks.addresses import ForbiddenURL, check


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://10.1.2.3/hook", "private"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://192.168.0.10/hook", "private"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://100.64.0.1/hook", "not a public address"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://localhost/hook", "loopback"),  # a name resolving to loopback
        ("ftp://93.184.215.14/hook", "http and https"),
        ("javascript:alert(1)", "http and https"),
        ("http:///hook", "no host"),
        ("http://93.184.215.14:99999/hook", "Malformed"),
        ("http://exa mple.org/hook", "spaces"),
        ("http://user:pw@93.184.215.14/hook", "password"),
        ("", "Enter"),
    ],
)
def test_forbidden_urls_are_refused_saying_why(url, words):
    with pytest.raises(ForbiddenURL, match=words):
        check(url, allowed_hosts=[])


def test_a_public_address_passes_and_is_the_one_connected_to():
    target = check("https://93.184.215.14:8443/hook?x=1", allowed_hosts=[])
    assert (target.scheme, target.address, target.port, target.path) == (
        "https",
        "93.184.215.14",
        8443,
        "/hook?x=1",
    )


def test_an_allowed_host_skips_the_address_check():
    target = check("http://127.0.0.1:9/hook", allowed_hosts=["127.0.0.1"])
    assert target.address == "127.0.0.1"
    # The allow-list names hosts, not addresses a name resolves to.
    with pytest.raises(ForbiddenURL, match="loopback"):
        check("http://localhost:9/hook", allowed_hosts=["127.0.0.1"])


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    def resolves(host, port, *args, **kwargs):  # made for this test
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", resolves)
    with pytest.raises(ForbiddenURL, match=r"10\.0\.0\.7, a private"):
        check("https://partner.example.org/hook", allowed_hosts=[])


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def fails(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", fails)
    with pytest.raises(ForbiddenURL, match="does not resolve"):
        check("https://nowhere.example.org/hook", allowed_hosts=[])
