import pytest

from tests.factcheck.jobs_support import Workers, clear_queue


@pytest.fixture
def workers(tmp_path, settings):
    """Worker processes on the test database (PostgreSQL), killed at the end."""
    settings.JOBS_MODE = "queue"
    clear_queue()
    started = Workers(tmp_path)
    yield started
    started.kill_all()
    print(started.logs())  # pytest shows it when the test failed
    clear_queue()
