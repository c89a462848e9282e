"""What `make run` serves and the address its pages and ClaimReview link to."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_recipe(*make_args: str, environment: dict[str, str]) -> list[str]:
    """Return the command lines `make run` would execute (make -n), as written."""
    answer = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *make_args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return answer.stdout.splitlines()


def site_url_at_runserver(*make_args: str, **variables: str) -> str:
    """Return settings.FACTCHECK_SITE_URL as the server `make run` starts has it.

    The runserver line of the recipe is run with its own environment, the server
    itself replaced by a command printing the setting.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FACTCHECK_SITE_URL", "PORT", "HOST"}
    }
    environment.update(variables)
    (line,) = [
        line
        for line in run_recipe(*make_args, environment=environment)
        if "manage.py runserver" in line
    ]
    prefix = line.split("manage.py runserver")[0].rsplit(" ", 2)[0]
    printing = shlex.join(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.FACTCHECK_SITE_URL)",
        ]
    )
    answer = subprocess.run(
        ["sh", "-c", f"{prefix} {printing}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return answer.stdout.strip().splitlines()[-1]


pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make here")


def test_make_run_on_another_port_links_to_that_port():
    assert site_url_at_runserver("PORT=19300") == "http://127.0.0.1:19300"


def test_make_run_takes_the_port_from_the_environment_too():
    assert site_url_at_runserver(PORT="19301") == "http://127.0.0.1:19301"


def test_an_explicit_site_url_wins_over_the_port():
    url = site_url_at_runserver(
        "PORT=19300", FACTCHECK_SITE_URL="https://factcheck.example.org"
    )
    assert url == "https://factcheck.example.org"
