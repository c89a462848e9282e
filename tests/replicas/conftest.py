"""Helpers of the replica drills (test_drills.py): the cluster, and waiting for it."""

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CLUSTER = ROOT / "bin" / "cluster"
SCRIPT_TIMEOUT = 120  # seconds one bin/cluster call may take


def cluster(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run bin/cluster with these arguments; fail when it fails."""
    result = subprocess.run(
        [str(CLUSTER), *arguments],
        env=os.environ | {"CLUSTER_TIMEOUT": os.environ.get("CLUSTER_TIMEOUT", "30")},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def cluster_names() -> set[str]:
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, timeout=30
    )
    return {line.split()[1] for line in listing.stdout.splitlines() if line.strip()}


def eventually(condition, seconds: float = 10.0, what: str = "a condition"):
    """Return condition()'s first true value, polled; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)
