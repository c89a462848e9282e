"""Measure `make run` on SQLite under concurrent writers and a large import.

    .venv/bin/python bench/sqlite_dev_server.py [--import-mb 5] [--port 8765]

Builds a throwaway SQLite database (a temporary folder, whatever DATABASE_URL says),
migrates it and runs `manage.py setup_local` as `make run` does, then starts
`manage.py runserver` with the local settings (the server `make run` starts) and
talks to it over loopback with one thread per client:

1. Eight editors PATCH one claim with the same If-Match, three rounds: how many
   200, 412 and 503 answers (PostgreSQL gives one 200 and seven 412 a round).
2. Four threads PATCH claims of their own, 15 times each: how many 503 answers.
3. An import of a CSV of about --import-mb megabytes (rows made from the seed
   claims, their text numbered so each is new: made-up data for the measurement):
   seconds until the 202 and until the Job finished; then a second such import
   while two threads PATCH claims, with the answers those threads got.
4. With --extract-mb, a document of that many megabytes of made-up sentences with
   figures is ingested, then extracted (POST /api/v1/documents/{id}/extract/):
   seconds until its 202 and until the Job finished.

Prints one line per figure. Exits with status 1 if the server did not start.
"""

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
EDITOR_PASSWORD = "bench-editor-password"  # a throwaway database's
TIMEOUT = 120


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-mb", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--extract-mb", type=float, default=0.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlite-bench-") as folder:
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
            "DJANGO_EDITOR_PASSWORD": EDITOR_PASSWORD,
            "DJANGO_DEBUG": "0",
            "API_THROTTLE_USER": "1000000/minute",
        }
        environment.pop("JOBS_MODE", None)
        for command in (["migrate", "--noinput"], ["setup_local"]):
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=ROOT,
                env=environment,
                check=True,
                capture_output=True,
            )
        base = f"http://127.0.0.1:{options.port}"
        server = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "runserver",
                "--noreload",
                f"127.0.0.1:{options.port}",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if not wait_for_server(base):
                print("The server did not start.", file=sys.stderr)
                return 1
            token = sign_in(base)
            measure(base, token, options.import_mb)
            if options.extract_mb:
                extract(base, token, options.extract_mb)
        finally:
            server.terminate()
            server.wait(30)
    return 0


