"""The countries, organisations and topics a text names, in English, Russian, Persian.

Each entry is a canonical name and the stems it is written with in the three
languages (lower case; a stem matches at the start of a word, so "росси" finds
"России" and "Россией"). Countries and organisations decide whether two texts have
the same subject; topics ("trade", "exports") let a Russian or Persian text share
words with an English claim. The lists are small and written by hand: they cover
the subjects of the seed data and the evaluation set, not the world.
"""

import re
from functools import lru_cache

COUNTRIES: dict[str, tuple[str, ...]] = {
    "iran": ("iran", "tehran", "persia", "иран", "тегеран", "ایران", "تهران"),
    "russia": (
        "russia",
        "moscow",
        "kremlin",
        "росси",
        "российск",
        "москв",
        "ирано-российск",
        "روسیه",
        "مسکو",
    ),
    "turkey": ("turkey", "turkish", "ankara", "турц", "ترکیه"),
    "china": ("china", "chinese", "beijing", "китай", "китая", "китаю", "چین"),
    "germany": ("germany", "german", "герман", "немецк", "آلمان"),
    "brazil": ("brazil", "бразил", "برزیل"),
    "nigeria": ("nigeria", "нигери", "نیجریه"),
    "chile": ("chile", "чили", "شیلی"),
    "kenya": ("kenya", "кени", "کنیا"),
    "japan": ("japan", "япони", "ژاپن"),
    "egypt": ("egypt", "египет", "египт", "مصر"),
    "india": ("india", "инди", "هند"),
    "syria": ("syria", "сири", "سوریه"),
    "afghanistan": ("afghanistan", "афганистан", "افغانستان"),
    "pakistan": ("pakistan", "пакистан", "پاکستان"),
    "united states": ("united states", "american", "американ", "сша", "آمریکا"),
    "ukraine": ("ukrain", "crimea", "украин", "крым", "اوکراین"),
    "dagestan": ("dagestan", "дагестан", "داغستان"),
    "tatarstan": ("tatarstan", "татарстан", "تاتارستان"),
    "iraq": ("iraq", "ирак", "عراق"),
    "kazakhstan": ("kazakhstan", "казахстан", "قزاقستان"),
    "azerbaijan": ("azerbaijan", "азербайджан", "آذربایجان"),
    "saudi arabia": ("saudi", "саудовск", "عربستان"),
    "france": ("france", "french", "франци", "فرانسه"),
    "united kingdom": ("britain", "british", "united kingdom", "британи", "انگلیس"),
    "vietnam": ("vietnam", "вьетнам", "ویتنام"),
    "colombia": ("colombia", "колумби", "کلمبیا"),
    "indonesia": ("indonesia", "индонези", "اندونزی"),
    "australia": ("australia", "австрали", "استرالیا"),
    "peru": ("peru", "перу", "پرو"),
    "sri lanka": ("sri lanka", "шри-ланк", "سریلانکا"),
    "spain": ("spain", "spanish", "madrid", "barcelona", "испани", "اسپانیا"),
    "south korea": ("south korea", "южн корея", "کره جنوبی"),
}
ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "iran-khodro": (
        "iran-khodro",
        "iran khodro",
        "ikco",
        "иран ходро",
        "ایران خودرو",
    ),
    "suez canal": ("suez", "суэцк", "سوئز"),
    "joint economic commission": (
        "joint economic commission",
        "экономической комиссии",
        "کمیسیون مشترک اقتصادی",
    ),
    "state duma": ("duma", "дума", "думы", "دوما"),
    "zarubezhneft": ("zarubezhneft", "зарубежнефть"),
    "iaea": ("iaea", "магатэ", "آژانس بین‌المللی انرژی اتمی"),
}
# An organisation's country is named with it: IKCO's exports are Iran's.
ORGANISATION_COUNTRIES = {
    "iran-khodro": "iran",
    "suez canal": "egypt",
    "state duma": "russia",
    "zarubezhneft": "russia",
}
# Upper-case abbreviations, matched as written.
_ABBREVIATIONS = re.compile(r"\b(?:US|USA|U\.S\.)(?!\w)(?! ?dollar| ?\$)")
# Topics are words, not subjects: they add to the words two texts share.
TOPICS: dict[str, tuple[str, ...]] = {
    "trade": (
        "trade",
        "traded",
        "commerce",
        "business",
        "turnover",
        "товарооборот",
        "торгов",
        # Verbs: "наторговали на 5,3 млрд" (traded), "مبادله کردند" (exchanged).
        "наторгова",
        "поторгова",
        "تجارت",
        "مبادلات",
        "مبادله",
        "داد و ستد",
    ),
    "export": ("export", "shipment", "экспорт", "постав", "صادر", "صادرات"),
    "car": ("car", "cars", "vehicle", "автомоб", "машин", "خودرو"),
    "sold": ("sold", "sale", "продан", "продал", "продаж", "فروش"),
    # Output and harvest are one measure: "India's wheat output" is its harvest.
    "production": (
        "harvest",
        "crop",
        "output",
        "produc",
        "mined",
        "pump",
        "урожай",
        "добыч",
        "производ",
        "برداشت",
        "تولید",
    ),
    "coffee": ("coffee", "кофе", "قهوه"),
    "tea": ("tea", "чай", "чая", "چای"),
    "copper": ("copper", "медь", "меди", "مس"),
    "oil": ("oil", "crude", "нефт", "نفت"),
    "wheat": ("wheat", "пшениц", "گندم"),
    "revenue": ("revenue", "earn", "income", "доход", "выручк", "درآمد"),
    "price": ("price", "sell for", "цен", "стоимост", "قیمت"),
    "paragraph": ("paragraph", "пункт", "بند"),
    "delegation": ("delegation", "делегаци", "هیئت"),
    "meeting": ("meeting", "session", "заседани", "اجلاس", "نشست"),
    "memorandum": ("memorandum", "меморандум", "تفاهم"),
    "nuclear": ("nuclear", "атомн", "ядерн", "هسته"),
    "power plant": ("power plant", "электростанц", "نیروگاه"),
    "railway": ("railway", "railroad", "железн", "خط آهن", "راه‌آهن", "راه آهن"),
    "visit": ("visit", "посети", "визит", "سفر"),
    "agreement": ("agreement", "deal", "соглашени", "договор", "توافق", "قرارداد"),
    "security": ("security", "безопасност", "امنیت"),
    "sanction": ("sanction", "санкци", "تحریم"),
    "ambassador": ("ambassador", "посол", "سفیر"),
    "interior minister": ("interior minister", "мвд", "وزیر کشور"),
    "foreign minister": (
        "foreign minister",
        "министр иностранных дел",
        "وزیر امور خارجه",
    ),
    "fall": ("fall", "fell", "drop", "decline", "спад", "сокращ", "کاهش"),
    "rise": ("rise", "rose", "increase", "grow", "рост", "افزایش"),
    "visitor": ("visitor", "tourist", "турист", "گردشگر"),
    "football": ("football", "футбол", "فوتبال"),
    "hockey": ("hockey", "хоккей", "хоккею", "هاکی"),
}
# What a figure measures: a metric and a query that name two different ones are two
# subjects (Brazil's coffee harvest is not its coffee exports).
MEASURES = frozenset(
    {"trade", "export", "sold", "production", "revenue", "price", "visitor"}
)
# Names written in Russian or Persian letters, with the English spelling a claim
# uses: the people of the seed data.
NAMES: dict[str, tuple[str, ...]] = {
    "sanaei": ("sanaei", "sanaee", "санаи", "سنایی"),
    "rouhani": ("rouhani", "rohani", "рухани", "روحانی"),
    "lavrov": ("lavrov", "лавров", "لاوروف"),
    "kolokoltsev": ("kolokoltsev", "колокольцев", "کولوکولتسف"),
    "putin": ("putin", "путин", "پوتین"),
    "rogozin": ("rogozin", "рогозин", "روگوزین"),
    "jalili": ("jalili", "джалили", "جلیلی"),
    "patrushev": ("patrushev", "патрушев", "پاتروشف"),
    "salehi": ("salehi", "салехи", "صالحی"),
    "novak": ("novak", "новак", "نواک"),
    "lukyanov": ("lukyanov", "лукьянов", "لوکیانوف"),
    "samand": ("samand", "саманд", "سمند"),
    "tabriz": ("tabriz", "тебриз", "تبریز"),
    "gorgan": ("gorgan", "горган", "گرگان"),
}


_PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")


def _pattern(stems: tuple[str, ...]) -> re.Pattern[str]:
    # A stem starts a word. Persian words take no case endings, so a Persian stem
    # must end one, plural or not (the stem "مس", copper, must not find "مسکو").
    alternatives = "|".join(
        re.escape(stem) + r"(?:\u200c?(?:های|ها|ی))?(?!\w)"
        if _PERSIAN_LETTER.search(stem)
        else re.escape(stem) + r"\w*"
        for stem in sorted(stems, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})")


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, str, tuple[str, ...], re.Pattern[str]]]:
    compiled = []
    for kind, table in (
        ("country", COUNTRIES),
        ("organisation", ORGANISATIONS),
        ("topic", TOPICS),
        ("name", NAMES),
    ):
        for name, stems in table.items():
            compiled.append((kind, name, stems, _pattern(stems)))
    return compiled


@lru_cache(maxsize=1)
def _stems_by_start() -> dict[str, tuple[str, ...]]:
    """Return every entry's stems by their first two letters (no stem is shorter)."""
    by_start: dict[str, set[str]] = {}
    for _, _, stems, _ in _compiled():
        for stem in stems:
            by_start.setdefault(stem[:2], set()).add(stem)
    return {start: tuple(found) for start, found in by_start.items()}


