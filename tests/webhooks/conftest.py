import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    """A receiver on 127.0.0.1 (allowed by the test settings), closed at the end."""
    started = Receiver()
    yield started
    started.release.set()
    started.stop()


@pytest.fixture
def workers(tmp_path, settings):
    """Worker processes on the test database (PostgreSQL), killed at the end; the
    webhooks retry within a second (the drills' settings)."""
    from tests.factcheck.jobs_support import Workers, clear_queue

    settings.JOBS_MODE = "queue"
    clear_queue()
    started = Workers(tmp_path)
    yield started
    started.kill_all()
    print(started.logs())  # pytest shows it when the test failed
    clear_queue()
