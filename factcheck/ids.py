"""What an id a client gives may be: one rule for the API and the imports."""

from typing import Any

# Every table's id is a BigAutoField (DEFAULT_AUTO_FIELD): 1 to 2**63 - 1.
MAX_ID = 2**63 - 1
ID_MESSAGE = f"Give the id as a whole number from 1 to {MAX_ID}."


def parse_id(value: Any) -> int | None:
    """Return a client's id as an int, or None when it cannot be one.

    A JSON number may be a float (1.9, or 1e400, which parses as infinity) or a
    bool (Python's 1); a form or a CSV cell gives digits as text. Anything else must
    never reach the database: Django read 1.9 as 1 and answered 1e400 with an
    OverflowError.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None
