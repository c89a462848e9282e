"""Schema-driven fuzzing of the whole API against a live server (schemathesis).

Every operation in /api/schema/ gets requests from all four of schemathesis' phases,
sent over loopback by an editor with a token to a server holding the seed rows:

- examples: the request examples the schema gives (the claim of docs/api.md);
- coverage: for each parameter and body field, the boundary and just-outside values
  its schema implies (every such case, no sampling);
- fuzzing: FUZZ_MAX_EXAMPLES generated requests per operation (10 by default), valid
  and invalid;
- stateful: FUZZ_SCENARIOS scenarios (25) of up to FUZZ_STEPS calls (10) each, chained
  by the links schemathesis infers from the schema (a claim created, then read,
  changed, its history and figures read, deleted ...), so answers about rows the
  fuzzer made itself are checked too.

Each answer must not be a 5xx and must match what the schema documents: its status
code, content type and body. Seeded, so a run repeats its requests; every failure it
has found is a plain test in test_bad_input.py. `make fuzz` runs this file alone with
more examples and scenarios.

Schemathesis generates numbers a schema allows and cursors as any string; it does not
send 1e400 for an id or a cursor whose position is crafted. The last section does,
with Hypothesis strategies of its own, in process: every writable id field of the
schema gets huge, non-finite, fractional and boolean JSON numbers, and every
cursor-paged list gets crafted positions (FUZZ_MAX_EXAMPLES x 10 each).

Runs on SQLite and PostgreSQL. On SQLite the live server's threads share the test's
in-memory database: pytest-django's live_server hands them its connection (Django's
`connections_override`), so no database file is needed.
"""

import base64
import copy
import json
import os
import urllib.request
from urllib.parse import urlencode

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import Claim, ClaimLink, Evidence, Metric
from factcheck.ids import parse_id
from sources.models import Document, Person, Publisher
from tests.factories import CandidateFactory
from tests.reliability.conftest import assert_json_error, served_schema
from tests.reliability.test_crafted_input import WRITABLE_ID_FIELDS
from webhooks.models import Subscription

FUZZ_MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
FUZZ_SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "25"))
FUZZ_STEPS = int(os.environ.get("FUZZ_STEPS", "10"))
FUZZ_SEED = 2013
# Fresh starts of the stateful run allowed after Hypothesis calls it flaky.
FUZZ_RESTARTS = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
HYPOTHESIS_SETTINGS = {
    "database": None,
    "deadline": None,
    "suppress_health_check": list(hypothesis.HealthCheck),
}

pytestmark = [
    pytest.mark.fuzz,
    # The live server's threads see only committed rows; the rollback restores
    # the groups the migrations made for the transactional tests after this one.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


# Built at import: schemathesis makes one test per operation at collection time.
# (Its lazy from_fixture() loader, which could read the live server's schema,
# fails under pytest 9.2: it sets Node._nodeid, which pytest no longer has.)
SCHEMA = served_schema()
# Every phase named, so that reading this says what runs.
schema = schemathesis.openapi.from_dict(
    # A copy: the stateful phase writes the links it infers into the schema.
    copy.deepcopy(SCHEMA),
    config=SchemathesisConfig.from_dict(
        {
            "seed": FUZZ_SEED,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {
                    "enabled": True,
                    "generation": {"max-examples": FUZZ_MAX_EXAMPLES},
                },
                "stateful": {"enabled": True, "max-steps": FUZZ_STEPS},
            },
        }
    ),
)


# The runs -----------------------------------------------------------------------


@pytest.fixture
def base_url(live_server, seeded, unthrottled) -> str:
    return live_server.url


def test_the_fuzzed_schema_is_the_one_the_server_serves(base_url):
    with urllib.request.urlopen(f"{base_url}/api/schema/?format=json") as response:
        assert json.load(response) == SCHEMA


@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_MAX_EXAMPLES, derandomize=True, **HYPOTHESIS_SETTINGS
)
def test_every_operation_answers_as_documented_and_never_5xx(
    case, base_url, editor_token
):
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Token {editor_token}"},
        checks=CHECKS,
    )