@lru_cache(maxsize=1)
def _entries_by_stem() -> dict[str, tuple[int, ...]]:
    """Return the entries of _compiled() (by index) each stem belongs to."""
    by_stem: dict[str, list[int]] = {}
    for index, (_, _, stems, _) in enumerate(_compiled()):
        for stem in stems:
            by_stem.setdefault(stem, []).append(index)
    return {stem: tuple(indexes) for stem, indexes in by_stem.items()}


def _stems_in(lowered: str) -> set[str]:
    """Return the stems that occur in `lowered` anywhere (as `stem in lowered`).

    One dictionary look-up a position instead of a substring test a stem: reading a
    stored claim called entities_in about five times, each testing all 339 stems
    (#27).
    """
    by_start = _stems_by_start()
    present: set[str] = set()
    for index in range(len(lowered) - 1):
        for stem in by_start.get(lowered[index : index + 2], ()):
            if lowered.startswith(stem, index):
                present.add(stem)
    return present


@lru_cache(maxsize=4096)
def is_entity(word: str) -> bool:
    """Return whether `word` names a country, organisation, topic or known person."""
    return any(entities_in(word).values())


@lru_cache(maxsize=4096)
def is_place(word: str) -> bool:
    """Return whether `word` names a country (or its capital) or an organisation."""
    found = entities_in(word)
    return bool(found["country"] or found["organisation"])


def entities_in(text: str) -> dict[str, frozenset[str]]:
    """Return the canonical countries, organisations, topics and names in `text`."""
    lowered = text.lower()
    found: dict[str, set[str]] = {
        "country": set(),
        "organisation": set(),
        "topic": set(),
        "name": set(),
    }
    # A substring test first (the stems in the text): most entries are in no text.
    entries = _entries_by_stem()
    candidates = {index for stem in _stems_in(lowered) for index in entries[stem]}
    compiled = _compiled()
    for index in candidates:
        kind, name, _, pattern = compiled[index]
        if pattern.search(lowered):
            found[kind].add(name)
    if _ABBREVIATIONS.search(text):
        found["country"].add("united states")
    for organisation in found["organisation"]:
        if organisation in ORGANISATION_COUNTRIES:
            found["country"].add(ORGANISATION_COUNTRIES[organisation])
    return {kind: frozenset(names) for kind, names in found.items()}
