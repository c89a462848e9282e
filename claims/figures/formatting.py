"""Write a figure (value, unit, comparator) the way a reader expects to see it."""

from decimal import Decimal

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
SCALES = [
    (Decimal(10) ** 12, "trillion"),
    (Decimal(10) ** 9, "billion"),
    (Decimal(10) ** 6, "million"),
]


def format_number(value: Decimal) -> str:
    """Return 5300000000 as "5.3 billion" and 12000 as "12,000"."""
    magnitude = abs(value)
    for scale, word in SCALES:
        if magnitude >= scale:
            scaled = (value / scale).normalize()
            return f"{_plain(scaled)} {word}"
    return _plain(value.normalize(), grouping=True)


def _plain(value: Decimal, grouping: bool = False) -> str:
    # normalize() can give an exponent form ("1E+3"); format as a fixed-point number.
    text = f"{value:,f}" if grouping else f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_amount(value: Decimal, unit: str) -> str:
    """Return a value with its unit: "$5.3 billion", "40%", "12,000 cars", "7 EUR"."""
    number = format_number(value)
    if unit in CURRENCY_SYMBOLS:
        sign = "-" if value < 0 else ""
        return f"{sign}{CURRENCY_SYMBOLS[unit]}{format_number(abs(value))}"
    if unit == "percent":
        return f"{number}%"
    if len(unit) == 3 and unit.isupper():
        return f"{number} {unit}"
    return f"{number} {unit}".strip()


def format_figure(
    value: Decimal | None,
    unit: str,
    comparator: str,
    value_upper: Decimal | None = None,
) -> str:
    """Return a figure in words: "$5.3 billion (approx.)", "more than 12,000 cars"."""
    if value is None:
        return ""
    amount = format_amount(value, unit)
    if comparator == "approximately":
        return f"{amount} (approx.)"
    if comparator == "more_than":
        return f"more than {amount}"
    if comparator == "less_than":
        return f"less than {amount}"
    if comparator == "range" and value_upper is not None:
        return f"{format_amount(value, unit)} to {format_amount(value_upper, unit)}"
    return amount