class APIWorkflow(schema.as_state_machine()):
    """Chains of calls along the schema's links, as an editor on the live server.

    A failed check is recorded, not raised: a scenario replayed to shrink it would
    meet rows the scenarios after it made, so the replay is not the run that failed.
    """

    base_url = ""
    token = ""
    scenarios = 0
    failures: dict[tuple[str, str], str] = {}

    def setup(self):
        type(self).scenarios += 1

    def get_call_kwargs(self, case):
        return {
            "base_url": self.base_url,
            "headers": {"Authorization": f"Token {self.token}"},
        }

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        try:
            case.validate_response(
                response, checks=CHECKS, transport_kwargs=kwargs, recorder=self.recorder
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures.setdefault(
                    (case.operation.label, failure.title),
                    f"{failure}\n\n    {case.as_curl_command()}",
                )


def test_chains_of_calls_answer_as_documented_and_never_5xx(
    base_url, editor_token, monkeypatch
):
    assert schema.statistic.transitions.total, "the schema gives no links to follow"
    monkeypatch.setattr(APIWorkflow, "base_url", base_url)
    monkeypatch.setattr(APIWorkflow, "token", editor_token)
    monkeypatch.setattr(APIWorkflow, "scenarios", 0)
    monkeypatch.setattr(APIWorkflow, "failures", {})
    attempt = 0
    while APIWorkflow.scenarios < FUZZ_SCENARIOS and attempt <= FUZZ_RESTARTS:
        # A scenario's next call depends on what the server answered, and rows
        # accumulate, so Hypothesis may find the same choices lead elsewhere
        # (Flaky); schemathesis' own runner goes on then too: with a new seed.
        hypothesis.seed(FUZZ_SEED + attempt)(APIWorkflow)
        attempt += 1
        try:
            APIWorkflow.run(
                settings=hypothesis.settings(
                    max_examples=FUZZ_SCENARIOS - APIWorkflow.scenarios,
                    stateful_step_count=FUZZ_STEPS,
                    phases=[hypothesis.Phase.generate],
                    **HYPOTHESIS_SETTINGS,
                )
            )
        except hypothesis.errors.Flaky:
            continue
    assert not APIWorkflow.failures, "\n\n".join(APIWorkflow.failures.values())
    assert APIWorkflow.scenarios >= FUZZ_SCENARIOS


# Crafted numbers and cursors (strategies of our own) ------------------------------

st = hypothesis.strategies
CRAFTED_EXAMPLES = FUZZ_MAX_EXAMPLES * 10

# JSON texts of numbers: past every id column, non-finite once parsed (1e400),
# fractional, negative, booleans, and digits as strings.
JSON_NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=309, max_value=100_000).map(lambda e: f"1e{e}"),
    st.integers(min_value=309, max_value=100_000).map(lambda e: f"-1E+{e}"),
    st.integers(min_value=20, max_value=400).map(lambda n: "9" * n),
    st.sampled_from(["true", "false", "0", "-0", "0.0", "1.0", "1.5", '"1e400"']),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: f'"{n}"'),
)


def _valid_id(literal: str) -> bool:
    """Whether the JSON text is an id the API may take (a row may have it)."""
    value = json.loads(literal)
    return parse_id(value) is not None


@pytest.fixture
def crafted_rows(seeded):
    """A row of every kind a detail URL names: the seed's, and a candidate."""
    claim = Claim.objects.order_by("pk").first()
    return {
        "claims": claim,
        "documents": Document.objects.order_by("pk").first(),
        "evidence": Evidence.objects.order_by("pk").first(),
        "links": ClaimLink.objects.order_by("pk").first(),
        "candidates": CandidateFactory(document=claim.document),
        "people": Person.objects.order_by("pk").first(),
        "publishers": Publisher.objects.order_by("pk").first(),
        # Made for this test: a subscription to a loopback URL nothing listens on.
        "webhooks": Subscription.objects.create(
            url="http://127.0.0.1:9/made-for-this-test",
            event_types=["claim.verdict.published"],
            secret="whsec_bWFkZS1mb3ItdGhpcy10ZXN0",
        ),
    }


def test_crafted_numbers_in_every_id_field_are_a_400_naming_it(root_api, crafted_rows):
    @hypothesis.given(target=st.sampled_from(WRITABLE_ID_FIELDS), number=JSON_NUMBERS)
    @hypothesis.settings(
        max_examples=CRAFTED_EXAMPLES,
        derandomize=True,
        **HYPOTHESIS_SETTINGS,
    )
    def check(target, number):
        method, template, field = target
        resource = template.split("/")[3]
        url = template.replace("{id}", str(crafted_rows[resource].pk))
        crafted = f"[{number}]" if field == "authors" else number
        extra = ', "text": "trade"' if resource == "claims" else ""
        response = root_api.generic(
            method, url, f'{{"{field}": {crafted}{extra}}}', "application/json"
        )
        assert response.status_code < 500, (method, url, field, number)
        if not _valid_id(number):
            assert_json_error(response, 400, field)

    check()


def _cursor_lists() -> list[tuple[str, dict]]:
    metric = Metric.objects.filter(claims__value__isnull=False).first()
    return [
        ("/api/v1/claims/", {}),
        ("/api/v1/claims/", {"q": "trade"}),
        *(
            ("/api/v1/claims/", {"ordering": ordering})
            for ordering in ["claimed_on", "-period_start", "updated_at", "-value"]
        ),
        ("/api/v1/claimreview/", {}),
        ("/api/v1/conflicts/", {}),
        (f"/api/v1/metrics/{metric.slug}/figures/", {}),
    ]


POSITIONS = st.one_of(
    st.text(max_size=40),
    JSON_NUMBERS,
    st.sampled_from(["", "NaN", "-inf", "\x00", "None", "2012-01-01", "0001-01-01"]),
    st.dates().map(str),
    st.datetimes().map(lambda moment: f"{moment}+14:00"),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
CURSORS = st.one_of(
    st.builds(
        lambda position, offset, reverse: base64.b64encode(
            urlencode({"p": position, "o": offset, "r": reverse}).encode()
        ).decode(),
        POSITIONS,
        st.sampled_from(["0", "1", "-1", "x", "99999999999"]),
        st.sampled_from(["0", "1", "2"]),
    ),
    st.builds(
        lambda position: base64.b64encode(urlencode({"p": position}).encode()).decode(),
        POSITIONS,
    ),
    st.text(max_size=40),
)


def test_crafted_cursors_on_every_cursor_list_are_a_400_naming_cursor(root_api, seeded):
    lists = _cursor_lists()

    @hypothesis.given(target=st.sampled_from(lists), cursor=CURSORS)
    @hypothesis.settings(
        max_examples=CRAFTED_EXAMPLES,
        derandomize=True,
        **HYPOTHESIS_SETTINGS,
    )
    def check(target, cursor):
        path, params = target
        response = root_api.get(path, {**params, "cursor": cursor})
        assert response.status_code in (200, 400), (path, params, cursor)
        if response.status_code == 400:
            assert_json_error(response, 400, "cursor")

    check()
