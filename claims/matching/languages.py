"""Rewrite the numbers, units and period words of Russian and Persian text in English.

The figure parser (claims.figures.quantities) and the period reader read English; a
Russian "около 5,3 млрд долларов" or a Persian "نزدیک به ۵.۳ میلیارد دلار" becomes
"about 5.3 billion dollars" here and is then read by the very same parser. Only the
words a figure or a period is written with are rewritten: the rest of the text is
left alone (its names are matched by claims.matching.entities).
"""

import re

_DIGITS = str.maketrans(
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬",
    "01234567890123456789.,",
)

# Applied in order, on lower-cased text; each is (pattern, English).
_RUSSIAN: list[tuple[str, str]] = [
    # 5,3 млрд -> 5.3 млрд: a decimal comma before a scale word.
    (r"(\d),(\d+)(?=\s*(?:млрд|миллиард|млн|миллион|тыс|трлн))", r"\1.\2"),
    # 12 000 -> 12,000: a space between groups of thousands.
    (r"(\d{1,3}) (\d{3})(?!\d)", r"\1,\2"),
    (r"\bпо иранскому календарю\b", ""),
    (r"\b(?:почти|около|примерно) на (\d+(?:[.,]\d+)?)\s*%", r"by about \1 percent"),
    (r"\bнов(?:ых|ые|ая|ого)\b", "new"),
    (r"\bв (\d{4})\s*[–—-]\s*(\d{4}) годах\b", r"from \1 to \2"),
    (r"\bв (\d{4}) иранском году\b", r"in the iranian year \1"),
    # "за 4 года, предшествовавшие 2013 году" (issue #26: a two-figure change's span)
    (
        r"\bза (\d+) (?:года?|лет),? предшествовавш\w* (\d{4})(?:-?м[уи]?)?(?: году)?",
        r"in the \1 years leading up to \2",
    ),
    (r"\bв (\d{4})(?:-м)? году\b", r"in \1"),
    (r"\bк (\d{4})(?:-му)? году\b", r"by \1"),
    (r"\b(\d{4}) года\b", r"\1"),
    (r"\bв прошлом году\b", "last year"),
    (r"\bв этом году\b", "this year"),
    (r"\bмлрд\.?|миллиард\w*", "billion"),
    (r"\bмлн\.?|миллион\w*", "million"),
    (r"\bтрлн\.?|триллион\w*", "trillion"),
    (r"\bтыс\.|тысяч\w*", "thousand"),
    (r"\bдолл\.|доллар\w*", "dollars"),
    (r"\bевро\b", "euros"),
    (r"\bавтомобил\w*|\bмашин\w*", "cars"),
    (r"\bпункт\w*", "paragraphs"),
    (r"\bделегаци\w*", "delegations"),
    (r"\bтонн\w*", "tonnes"),
    (r"\bмешк\w*", "bags"),
    (r"\bпроцент\w*", "percent"),
    (r"\bоколо\b|\bпочти\b|\bпримерно\b|\bпорядка\b|\bприближается к\b", "about"),
    (r"\bболее\b|\bбольше\b|\bсвыше\b", "more than"),
    (r"\bменее\b|\bменьше\b", "less than"),
    (r"\bсократился\b|\bупал\b|\bснизился\b", "dropped"),
    (r"\bвырос\b", "rose"),
    (r"(?<=\d)\s*%", " percent"),
    (r"\bна (\d+(?:\.\d+)?) percent\b", r"by \1 percent"),
    (r"\bдо\b", "to"),
]
_PERSIAN: list[tuple[str, str]] = [
    (r"تقویم شمسی|هجری شمسی", ""),
    (r"(?:از )?سال ?(\d{4}) تا (\d{4})", r" from \1 to \2 "),
    (r"بین سال[‌ ]?های (\d{4}) تا (\d{4})", r" from \1 to \2 "),
    (r"(?:در )?(\d+) سال منتهی به (\d{4})", r" in the \1 years leading up to \2 "),
    (r"(?:در )?سال (1[34]\d\d)\b", r" in the iranian year \1 "),
    (r"تا سال (\d{4})", r" by \1 "),
    (r"(?:در )?سال (\d{4})", r" in \1 "),
    (r"(?:در )?سال گذشته", " last year "),
    (r"بین (\d+(?:\.\d+)?) تا (\d+(?:\.\d+)?)", r" between \1 and \2 "),
    (r"میلیارد", " billion "),
    (r"میلیون", " million "),
    (r"هزار", " thousand "),
    (r"دلار", " dollars "),
    (r"یورو", " euros "),
    (r"درصد", " percent "),
    (r"دستگاه خودرو|خودروهای|خودرو(?=\s*(?:از|به))", " cars "),
    (r"(?<=\d) بند", " paragraphs "),
    (r"(?<=\d) هیئت", " delegations "),
    (r"کیسه", " bags "),
    (r"(?<=[\d\s])تن\b", " tonnes "),
    (r"نزدیک به|نزدیک|حدود|تقریباً|تقریبا", " about "),
    (r"بیش از|بیشتر از", " more than "),
    (r"کمتر از", " less than "),
    (r"کاهش یافت", " dropped "),
    (r"\bده\s+(?=thousand)", "10 "),
    (r"(?<=\d)\s*%", " percent"),
]
_ENGLISH: list[tuple[str, str]] = [
    (r"\bbpd\b", "barrels per day"),
]
_COMPILED = {
    "en": [(re.compile(p), r) for p, r in _ENGLISH],
    "ru": [(re.compile(p, re.IGNORECASE), r) for p, r in _RUSSIAN],
    "fa": [(re.compile(p), r) for p, r in _PERSIAN],
}
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def detect_language(text: str) -> str:
    """Return "ru", "fa" or "en": the script most of the letters are written in."""
    cyrillic = len(_CYRILLIC.findall(text))
    arabic = len(_ARABIC_SCRIPT.findall(text))
    if arabic > cyrillic and arabic >= 3:
        return "fa"
    if cyrillic >= 3:
        return "ru"
    return "en"


def to_english_figures(text: str, language: str = "") -> str:
    """Return `text` with its figure and period words rewritten in English."""
    language = language or detect_language(text)
    text = text.translate(_DIGITS)
    rules = _COMPILED.get(language)
    if not rules:
        return text
    if language == "ru":
        text = text.lower()
    for pattern, english in rules:
        text = pattern.sub(english, text)
    return " ".join(text.split())
