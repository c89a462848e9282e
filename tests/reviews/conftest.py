# The worker processes of the exactly-once tests (PostgreSQL), shared with
# tests/factcheck.
from tests.factcheck.conftest import workers  # noqa: F401
