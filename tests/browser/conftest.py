"""Fixtures for the browser tests: Debian's Chromium driven by Playwright.

The tests skip, with the reason shown, when the ``playwright`` package or the
Chromium executable (``/usr/bin/chromium``, or ``CHROMIUM_EXECUTABLE``) is missing.
Screenshots go to ``test-artifacts/browser/<database vendor>/<test name>/`` in the
repository root (emptied when the test starts), and a failing test leaves a
screenshot of the page it failed on there too (``NN-FAILED.png``).
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the tests skip; CI installs it before running them
    sync_playwright = None

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls home (updates, sync, field trials); on this closed
    # network those connections are refused and slow it down or spoil the logs.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's default
TIMEOUT_MS = 10_000

REPORTS = pytest.StashKey[dict]()


def pytest_configure(config):
    # Registered here too so this folder runs before pyproject.toml lists it.
    config.addinivalue_line(
        "markers", "browser: end-to-end tests in headless Chromium (Playwright)"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so a fixture can tell the test failed.
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def browser_missing() -> str:
    """Return why the browser tests cannot run here, or "" when they can."""
    if sync_playwright is None:
        return "the playwright package is not installed (pip install playwright)"
    if not (shutil.which(CHROMIUM) or os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


@dataclass
class Browser:
    """A page on the live server, the console errors it logged, and screenshots."""

    page: object
    base_url: str
    artifacts: Path
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None, f"GET {path}: no response"
        assert response.ok, f"GET {path}: {response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        path = self.artifacts / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = PASSWORD):
        self.goto("/admin/login/?next=/admin/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(re.compile(r"/admin/$"))
        assert username in self.page.text_content("#user-tools")

    def logout(self):
        self.page.click("#logout-form button[type=submit]")
        self.page.wait_for_url(re.compile(r"/admin/logout/$"))
        assert "Logged out" in self.page.inner_text("#content")

    def csp_violations(self) -> list[str]:
        return [error for error in self.errors if "Content Security Policy" in error]

    def assert_no_console_errors(self):
        assert not self.csp_violations(), "\n".join(self.csp_violations())
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def browser(transactional_db, live_server, request, monkeypatch):
    """Return a page in a fresh headless Chromium on the live server.

    Playwright starts after the database is set up and stops before it is torn
    down: see ``DJANGO_ALLOW_ASYNC_UNSAFE`` below for why that order matters.
    """
    if reason := browser_missing():
        if os.environ.get("CI") == "true":
            # .ci/run installs Chromium; in CI a missing browser is a failure.
            pytest.fail(f"{reason} (CI installs it; see .ci/run)")
        pytest.skip(reason)
    artifacts = ARTIFACTS / connection.vendor / request.node.name
    shutil.rmtree(artifacts, ignore_errors=True)  # only this run's screenshots
    artifacts.mkdir(parents=True)
    # Playwright's sync API runs an asyncio event loop on this thread (it switches
    # to it with greenlets), so while Playwright is alive Django sees a running
    # loop and refuses ORM calls from the test with SynchronousOnlyOperation. The
    # test is plain synchronous code that never shares a connection with that
    # loop, so the check is a false alarm here; Django reads the variable on every
    # call, and monkeypatch puts it back afterwards for the rest of the suite.
    # A running loop also makes Django hand out a connection of its own (the
    # connection handler is context-local under a loop), so the rows the test
    # makes are committed through that connection (the test is transactional, so
    # the live server sees them) and it is closed before Playwright stops, while
    # pytest-django's own connection sets up and flushes the database outside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        session = Browser(page=page, base_url=live_server.url, artifacts=artifacts)

        def on_console(message):
            if message.type != "error":
                return
            source = message.location.get("url", "")
            if source.endswith("/favicon.ico"):
                # The site has no favicon: Chromium's own request for one gets a 404.
                return
            session.errors.append(
                f"{page.url}: console error: {message.text} ({source})"
            )

        page.on("console", on_console)
        page.on(
            "pageerror",
            lambda error: session.errors.append(f"{page.url}: uncaught: {error}"),
        )
        try:
            yield session
        finally:
            reports = request.node.stash.get(REPORTS, {})
            if "call" in reports and reports["call"].failed:
                session.screenshot("FAILED")
            context.close()
            chromium.close()
            connections.close_all()  # the connection opened under Playwright's loop
