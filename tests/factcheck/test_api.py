import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from factcheck.api.renderers import ORJSONRenderer

AWKWARD_DATA = {
    "text": "Iran\u2013Russia trade \u2028 next line \u2029 paragraph",
    "lazy": gettext_lazy("Not found."),
    "error": ErrorDetail("This field is required.", code="required"),
    "decimal": Decimal("5300000000.000000"),
    "date": datetime.date(2013, 4, 23),
    "moment": datetime.datetime(2014, 6, 30, 8, 1, 2, 345678, tzinfo=datetime.UTC),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "numbers": [1, 2.5, -0.0, None, True],
    7: "an integer key",
    "huge": 10**30,
}


@pytest.mark.parametrize("name", sorted(map(str, AWKWARD_DATA)))
def test_orjson_renderer_writes_what_drfs_json_renderer_writes(name):
    key = 7 if name == "7" else name
    data = {key: AWKWARD_DATA[key]}

    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_orjson_renderer_writes_a_whole_document_as_drf_does():
    assert ORJSONRenderer().render(AWKWARD_DATA) == JSONRenderer().render(AWKWARD_DATA)


def test_orjson_renderer_leaves_indented_answers_to_drf():
    rendered = ORJSONRenderer().render(
        {"a": [1]}, accepted_media_type="application/json; indent=2"
    )

    assert rendered == b'{\n  "a": [\n    1\n  ]\n}'


def test_a_validation_error_without_a_field_is_answered_under_non_field_errors():
    from rest_framework.exceptions import ValidationError

    from factcheck.api.exceptions import exception_handler

    response = exception_handler(ValidationError(["Not like this."]), {})

    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Not like this."]}
