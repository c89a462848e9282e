"""A stated figure: the fields a claim and a candidate share."""

from decimal import Decimal

from django.db import models

from ..figures.comparators import Comparator
from ..figures.formatting import format_figure
from ..figures.quantities import UNIT_MAX_LENGTH

# Figures stay below 10^21 in size: SQLite keeps decimals as floats and cannot read
# a larger one back into the column, and ordering by value puts "no value" at -10^21.
LARGEST_FIGURE = Decimal("1e21")


class StatedFigure(models.Model):
    """A value with its unit and comparator, as a text states it."""

    value = models.DecimalField(
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="In base units: 5300000000, not 5.3.",
    )
    value_upper = models.DecimalField(
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Upper end of a range.",
    )
    unit = models.CharField(max_length=UNIT_MAX_LENGTH, blank=True)
    comparator = models.CharField(
        max_length=20, choices=Comparator.choices, default=Comparator.EXACT
    )

    class Meta:
        abstract = True

    @property
    def figure_display(self) -> str:
        return format_figure(self.value, self.unit, self.comparator, self.value_upper)

    @property
    def has_figure(self) -> bool:
        return self.value is not None

    def figure_errors(self) -> dict[str, list[str]]:
        """Return what is wrong with the figure, by field (value, unit, ...)."""
        errors: dict[str, list[str]] = {}
        for name in ("value", "value_upper"):
            amount = getattr(self, name)
            if amount is not None and abs(amount) >= LARGEST_FIGURE:
                errors.setdefault(name, []).append(
                    "A figure must be smaller than 10^21 (a thousand billion billion)."
                )
        if self.value is not None and not self.unit:
            errors.setdefault("unit", []).append("A value needs a unit.")
        if self.value is None and self.unit:
            errors.setdefault("value", []).append("A unit needs a value.")
        if self.comparator == Comparator.RANGE:
            if self.value_upper is None:
                errors.setdefault("value_upper", []).append(
                    "A range needs an upper value."
                )
            elif self.value is not None and self.value_upper <= self.value:
                errors.setdefault("value_upper", []).append(
                    "The upper value must be greater than the value."
                )
        elif self.value_upper is not None:
            errors.setdefault("value_upper", []).append(
                "Only a range has an upper value; set the comparator to range."
            )
        if self.value is None and self.comparator != Comparator.EXACT:
            errors.setdefault("comparator", []).append("A comparator needs a value.")
        return errors
