"""The curl tours of the docs work against a live server with the seed data.

The tours: every ```sh (or ```bash) block of docs/api.md, and those of the section
"A tour against `make run`" of docs/official-statistics.md and docs/external-reviews.md
(their other blocks are `manage.py` and benchmark commands). Each tour is cut into
commands and each is run by bash, in order, with the real curl, against pytest-django's
live server holding what `make run` loads (the seed fixtures, conflict detection, the
local accounts); each tour starts from that state of its own.
The doc's own HOST and PASSWORD assignments are replaced by the server's; any other
`NAME=$(...)` assignment (the token, an ETag, an id) is run and its value handed to
the commands after it. A command must get a 2xx, or the status its trailing comment
names (`curl ... # 412 Precondition Failed`); a connection error is status 000.
"""

import io
import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
TOUR_HEADING = "## A tour against `make run`"
# Each doc with the heading of its tour's section (None: every block of the doc).
TOURS = {
    "docs/api.md": None,
    "docs/official-statistics.md": TOUR_HEADING,
    "docs/external-reviews.md": TOUR_HEADING,
}
# Throwaway password of this test's local admin account.
PASSWORD = "tour-test-password-1234"
# Variables the doc sets for its reader and the test sets for the server it runs.
OVERRIDDEN = {"HOST", "PASSWORD"}
ASSIGNMENT = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$", re.DOTALL)
STATUS_MARK = "TOUR-STATUS"
# Every curl reports its status on stderr, whatever the command does with stdout.
CURL_WRAPPER = (
    "curl() { command curl --silent --show-error --max-time 30 "
    f"--write-out '%{{stderr}}{STATUS_MARK} %{{http_code}}\\n' \"$@\"; }}\n"
)
TOUR_SECONDS = 60


@dataclass
class TourCommand:
    text: str
    expected_status: int | None  # None: any 2xx
    line: int


def comment_start(text: str) -> int | None:
    """Return where the shell comment of a command starts, outside any quotes."""
    quote = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                continue
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return index
    return None


def is_complete(text: str) -> bool:
    """Return whether the lines so far end a shell command (no open quote or `\\`)."""
    if text.rstrip("\n").endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def tour_commands(
    markdown: str, name: str = "docs/api.md", heading: str | None = None
) -> list[TourCommand]:
    """Return the commands of the sh/bash blocks of a markdown text, in order.

    With `heading`, only the blocks of the section under that `## ` heading.
    """
    commands = []
    lines = markdown.splitlines()
    in_block = False
    in_section = heading is None
    pending: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if not in_block:
            if heading is not None and line.startswith("## "):
                in_section = line.strip() == heading
            in_block = in_section and line.strip() in ("```sh", "```bash")
            continue
        if line.strip() == "```":
            assert not pending, f"{name}:{start}: unfinished command"
            in_block = False
            continue
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        pending.append(line)
        text = "\n".join(pending)
        if is_complete(text):
            comment_at = comment_start(text)
            comment = text[comment_at + 1 :].strip() if comment_at is not None else ""
            status = re.match(r"(\d{3})\b", comment)
            commands.append(
                TourCommand(text, int(status.group(1)) if status else None, start)
            )
            pending = []
    assert not in_block, f"{name}: a code block is not closed"
    return commands


def run(command: TourCommand, variables: dict[str, str], cwd: Path, name: str) -> str:
    """Run one command; fail unless each curl in it got the status it should."""
    assignment = ASSIGNMENT.match(command.text)
    script = command.text
    if assignment:
        script = f'{script}\nprintf %s "${assignment.group(1)}"'
    result = subprocess.run(
        ["bash", "-c", f"set -eo pipefail\n{CURL_WRAPPER}{script}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **variables},
        timeout=TOUR_SECONDS,
        check=False,
    )
    where = f"{name}:{command.line}: {command.text}"
    statuses = [
        int(line.split()[1])
        for line in result.stderr.splitlines()
        if line.startswith(STATUS_MARK)
    ]
    assert statuses, f"{where}\nran no curl: {result.stderr}"
    for status in statuses:
        if command.expected_status is None:
            assert 200 <= status < 300, (
                f"{where}\ngot {status}: {result.stdout[:2000]}{result.stderr[:500]}"
            )
        else:
            assert status == command.expected_status, (
                f"{where}\ngot {status}, the doc says {command.expected_status}: "
                f"{result.stdout[:2000]}"
            )
    assert result.returncode == 0, f"{where}\nexit {result.returncode}: {result.stderr}"
    return result.stdout


def test_commands_are_cut_at_quotes_and_continuations_with_their_statuses():
    markdown = (
        "text\n```sh\nA=1\n# a comment\ncurl -X POST x -d '{\n  \"a\": 1}'\n"
        'curl -H "If-Match: $E" \\\n  x   # 412 Precondition Failed\n'
        'curl x  # with "best_match"\n```\n```python\ncurl no\n```\n'
    )
    commands = tour_commands(markdown)
    assert [(c.line, c.expected_status) for c in commands] == [
        (3, None),
        (5, None),
        (7, 412),
        (9, None),
    ]
    assert commands[1].text == "curl -X POST x -d '{\n  \"a\": 1}'"


def test_a_section_tour_takes_only_the_blocks_under_its_heading():
    markdown = (
        "## Commands\n```sh\nmanage.py x\n```\n## A tour\ntext\n```sh\ncurl a\n```\n"
        "### Within it\n```bash\ncurl b  # 404\n```\n## After\n```sh\ncurl c\n```\n"
    )
    commands = tour_commands(markdown, "doc.md", "## A tour")
    assert [(c.text, c.line, c.expected_status) for c in commands] == [
        ("curl a", 8, None),
        ("curl b  # 404", 12, 404),
    ]
    assert len(tour_commands(markdown, "doc.md")) == 4


# A live server sees only committed rows, so the test runs outside a transaction; the
# serialized rollback restores what the migrations made (the Editors and Reviewers
# groups) for it and for the transactional tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl on the PATH")
@pytest.mark.parametrize("name", TOURS)
def test_every_command_of_the_tour_answers_as_documented(
    name, live_server, monkeypatch, tmp_path
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("setup_local", stdout=io.StringIO())
    commands = tour_commands((ROOT / name).read_text(), name, TOURS[name])
    assert len(commands) > 10, f"{name}: the tour lost its commands"
    # A reader runs the tour as it stands: it opens by setting what the test overrides.
    opening = [ASSIGNMENT.match(command.text) for command in commands[:2]]
    assert [match and match.group(1) for match in opening] == ["HOST", "PASSWORD"], (
        f"{name}: the tour does not open with HOST=... and PASSWORD=..."
    )
    # The doc names files of the repository by their path from its root.
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    variables = {"HOST": live_server.url, "PASSWORD": PASSWORD}
    started = time.monotonic()
    for command in commands:
        assignment = ASSIGNMENT.match(command.text)
        if assignment and assignment.group(1) in OVERRIDDEN:
            continue
        output = run(command, variables, tmp_path, name)
        if assignment:
            assert output, f"{name}:{command.line}: {assignment.group(1)} is empty"
            variables[assignment.group(1)] = output
    assert time.monotonic() - started < TOUR_SECONDS
