"""Set a stated figure beside an official value: the ratio, an assessment, the notes.

Not a verdict: what the claim's own wording allows ("about", a range, "more than",
the digits it was rounded to) decides whether the official value is consistent
with it; the notes give a reviewer the usual reasons two figures differ, computed
from the data at hand.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from claims.figures.comparators import Comparator
from claims.figures.periods import solar_hijri_year, solar_hijri_year_of

# "About", "close to": within 10% of the stated value (or its rounding, if wider).
APPROXIMATE_TOLERANCE = Decimal("0.10")
# Imports valued CIF usually run 6-10% above the partner's FOB exports; the IMF
# divides partner imports by 1.06 when it estimates exports from them.
CIF_FOB_USUAL = (Decimal("1.06"), Decimal("1.10"))
IMF_CIF_FOB_FACTOR = Decimal("1.06")
# A stated figure this close to 1,000 (or a million) times the official one.
SCALE_SLIPS = {
    Decimal(1000): "thousands for millions (or millions for billions)",
    Decimal(1000000): "millions for units (or billions for thousands)",
    Decimal("0.001"): "millions for thousands (or billions for millions)",
    Decimal("0.000001"): "units for millions",
}
SCALE_SLIP_MARGIN = Decimal("0.25")

CONSISTENT = "consistent"
HIGHER = "higher"
LOWER = "lower"
NOT_COMPARABLE = "not_comparable"


@dataclass(frozen=True)
class Stated:
    value: Decimal
    comparator: str = Comparator.EXACT
    upper: Decimal | None = None

    @property
    def middle(self) -> Decimal:
        if self.comparator == Comparator.RANGE and self.upper is not None:
            return (self.value + self.upper) / 2
        return self.value


def rounding(value: Decimal) -> Decimal:
    """Return half a unit of the last significant digit: 1.5 billion -> 50 million."""
    if value == 0:
        return Decimal(0)
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # NaN and infinities have no digits
        return Decimal(0)
    return Decimal(5).scaleb(exponent - 1)


def bounds(stated: Stated) -> tuple[Decimal | None, Decimal | None]:
    """Return the lowest and highest official value the wording allows (None: open)."""
    value = stated.value
    half = rounding(value)
    if stated.comparator == Comparator.APPROXIMATELY:
        margin = max(half, abs(value) * APPROXIMATE_TOLERANCE)
        return value - margin, value + margin
    if stated.comparator == Comparator.MORE_THAN:
        return value, None
    if stated.comparator == Comparator.LESS_THAN:
        return None, value
    if stated.comparator == Comparator.RANGE and stated.upper is not None:
        return value - half, stated.upper + rounding(stated.upper)
    return value - half, value + half


def assess(stated: Stated, official: Decimal | None) -> str:
    """Say whether `official` is what the stated wording allows, or which side it is."""
    if official is None:
        return NOT_COMPARABLE
    low, high = bounds(stated)
    if low is not None and official < low:
        return HIGHER
    if high is not None and official > high:
        return LOWER
    return CONSISTENT


def ratio(stated: Stated, official: Decimal | None) -> Decimal | None:
    """Return stated / official to four places (the middle of a range)."""
    if official is None or official == 0:
        return None
    return (stated.middle / official).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def tolerance_note(stated: Stated) -> str:
    """Say what the wording allows, in words."""
    low, high = bounds(stated)
    if low is None and high is not None:
        return f"The wording ('less than') allows any value up to {money(high)}."
    if high is None and low is not None:
        return f"The wording ('more than') allows any value from {money(low)}."
    if low is None or high is None:
        return ""
    reasons: dict[str, str] = {
        Comparator.APPROXIMATELY: "'about' (10%, or the rounding of the stated digits)",
        Comparator.RANGE: "the range, with the rounding of its ends",
    }
    why = reasons.get(stated.comparator, "the rounding of the stated digits")
    return f"The wording allows {money(low)} to {money(high)}: {why}."


def scale_slip_note(value: Decimal | None) -> str:
    """Say so when stated / official is about 1,000 or a million (or the inverse)."""
    if value is None:
        return ""
    for factor, words in SCALE_SLIPS.items():
        if abs(value / factor - 1) <= SCALE_SLIP_MARGIN:
            return (
                f"The stated figure is about {factor.normalize():,f} times the "
                f"official "
                f"one ({value:f}): a scale slip, {words}, is likely."
            )
    return ""


def cif_fob_note(
    *,
    importer: str,
    exporter: str,
    imports_cif: Decimal,
    exports_fob: Decimal,
) -> str:
    """Compare a country's CIF imports with its partner's FOB exports to it."""
    if exports_fob == 0:
        return ""
    factor = (imports_cif / exports_fob).quantize(Decimal("0.001"))
    low, high = CIF_FOB_USUAL
    where = (
        "within"
        if low - Decimal("0.06") <= factor <= high
        else ("above" if factor > high else "below")
    )
    return (
        f"CIF/FOB: {importer}'s imports from {exporter} (CIF, {money(imports_cif)}) "
        f"are {factor} times {exporter}'s exports to {importer} (FOB, "
        f"{money(exports_fob)}); imports valued CIF usually run 6-10% above the "
        f"partner's FOB exports (the IMF uses {IMF_CIF_FOB_FACTOR}): this is {where} "
        "that margin."
    )


def mirror_note(
    *, reporter: str, value: Decimal, other: str, other_value: Decimal
) -> str:
    """Compare two reporters' values of the same trade for the same period."""
    if other_value == 0:
        return ""
    difference = ((value / other_value - 1) * 100).quantize(Decimal("0.1"))
    return (
        f"Mirror discrepancy: {reporter}'s reports give {money(value)}, "
        f"{other}'s {money(other_value)} for the same trade and period "
        f"({difference:+}%): timing, transit through third countries, "
        "confidential items and classification make the two differ."
    )


def iranian_year_of(start: date, end: date) -> int | None:
    """Return the Iranian year start..end is, or None when it is not one."""
    year = solar_hijri_year_of(start)
    period = solar_hijri_year(year)
    if period.start == start and period.end == end:
        return year
    return None


def calendar_note(start: date, end: date, basis: str, exact: bool) -> str:
    """Say when the claim's period is an Iranian year and the series' is not."""
    year = iranian_year_of(start, end)
    if year is None:
        return ""
    how = (
        f"the official value is {basis}"
        if basis
        else "the series has no monthly values to sum, so no figure is given"
    )
    exactness = "" if exact else " It is near, not exact."
    return (
        f"Calendar: the claim's period is the Iranian year {year} ({start} to "
        f"{end}); official series run by Gregorian month and year, so {how}."
        f"{exactness}"
    )


def flags_note(estimated: int, preliminary: int, not_reported: int, total: int) -> str:
    """Say how many of the values used are estimates, preliminary or not reported."""
    parts = []
    if estimated:
        parts.append(f"{estimated} estimated")
    if preliminary:
        parts.append(f"{preliminary} preliminary")
    if not_reported:
        parts.append(f"{not_reported} not reported by the country (partner data)")
    if not parts:
        return ""
    return f"Of the {total} official values used, {', '.join(parts)}."


def money(value: Decimal) -> str:
    """Return an amount as a reader reads it: 1.168 billion, 350 million."""
    magnitude = abs(value)
    for size, word in (
        (Decimal("1e12"), "trillion"),
        (Decimal("1e9"), "billion"),
        (Decimal("1e6"), "million"),
    ):
        if magnitude >= size:
            scaled = (value / size).quantize(Decimal("0.001")).normalize()
            return f"{scaled:f} {word}"
    return f"{value.quantize(Decimal(1)):,f}"
