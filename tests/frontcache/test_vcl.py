"""The VCL of the front cache (docker/varnish/default.vcl), run by varnishd.

varnishd (Debian's `varnish`, with `varnish-modules` for vmod xkey) is started on
127.0.0.1 in front of a stand-in backend, also on 127.0.0.1, that answers what the
app answers (Cache-Control, Vary, xkey, Age) and counts what reaches it: so each
rule of the VCL is checked by whether a request reached the backend. Skipped, with
the reason, where varnishd is not installed (.ci/run installs it).
"""

import http.client
import itertools
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.frontcache import Varnish, compile_vcl, varnishd_path, vcl_text

pytestmark = pytest.mark.skipif(
    varnishd_path() is None,
    reason="varnishd is not installed (apt-get install varnish varnish-modules)",
)

PUBLIC = "public, max-age=30, stale-while-revalidate=30"


class Backend:
    """Answers like the app: public with tags, except the paths that say otherwise.

    /private/ is private, /nocache/ has no Cache-Control, /cookie/ sets a cookie,
    /untagged/ names no tags (like the events feed).
    Every answer's body names how many times its URL was asked, and carries an Age
    of 100 s (a body kept long in the app's store, checked current just now).
    """

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.seen: list[dict[str, str]] = []
        self.lock = threading.Lock()
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with backend.lock:
                    backend.counts[self.path] += 1
                    count = backend.counts[self.path]
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    backend.seen.append({"path": self.path, **headers})
                body = f"{self.path} #{count}".encode()
                self.send_response(200)
                path = self.path.split("?")[0]
                if path.startswith("/private/"):
                    self.send_header("Cache-Control", "private, no-cache")
                elif path.startswith("/cookie/"):
                    self.send_header("Cache-Control", PUBLIC)
                    self.send_header("Set-Cookie", "csrftoken=abc; Path=/")
                elif not path.startswith("/nocache/"):
                    self.send_header("Cache-Control", PUBLIC)
                self.send_header("Vary", "Accept, Authorization, Cookie")
                if not path.startswith("/untagged/"):
                    self.send_header("xkey", tags_of(path))
                self.send_header("Age", "100")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def asked(self, path: str) -> int:
        with self.lock:
            return self.counts[path]

    def last(self, path: str) -> dict[str, str]:
        with self.lock:
            return [seen for seen in self.seen if seen["path"] == path][-1]


def tags_of(path: str) -> str:
    """/claims/7/ shows claim:7; everything also shows all-claims (made up)."""
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "claims":
        return f"claim:{parts[1]} all-claims"
    return "all-claims"


@pytest.fixture(scope="module")
def backend():
    backend = Backend()
    yield backend
    backend.server.shutdown()
    backend.server.server_close()


@pytest.fixture(scope="module")
def varnish(backend):
    with Varnish(backend.port) as varnish:
        yield varnish


_paths = itertools.count(1)


def fresh(prefix: str = "/claims/") -> str:
    """A path no other test asked for (the cache is shared by the module)."""
    return f"{prefix}{next(_paths)}/"


def get(varnish, path, headers=None, method="GET"):
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)
    try:
        sent = {"Host": "localhost", **(headers or {})}
        connection.request(method, path, headers=sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_the_vcl_compiles(tmp_path):
    vcl = tmp_path / "default.vcl"
    vcl.write_text(vcl_text("127.0.0.1", 8000))
    compiled = compile_vcl(vcl, tmp_path / "work")
    assert compiled.returncode == 0, compiled.stderr[-2000:]


def test_an_anonymous_read_is_kept_for_its_max_age_from_the_fetch(varnish, backend):
    path = fresh()
    _, first, body = get(varnish, path)
    _, second, again = get(varnish, path)
    assert first["X-Front-Cache"] == "miss"
    # Kept although the app said Age: 100 over max-age=30: the app checked its
    # versions on that fetch, so freshness counts from it.
    assert second["X-Front-Cache"] == "hit"
    assert len(second["X-Varnish"].split()) == 2  # this request's id, the object's
    assert again == body
    assert backend.asked(path) == 1


def test_the_tags_are_not_sent_on_to_clients(varnish):
    _, headers, _ = get(varnish, fresh())
    assert headers.get("xkey") is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token abc"},
        {"Cookie": "sessionid=abc"},
        {"Cookie": "csrftoken=x; messages=abc"},
        {"Cookie": "_ga=1; factcheck_wrote=1"},
    ],
)
def test_a_signed_in_read_is_never_answered_from_the_cache(varnish, backend, headers):
    path = fresh()
    get(varnish, path)  # kept for anonymous readers
    for _ in range(2):
        _, answer, _ = get(varnish, path, headers)
        assert answer["X-Front-Cache"] == "miss"
    assert backend.asked(path) == 3
    sent = backend.last(path)
    assert sent.get("authorization") == headers.get("Authorization")
    assert sent.get("cookie") == headers.get("Cookie")


