"""The phrase tables of the amount grammar (claims.figures.quantities): the words
for comparators, currencies, scales, rates and changes, as news text writes them.

Data, not code: the scanner in quantities reads them. The names keep their leading
underscore where they had one: they are the grammar's, not an API.
"""

import re

APPROXIMATELY = "approximately"
EXACT = "exact"
LESS_THAN = "less_than"
MORE_THAN = "more_than"
RANGE = "range"

# The longest unit a figure stores (StatedFigure.unit).
UNIT_MAX_LENGTH = 32

A_LITTLE_MORE = "a little more than"
A_LITTLE_LESS = "a little less than"

# Read before the number. "at least" and "no less than" are read as more_than: the
# interval (claims.conflicts.figure_interval) includes its bound, so "at least 5" and
# "more than 5" store the same (5, open) interval; "up to" and "at most" likewise are
# less_than.
_COMPARATOR_PHRASES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        [
            "close to",
            "about",
            "around",
            "roughly",
            "nearly",
            "almost",
            "some",
            "approximately",
            "approx.",
            "an estimated",
            "estimated",
            "circa",
            "just about",
        ],
        (APPROXIMATELY, ""),
    ),
    **dict.fromkeys(
        [
            "more than",
            "over",
            "above",
            "exceeding",
            "in excess of",
            "upwards of",
            "greater than",
            "higher than",
            "at least",
            "no less than",
            "no fewer than",
            "not less than",
            "well over",
            "well above",
            "far more than",
            "passed",
            "exceeded",
            "surpassed",
            "topped",
        ],
        (MORE_THAN, ""),
    ),
    **dict.fromkeys(
        [
            "less than",
            "under",
            "below",
            "fewer than",
            "up to",
            "at most",
            "no more than",
            "not more than",
            "lower than",
            "as many as",
            "as much as",
            "well under",
            "well below",
        ],
        (LESS_THAN, ""),
    ),
    **dict.fromkeys(
        [
            "hardly passed",
            "barely passed",
            "just passed",
            "just over",
            "just above",
            "slightly more than",
            "slightly over",
            "slightly above",
            "a little more than",
            "a little over",
            "barely exceeded",
            "hardly exceeded",
            "just exceeded",
            "slightly exceeded",
        ],
        (APPROXIMATELY, A_LITTLE_MORE),
    ),
    **dict.fromkeys(
        [
            "just under",
            "just below",
            "just short of",
            "slightly less than",
            "slightly under",
            "slightly below",
            "a little less than",
            "a little under",
        ],
        (APPROXIMATELY, A_LITTLE_LESS),
    ),
}
# Read after the figure: "3 billion dollars or more"; "(approx.)" is read too.
_TRAILING_COMPARATORS = {
    "more": MORE_THAN,
    "over": MORE_THAN,
    "above": MORE_THAN,
    "less": LESS_THAN,
    "fewer": LESS_THAN,
    "under": LESS_THAN,
    "below": LESS_THAN,
    "so": APPROXIMATELY,
}

