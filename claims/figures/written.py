"""Turn what an editor types ("$1.5 billion", "last year") into figure fields.

The admin form and the API both call these; parse errors become ValidationErrors that
name the field typed into, never a guess.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from .formatting import format_number
from .periods import PeriodParseError, parse_period
from .quantities import AmountParseError, find_amounts, parse_amount

FIGURE_FIELDS = ("value", "value_upper", "unit", "comparator")
# A claim's stated figure whole: the amount, its period and its change (model field
# names). What a verdict judges of it, and what a chart draws.
STATED_FIGURE_FIELDS = (
    *FIGURE_FIELDS,
    "period_start",
    "period_end",
    "period_label",
    "change_percent",
    "change_comparator",
)


def figure_fields_from_text(
    amount_text: str, *, default_unit: str = ""
) -> dict[str, Any]:
    """Return value, value_upper, unit and comparator read from an amount as written."""
    try:
        amount = parse_amount(amount_text, default_unit=default_unit)
    except AmountParseError as error:
        raise ValidationError({"amount_text": str(error)}) from error
    return {
        "value": amount.value,
        "value_upper": amount.value_upper,
        "unit": amount.unit,
        "comparator": amount.comparator,
    }


def period_fields_from_label(label: str, reference: date | None) -> dict[str, Any]:
    """Return period_start, period_end and how the label was read, from `label`.

    Relative labels ("last year", "past Iranian calendar year") are read against
    `reference`, the claim's date; the resolution says how, so an editor can correct it.
    """
    try:
        period = parse_period(label, reference)
    except PeriodParseError as error:
        raise ValidationError({"period_label": str(error)}) from error
    return {
        "period_start": period.start,
        "period_end": period.end,
        "period_resolution": period.resolution
        or f"'{label}' read as {period.start.isoformat()} to {period.end.isoformat()}.",
    }


def written_figure_fields(
    *,
    amount_text: str = "",
    period_label: str = "",
    reference: date | None = None,
    given: set[str] | frozenset[str] = frozenset(),
    default_unit: str = "",
) -> dict[str, Any]:
    """Return the figure and period fields to set from what was typed.

    `given` names the fields the editor set directly: an amount as text and as
    value/unit together is refused. A label is read into dates only when no date was
    given; a label that cannot be read keeps its dates empty, and says so.
    """
    fields: dict[str, Any] = {}
    if amount_text.strip():
        clash = sorted(given & set(FIGURE_FIELDS))
        if clash:
            raise ValidationError(
                {
                    "amount_text": "Give the amount either as text or as "
                    f"{', '.join(clash)}, not both."
                }
            )
        fields.update(figure_fields_from_text(amount_text, default_unit=default_unit))
    if period_label.strip() and not given & {"period_start", "period_end"}:
        try:
            fields.update(period_fields_from_label(period_label, reference))
        except ValidationError as error:
            fields["period_resolution"] = (
                f"No dates worked out from '{period_label}': "
                f"{' '.join(error.messages)} Enter the dates by hand."
            )
    return fields


# A value this many times larger or smaller than every amount the words state is
# taken for a slip ("5.3" typed for "$5.3 billion"), not a rounding.
MAGNITUDE_SLIP = Decimal(100)


def magnitude_warning(*, value: Decimal | None, unit: str, texts: Iterable[str]) -> str:
    """Return why `value` looks like a slip against the amounts `texts` state, or "".

    The texts (the claim's text and quote) are read as claims.figures reads them;
    the amounts in `unit` are compared (every amount when `unit` is blank). A value
    within a factor of MAGNITUDE_SLIP of one of them, or texts stating no amount in
    that unit, give "". A warning, never a refusal: the words may state another figure.
    """
    if value is None or value == 0:
        return ""
    amounts = [
        (text[start:end], amount)
        for text in texts
        if text
        for start, end, amount in find_amounts(text)
        if amount.value
    ]
    compared = [(surface, a) for surface, a in amounts if not unit or a.unit == unit]
    if not compared:
        return ""
    size = abs(value)
    for _surface, amount in compared:
        ratio = size / abs(amount.value)
        if 1 / MAGNITUDE_SLIP < ratio < MAGNITUDE_SLIP:
            return ""
    surface, amount = compared[0]
    ratio = size / abs(amount.value)
    orders = abs(ratio.adjusted())
    return (
        f"Value {format_number(value)} is about 10^{orders} times "
        f"{'larger' if ratio > 1 else 'smaller'} than “{surface}” in the claim's "
        f"words ({format_number(amount.value)} {amount.unit}). Is a scale word "
        "missing (thousand, million, billion)? Type the amount as written to read "
        "it in full."
    )
