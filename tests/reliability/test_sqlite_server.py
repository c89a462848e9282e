"""`make run` on SQLite with concurrent clients: writers wait for the lock instead of
being answered 503, and an import is answered 202 before it runs.

The server is the one `make run` starts (`manage.py runserver`, local settings) in a
process of its own, on a SQLite file migrated and seeded by `manage.py setup_local`:
each request runs in a server thread with its own connection, so SQLite's locks
meet as they do on a newcomer's machine (the suite's in-memory database shares one
cache between threads and could not show it). Real HTTP clients, one thread each.
tests/reliability/test_concurrency.py is the PostgreSQL version.
"""

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.test_concurrency import TIMEOUT, call, run_together

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="Runs its own SQLite server; the PostgreSQL run has test_concurrency.py",
)

ROOT = Path(__file__).resolve().parents[2]
EDITOR_PASSWORD = "sqlite-server-test-editor"  # a throwaway database's
WRITERS = 8


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory) -> Path:
    """Return a SQLite file migrated and seeded as `make run` does, once a module."""
    path = tmp_path_factory.mktemp("sqlite-server") / "template.sqlite3"
    environment = server_environment(path)
    for command in (["migrate", "--noinput"], ["setup_local"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )
    return path


@pytest.fixture
def server(seeded_database, tmp_path):
    """Start `manage.py runserver` on a copy of the seeded database; yield its URL
    and an editor's token."""
    database = tmp_path / "db.sqlite3"
    shutil.copy(seeded_database, database)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=server_environment(database),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        token = sign_in(url, process)
        yield url, token
    finally:
        process.terminate()
        process.wait(TIMEOUT)
        log.close()


def server_environment(database: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
        "DJANGO_EDITOR_PASSWORD": EDITOR_PASSWORD,
        "DJANGO_DEBUG": "0",
        "API_THROTTLE_USER": "1000000/minute",
    }
    environment.pop("JOBS_MODE", None)  # the default of `make run`
    return environment


def sign_in(url: str, process: subprocess.Popen) -> str:
    """Wait for the server to answer; return the editor's token."""
    request = urllib.request.Request(
        f"{url}/api/v1/auth/token/",
        data=json.dumps({"username": "editor", "password": EDITOR_PASSWORD}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.load(response)["token"]
        except urllib.error.HTTPError:
            raise  # an answer: the server is up and refused
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The server did not start.")
            time.sleep(0.2)


def post_file(url: str, token: str, content: str) -> tuple[int, str, dict]:
    """POST a CSV file as multipart; return the status, Location and JSON answer."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="claims.csv"\r\nContent-Type: text/csv\r\n\r\n'
        f"{content}\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.status, response.headers["Location"], json.load(response)


def claim_ids(url: str, token: str, count: int) -> list[int]:
    status, _, body = call("GET", f"{url}/api/v1/claims/?page_size={count}", token)
    assert status == 200
    return [claim["id"] for claim in body["results"]]


def test_concurrent_if_match_patches_get_one_200_and_412s_never_503(server):
    url, token = server
    claim_url = f"{url}/api/v1/claims/{claim_ids(url, token, 1)[0]}/"
    _, headers, _ = call("GET", claim_url, token)
    start = threading.Barrier(WRITERS)

    def writer(number: int):
        start.wait(TIMEOUT)
        return call(
            "PATCH",
            claim_url,
            token,
            {"editor_note": f"writer {number}"},
            {"If-Match": headers["ETag"]},
        )

    answers = run_together(*(lambda n=n: writer(n) for n in range(WRITERS)))

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    won = next(body for status, _, body in answers if status == 200)
    assert call("GET", claim_url, token)[2]["editor_note"] == won["editor_note"]


def test_concurrent_patches_of_different_claims_all_succeed(server):
    url, token = server
    ids = claim_ids(url, token, 4)
    per_writer = 10
    start = threading.Barrier(len(ids))

    def writer(claim_id: int):
        start.wait(TIMEOUT)
        return [
            call(
                "PATCH",
                f"{url}/api/v1/claims/{claim_id}/",
                token,
                {"editor_note": f"note {index}"},
            )[0]
            for index in range(per_writer)
        ]

    statuses = Counter(
        status
        for statuses in run_together(*(lambda i=i: writer(i) for i in ids))
        for status in statuses
    )

    assert statuses == {200: len(ids) * per_writer}, statuses


def test_an_import_is_answered_202_before_it_runs_and_then_completes(server):
    url, token = server
    export = urllib.request.Request(
        f"{url}/api/v1/claims/?format=csv",
        headers={"Authorization": f"Token {token}", "Accept": "text/csv"},
    )
    with urllib.request.urlopen(export, timeout=TIMEOUT) as response:
        seed = list(csv.DictReader(io.StringIO(response.read().decode())))
    rows = io.StringIO()
    writer = csv.DictWriter(rows, fieldnames=list(seed[0]))
    writer.writeheader()
    for number in range(3000 // len(seed) + 1):
        for row in seed:
            # Made-up rows for the test: a seed claim's text, numbered, unverified.
            writer.writerow(
                {
                    **row,
                    "id": "",
                    "text": f"{row['text']} (copy {number})",
                    "status": "unverified",
                    "rationale": "",
                }
            )
    imported = rows.getvalue().count("\n") - 1

    status, location, job = post_file(f"{url}/api/v1/imports/", token, rows.getvalue())

    # Inline, the request ran the whole import and answered with its result.
    assert status == 202, job
    assert job["state"] in {"queued", "running"}, job
    deadline = time.monotonic() + TIMEOUT
    while job["state"] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        status, _, job = call("GET", location, token)
        assert status == 200
    assert job["state"] == "succeeded", job
    assert job["result"]["created"] == imported
    assert (job["progress"]["done"], job["progress"]["total"]) == (imported, imported)