def test_other_cookies_are_dropped_on_a_cached_read(varnish, backend):
    path = fresh()
    _, first, _ = get(varnish, path, {"Cookie": "csrftoken=x; _ga=GA1.2"})
    assert first["X-Front-Cache"] == "miss"
    _, second, _ = get(varnish, path)
    assert second["X-Front-Cache"] == "hit"
    assert "cookie" not in backend.last(path)


def test_cookies_elsewhere_go_to_the_app(varnish, backend):
    path = fresh("/api/v1/documents/")
    get(varnish, path, {"Cookie": "csrftoken=x"})
    get(varnish, path, {"Cookie": "csrftoken=x"})
    assert backend.asked(path) == 2
    assert backend.last(path)["cookie"] == "csrftoken=x"


@pytest.mark.parametrize("prefix", ["/private/", "/nocache/", "/cookie/", "/untagged/"])
def test_an_answer_not_marked_public_or_setting_a_cookie_is_not_kept(
    varnish, backend, prefix
):
    path = fresh(prefix)
    get(varnish, path)
    _, answer, _ = get(varnish, path)
    assert answer["X-Front-Cache"] == "miss"
    assert backend.asked(path) == 2


def test_only_get_and_head_are_looked_up(varnish, backend):
    path = fresh()
    get(varnish, path)
    status, _, _ = get(varnish, path, method="HEAD")
    assert status == 200
    assert backend.asked(path) == 1
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)
    connection.request("POST", path, body=b"{}", headers={"Host": "localhost"})
    assert connection.getresponse().status == 501  # the stand-in has no POST
    connection.close()


def test_query_parameters_in_another_order_are_one_entry(varnish, backend):
    base = fresh("/api/v1/claims/").rstrip("/") + "/"
    get(varnish, f"{base}?unit=USD&status=false")
    _, answer, _ = get(varnish, f"{base}?status=false&unit=USD")
    assert answer["X-Front-Cache"] == "hit"
    assert backend.asked(f"{base}?status=false&unit=USD") == 1


def test_a_repeated_parameter_keeps_its_order(varnish, backend):
    """The app reads the last value: ?unit=a&unit=b and ?unit=b&unit=a differ."""
    base = fresh("/api/v1/claims/")
    _, _, first = get(varnish, f"{base}?unit=EUR&unit=USD")
    _, answer, second = get(varnish, f"{base}?unit=USD&unit=EUR")
    assert answer["X-Front-Cache"] == "miss"
    assert first != second
    assert backend.asked(f"{base}?unit=USD&unit=EUR") == 1


def test_another_accept_is_another_answer_and_whitespace_is_not(varnish, backend):
    path = fresh()
    get(varnish, path, {"Accept": "application/json"})
    _, html, _ = get(varnish, path, {"Accept": "text/html"})
    _, spaced, _ = get(varnish, path, {"Accept": "text/html  "})
    _, json_again, _ = get(varnish, path, {"Accept": "application/json"})
    assert html["X-Front-Cache"] == "miss"
    assert spaced["X-Front-Cache"] == "hit"
    assert json_again["X-Front-Cache"] == "hit"
    assert backend.asked(path) == 2


def test_a_forged_host_or_scheme_never_gets_anothers_answer(varnish, backend):
    path = fresh()
    get(varnish, path)
    _, forged, _ = get(varnish, path, {"Host": "evil.example"})
    _, upper, _ = get(varnish, path, {"Host": "LOCALHOST"})
    _, https, _ = get(varnish, path, {"X-Forwarded-Proto": "https"})
    assert forged["X-Front-Cache"] == "miss"
    assert upper["X-Front-Cache"] == "hit"
    assert https["X-Front-Cache"] == "miss"
    assert backend.asked(path) == 3


def test_a_purge_by_tag_drops_what_shows_it_and_nothing_else(varnish, backend):
    purged, kept = fresh(), fresh()
    for path in (purged, kept):
        get(varnish, path)
    tag = tags_of(purged).split()[0]
    status, _, body = get(varnish, "/", {"xkey-purge": tag}, method="PURGE")
    assert status == 200
    assert b"Purged 1 objects" in body
    _, after, again = get(varnish, purged)
    _, other, _ = get(varnish, kept)
    assert after["X-Front-Cache"] == "miss"
    assert again.endswith(b"#2")
    assert other["X-Front-Cache"] == "hit"


def test_a_soft_purge_makes_the_answer_stale_then_fetched_again(varnish, backend):
    path = fresh()
    get(varnish, path)
    tag = tags_of(path).split()[0]
    status, _, _ = get(varnish, "/", {"xkey-softpurge": tag}, method="PURGE")
    assert status == 200
    # The stale answer at once, while one fetch in the background refreshes it.
    _, stale, body = get(varnish, path)
    assert stale["X-Front-Cache"] == "hit"
    assert body.endswith(b"#1")
    deadline = time.monotonic() + 10
    while not body.endswith(b"#2") and time.monotonic() < deadline:
        time.sleep(0.05)
        _, _, body = get(varnish, path)
    assert body.endswith(b"#2")
    assert backend.asked(path) == 2


def test_a_purge_without_tags_is_refused(varnish):
    status, _, _ = get(varnish, "/", method="PURGE")
    assert status == 400