def wait_for_server(base: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v1/claims/?limit=1", timeout=5)
            return True
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    return False


def call(method, url, token=None, body=None, headers=None, raw=None, content_type=None):
    """Send one request; return (status, headers, parsed JSON or None)."""
    data = (
        raw
        if raw is not None
        else (None if body is None else json.dumps(body).encode())
    )
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            **({"Authorization": f"Token {token}"} if token else {}),
            "Content-Type": content_type or "application/json",
            "Accept": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, answer_headers, content = (
                response.status,
                response.headers,
                response.read(),
            )
    except urllib.error.HTTPError as error:
        status, answer_headers, content = error.code, error.headers, error.read()
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        parsed = None
    return status, answer_headers, parsed


def sign_in(base: str) -> str:
    status, _, body = call(
        "POST",
        f"{base}/api/v1/auth/token/",
        body={"username": "editor", "password": EDITOR_PASSWORD},
    )
    assert status == 200, (status, body)
    return body["token"]


def claim_ids(base: str, token: str, count: int) -> list[int]:
    _, _, body = call("GET", f"{base}/api/v1/claims/?page_size={count}", token)
    return [claim["id"] for claim in body["results"]]


def same_if_match_writers(base: str, token: str, claim_id: int) -> Counter:
    url = f"{base}/api/v1/claims/{claim_id}/"
    statuses: Counter = Counter()
    for round_number in range(3):
        _, headers, _ = call("GET", url, token)
        etag = headers["ETag"]
        start = threading.Barrier(8)

        def writer(number: int, etag=etag, start=start, round_number=round_number):
            start.wait(TIMEOUT)
            return call(
                "PATCH",
                url,
                token,
                {"editor_note": f"bench writer {number}, round {round_number}"},
                {"If-Match": etag},
            )[0]

        with ThreadPoolExecutor(8) as pool:
            statuses.update(pool.map(writer, range(8)))
    return statuses


def independent_writers(base, token, ids, per_thread=15, stop=None) -> Counter:
    statuses: Counter = Counter()
    lock = threading.Lock()

    def writer(claim_id: int) -> None:
        count = 0
        while (stop is None and count < per_thread) or (
            stop is not None and not stop.is_set()
        ):
            status = call(
                "PATCH",
                f"{base}/api/v1/claims/{claim_id}/",
                token,
                {"editor_note": f"bench note {uuid.uuid4()}"},
            )[0]
            with lock:
                statuses[status] += 1
            count += 1
            if stop is not None:
                time.sleep(0.2)

    with ThreadPoolExecutor(len(ids)) as pool:
        list(pool.map(writer, ids))
    return statuses


def import_file(base: str, token: str, megabytes: float) -> bytes:
    """Return a CSV of new claims made from the seed claims' exported rows."""
    request = urllib.request.Request(
        f"{base}/api/v1/claims/?format=csv",
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        seed = list(csv.DictReader(io.StringIO(response.read().decode())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(seed[0]))
    writer.writeheader()
    number = 0
    while out.tell() < megabytes * 1_000_000:
        for row in seed:
            number += 1
            # Made-up rows for the measurement: a seed claim's text, numbered.
            # New claims start unverified (a verdict needs a reviewer).
            writer.writerow(
                {
                    **row,
                    "id": "",
                    "text": f"{row['text']} (bench {number})",
                    "status": "unverified",
                    "rationale": "",
                }
            )
    return out.getvalue().encode()


def multipart(
    name: str, content: bytes, fields: dict[str, str] | None = None
) -> tuple[bytes, str]:
    """Return a multipart body with the file `name` and `fields`, and its type."""
    boundary = uuid.uuid4().hex
    media_type = "text/plain" if name.endswith(".txt") else "text/csv"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n'
        f"{value}\r\n".encode()
        for field, value in (fields or {}).items()
    ]
    body = (
        b"".join(parts)
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: {media_type}\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def measure(base: str, token: str, import_mb: float) -> None:
    ids = claim_ids(base, token, 6)
    statuses = same_if_match_writers(base, token, ids[0])
    answers = dict(sorted(statuses.items()))
    print(f"8 writers x 3 rounds, one If-Match each round: {answers}")
    statuses = independent_writers(base, token, ids[1:5])
    print(f"4 threads x 15 PATCHes: {dict(sorted(statuses.items()))}")

    if not import_mb:
        return
    content = import_file(base, token, import_mb)
    rows = content.count(b"\n") - 1
    print(f"Import of {len(content) / 1e6:.1f} MB ({rows} rows):")
    import_claims(base, token, content, label="alone")
    stop = threading.Event()
    during: dict = {}
    writers = threading.Thread(
        target=lambda: during.update(
            independent_writers(base, token, ids[1:3], stop=stop)
        )
    )
    writers.start()
    time.sleep(1)
    import_claims(base, token, content.replace(b"(bench ", b"(again "), label="again")
    stop.set()
    writers.join()
    print(f"  2 threads PATCHing during the second: {dict(sorted(during.items()))}")


def extract(base: str, token: str, megabytes: float) -> None:
    """Ingest a document of made-up sentences, then time its extraction."""
    sentences = []
    size, number = 0, 0
    while size < megabytes * 1_000_000 - 200:
        number += 1
        # Made-up text for the measurement, not a real statistic.
        sentence = (
            f"Bench sentence {number}: exports of widget {number} were "
            f"{number % 900 + 100} million dollars in {2000 + number % 20}. "
        )
        sentences.append(sentence)
        size += len(sentence)
    body, content_type = multipart(
        "bench.txt",
        "".join(sentences).encode(),
        {"title": "Bench document", "url": f"https://bench.example/{uuid.uuid4()}"},
    )
    status, _, document = call(
        "POST",
        f"{base}/api/v1/documents/",
        token,
        raw=body,
        content_type=content_type,
    )
    if status not in {200, 201}:
        print(f"Ingest: {status}: {json.dumps(document)[:160]}")
        return
    for job_url in document["ingest"]["jobs"]:  # anchoring, before extracting
        wait_for_job(token, job_url)
    started = time.monotonic()
    try:
        status, _, job = call(
            "POST", f"{base}/api/v1/documents/{document['id']}/extract/", token
        )
    except TimeoutError:
        print(f"Extraction of {size / 1e6:.1f} MB: no answer within {TIMEOUT} s")
        return
    answered = time.monotonic() - started
    if status != 202:
        print(f"Extraction of {size / 1e6:.1f} MB: {status} after {answered:.2f} s")
        return
    job = wait_for_job(token, job["url"])
    print(
        f"Extraction of {size / 1e6:.1f} MB: 202 after {answered:.2f} s; job "
        f"{job['state']} after {time.monotonic() - started:.1f} s "
        f"({len((job.get('result') or {}).get('candidates', []))} candidates; "
        f"{json.dumps(job.get('error'))[:100]})"
    )


def wait_for_job(token: str, url: str) -> dict:
    while True:
        job = call("GET", url, token)[2]
        if job["state"] in {"succeeded", "failed"}:
            return job
        time.sleep(0.2)


def import_claims(base: str, token: str, content: bytes, label: str) -> None:
    """POST one import; print the seconds until its answer and until its Job ended."""
    body, content_type = multipart("bench.csv", content)
    started = time.monotonic()
    status, _, job = call(
        "POST", f"{base}/api/v1/imports/", token, raw=body, content_type=content_type
    )
    answered = time.monotonic() - started
    if status != 202:
        print(f"  {label}: {status} after {answered:.2f} s: {json.dumps(job)[:160]}")
        return
    state = job["state"]
    while state not in {"succeeded", "failed"}:
        time.sleep(0.2)
        job = call("GET", f"{base}/api/v1/jobs/{job['id']}/", token)[2]
        state = job["state"]
    print(
        f"  {label}: 202 after {answered:.2f} s; job {state} after "
        f"{time.monotonic() - started:.1f} s "
        f"({json.dumps(job.get('result'))[:100]}; {json.dumps(job.get('error'))[:100]})"
    )


if __name__ == "__main__":
    sys.exit(main())
