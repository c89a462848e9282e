"""Schema-driven fuzzing of the whole API against a live server (schemathesis).

Every operation in /api/schema/ gets generated requests, valid and invalid, sent
over loopback by an editor with a token to a server holding the seed rows. Each
answer must not be a 5xx and must match what the schema documents: its status
code, content type and body. Bounded by FUZZ_MAX_EXAMPLES examples per operation
(10 by default); `make fuzz` runs it alone with more. Derandomized, so a run is
repeatable; every failure it has found is a plain test in test_bad_input.py.
"""

import json
import os
import urllib.request

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.conftest import postgres_only, served_schema

FUZZ_MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
FUZZ_SEED = 2013
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.postgres,
    postgres_only,
    # The live server's threads see only committed rows; the rollback restores
    # the groups the migrations made for the transactional tests after this one.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


# Built at import: schemathesis makes one test per operation at collection time.
# (Its lazy from_fixture() loader, which could read the live server's schema,
# fails under pytest 9.2: it sets Node._nodeid, which pytest no longer has.)
SCHEMA = served_schema()
# A fixed seed and derandomized Hypothesis: every run sends the same requests.
schema = schemathesis.openapi.from_dict(
    SCHEMA, config=SchemathesisConfig.from_dict({"seed": FUZZ_SEED})
)


@pytest.fixture
def base_url(on_postgres, live_server, seeded, unthrottled) -> str:
    return live_server.url


def test_the_fuzzed_schema_is_the_one_the_server_serves(base_url):
    with urllib.request.urlopen(f"{base_url}/api/schema/?format=json") as response:
        assert json.load(response) == SCHEMA


@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_5xx(
    case, base_url, editor_token
):
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Token {editor_token}"},
        checks=CHECKS,
    )
