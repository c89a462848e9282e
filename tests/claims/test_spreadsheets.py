import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim
from claims.services.exports import FORMULA_STARTS, formula_safe, formula_unquoted
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def written(text: str) -> str:
    """Return the cell the database writes for a claim with this text."""
    claim = ClaimFactory(text=text)
    return Claim.objects.filter(pk=claim.pk).values_list(formula_safe("text"))[0][0]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("'''-", "''''-"),
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        ("", ""),
        (" =1", " =1"),
        ("\n=1", "\n=1"),
        ("a=1", "a=1"),
        ("Трейд", "Трейд"),
    ],
)
def test_a_text_is_written_safe_and_read_back(text, cell):
    assert written(text) == cell
    assert formula_unquoted(cell) == text


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        st.one_of(
            st.sampled_from(["'", *FORMULA_STARTS]),
            st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        ),
        max_size=8,
    )
)
def test_every_text_round_trips_and_no_cell_starts_like_a_formula(text):
    cell = written(text)
    assert formula_unquoted(cell) == text
    assert not cell.startswith(FORMULA_STARTS)