# "$" is read as US dollars and "pounds" as sterling: that is what they mean in the
# news this service checks; a figure in Canadian dollars says "C$" or "CAD".
_PREFIX_CURRENCIES = {
    "US$": "USD",
    "U.S.$": "USD",
    "NZ$": "NZD",
    "A$": "AUD",
    "C$": "CAD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₽": "RUB",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "﷼": "IRR",
}
# "¥" is both yen and yuan; a figure written with it is refused rather than guessed.
_AMBIGUOUS_PREFIXES = {"¥": "yen (JPY) or yuan (CNY)"}
_ISO_CODES = frozenset(
    {"USD", "EUR", "GBP", "IRR", "RUB", "CNY", "TRY", "JPY", "INR", "CHF", "CAD"}
    | {"AUD", "NZD", "KRW", "BRL", "MXN", "ZAR", "AED", "SAR"}
)
_CURRENCY_WORDS = {
    **dict.fromkeys(
        [
            "us dollars",
            "us dollar",
            "u.s. dollars",
            "u.s. dollar",
            "american dollars",
            "dollars",
            "dollar",
        ],
        "USD",
    ),
    **dict.fromkeys(["euros", "euro"], "EUR"),
    **dict.fromkeys(
        ["pounds sterling", "pound sterling", "pounds", "pound", "sterling"], "GBP"
    ),
    **dict.fromkeys(["iranian rials", "iranian rial", "rials", "rial"], "IRR"),
    **dict.fromkeys(
        ["russian rubles", "russian roubles", "rubles", "ruble", "roubles", "rouble"],
        "RUB",
    ),
    **dict.fromkeys(["chinese yuan", "yuan", "renminbi"], "CNY"),
    **dict.fromkeys(["turkish liras", "turkish lira", "liras", "lira"], "TRY"),
}
# Currency names in quantulum3's table that are everyday English words after a number
# ("2 real problems"); they are not read as currencies.
_NOT_CURRENCY_WORDS = frozenset({"real", "reals", "won", "wons"})

_SCALES = {
    "hundred": 2,
    "thousand": 3,
    "k": 3,
    "million": 6,
    "mn": 6,
    "mln": 6,
    "m": 6,
    "billion": 9,
    "bn": 9,
    "trillion": 12,
    "tn": 12,
}

_PER = {
    "year": "year",
    "annum": "year",
    "yr": "year",
    "annually": "year",
    "yearly": "year",
    "month": "month",
    "monthly": "month",
    "week": "week",
    "weekly": "week",
    "day": "day",
    "daily": "day",
    "quarter": "quarter",
    "quarterly": "quarter",
}

# Words after a number that are never the counted noun; the search for one stops there.
# Spans of time ("four years") are periods, not figures.
_NOT_COUNT_NOUNS = frozenset(
    """a an the to in into of and or but nor from per for on at by with than as since
    until till between last this that these those next each every was were is are has
    have had will would could should may might must be been being its his her their
    our my your which who whom whose what when where while less more plus minus thus
    also already after before during over under about above below against across
    through via ago earlier later only just some any all than percent cent not
    year years month months week weeks day days decade decades century centuries
    hour hours minute minutes
    january february march april june july august september october november
    december""".split()
)
_IRREGULAR_PLURALS = frozenset(
    """people children men women sheep cattle police staff personnel livestock data
    media feet teeth mice geese fish deer aircraft""".split()
)
# A bare four-digit number after one of these words is a year: "in 2013".
_DATE_WORDS = (
    "in from to since until till by during between and of before after through "
    "around circa early late mid year years fiscal"
).split()
_CHANGE_VERB = (
    r"(?:ris|rose|fell|fall|grew|grow|dropp?|increas|decreas|declin|jump|climb|"
    r"surg|plung|slump|shr[ai]nk|soar|tumbl|doubl|tripl|reduc|went\s+(?:up|down))\w*"
)

# The words before a number ("in", "between", "fell from") are looked for this many
# characters back, no further: a search from the start of the text for each number
# would cost the square of the text's length.
_LOOK_BEHIND = 100
# "went up to" and "add up to 100 billion" say where it got, not a cap.
_REACHED_BEFORE_UP_TO = re.compile(
    r"\b(?:went|gone|goes|go|going|adds?|added|adding|amounts?|amounted|came|comes)"
    r"[ \t]+$",
    re.IGNORECASE,
)

_DROP_WORDS = (
    r"drop|dropped|fall|fell|fallen|decline|declined|decrease|decreased|plunge|"
    r"plunged|slump|slumped|cut|reduction|reduced|contraction|shrank|shrunk|down|"
    r"lower|loss|slide|slid"
)
_RISE_WORDS = (
    r"rise|rose|risen|increase|increased|growth|grew|grown|jump|jumped|surge|"
    r"surged|gain|gained|climb|climbed|up|higher|boost|hike|soared"
)
