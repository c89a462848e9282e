import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    """A receiver on 127.0.0.1 (allowed by the test settings), closed at the end."""
    started = Receiver()
    yield started
    started.release.set()
    started.stop()
