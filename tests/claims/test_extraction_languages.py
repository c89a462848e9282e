"""Extraction and the shared figure reading in Russian and Persian (issue 28).

Every sentence here was made for these tests; its figures are illustrative.
"""

from datetime import date
from decimal import Decimal

import pytest

from claims.extraction.rules import figures_in, propose_candidates
from claims.extraction.sentences import split_sentences
from claims.figures.languages import (
    find_change,
    find_period,
    rewrite,
    to_english_figures,
)


def figures(text, language):
    return [
        (text[start:end], amount.value, amount.unit, amount.comparator)
        for start, end, amount in figures_in(text, language)
    ]


def sentences(text):
    return [text[start:end] for start, end in split_sentences(text)]


# --- the shared reading: numbers, decimals, words, units, comparators -------------


@pytest.mark.parametrize(
    ("text", "language", "surface", "value", "unit", "comparator"),
    [
        (
            "حدود ۵/۳ میلیارد دلار",
            "fa",
            "حدود ۵/۳ میلیارد دلار",
            "5.3e9",
            "USD",
            "approximately",
        ),
        ("۱/۷ میلیارد دلار", "fa", "۱/۷ میلیارد دلار", "1.7e9", "USD", "exact"),
        (
            "حدود ۱٫۵ میلیارد دلار",
            "fa",
            "حدود ۱٫۵ میلیارد دلار",
            "1.5e9",
            "USD",
            "approximately",
        ),
        ("٥٫٣ میلیارد دلار", "fa", "٥٫٣ میلیارد دلار", "5.3e9", "USD", "exact"),
        (
            "یک میلیارد و ۱۶۸ میلیون دلار",
            "fa",
            "یک میلیارد و ۱۶۸ میلیون دلار",
            "1.168e9",
            "USD",
            "exact",
        ),
        (
            "بیش از ۲۰۰ هزار تن",
            "fa",
            "بیش از ۲۰۰ هزار تن",
            "2e5",
            "tonnes",
            "more_than",
        ),
        (
            "نزدیک به ۴ میلیارد یورو",
            "fa",
            "نزدیک به ۴ میلیارد یورو",
            "4e9",
            "EUR",
            "approximately",
        ),
        ("۹ هزار میلیارد ریال", "fa", "۹ هزار میلیارد ریال", "9e12", "IRR", "exact"),
        ("۳۹ درصد", "fa", "۳۹ درصد", "39", "percent", "exact"),
        ("5,3 млрд долларов", "ru", "5,3 млрд долларов", "5.3e9", "USD", "exact"),
        (
            "около 5,3 млрд долл. США",
            "ru",
            "около 5,3 млрд долл. США",
            "5.3e9",
            "USD",
            "approximately",
        ),
        (
            "полтора миллиарда долларов",
            "ru",
            "полтора миллиарда долларов",
            "1.5e9",
            "USD",
            "exact",
        ),
        (
            "1 млрд 168 млн долларов",
            "ru",
            "1 млрд 168 млн долларов",
            "1.168e9",
            "USD",
            "exact",
        ),
        (
            "более 12 000 тонн",
            "ru",
            "более 12 000 тонн",
            "12000",
            "tonnes",
            "more_than",
        ),
        ("свыше 3 млн тонн", "ru", "свыше 3 млн тонн", "3e6", "tonnes", "more_than"),
        ("почти 40%", "ru", "почти 40%", "40", "percent", "approximately"),
        ("1,2 млрд рублей", "ru", "1,2 млрд рублей", "1.2e9", "RUB", "exact"),
    ],
)
def test_a_figure_is_read_with_its_value_unit_and_comparator(
    text, language, surface, value, unit, comparator
):
    assert figures(text, language) == [(surface, Decimal(value), unit, comparator)]


def test_tomans_are_kept_apart_from_dollars_and_rials():
    ((_, value, unit, _),) = figures("حدود ۵۰ هزار تومان", "fa")
    assert (value, unit) == (Decimal(50000), "tomans")
    ((_, _, rials, _),) = figures("۵۰ هزار ریال", "fa")
    assert rials == "IRR"


def test_matching_reads_the_persian_slash_decimal_through_the_same_rules():
    assert "about 5.3 billion dollars" in to_english_figures("حدود ۵/۳ میلیارد دلار")


def test_a_date_with_slashes_is_not_a_persian_decimal():
    english = rewrite("تاریخ ۱۴۰۲/۱۰/۱۸", "fa").text
    assert "1402/10/18" in english


def test_rewritten_spans_map_back_to_the_original_text():
    text = "Товарооборот составил около 5,3 млрд долларов в 2013 году."
    ((surface, *_),) = figures(text, "ru")
    assert surface == "около 5,3 млрд долларов"


def test_a_shared_currency_carries_to_a_scaled_number_without_one():
    found = figures("вырос до 2,7 млрд долларов, против 1,6 млрд годом ранее", "ru")
    assert [(value, unit) for _, value, unit, _ in found] == [
        (Decimal("2.7e9"), "USD"),
        (Decimal("1.6e9"), "USD"),
    ]


# --- changes with their sign ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "percent"),
    [
        ("Товарооборот вырос на 36,4%", "ru", "36.4"),
        ("Импорт снизился на 6,5%", "ru", "-6.5"),
        ("Поставки выросли в три раза", "ru", "200"),
        ("Поставки выросли почти вдвое", "ru", "100"),
        ("واردات ۳۹ درصد کاهش یافت", "fa", "-39"),
        ("صادرات ۲۷ درصد افزایش یافت", "fa", "27"),
        ("صادرات گندم ده برابر شد", "fa", "900"),
        ("Экспорт был на 12% больше, чем годом ранее", "ru", "12"),
        ("Цены были на 4 процента ниже", "ru", "-4"),
        ("تولید ۲۰ درصد بیشتر شد", "fa", "20"),
        ("هزینه‌ها ۵ درصد کمتر بود", "fa", "-5"),
        ("Trade fell roughly in half", "en", "-50"),
        ("Exports nearly quadrupled", "en", "300"),
    ],
)
def test_a_verbal_change_is_read_with_its_sign(text, language, percent):
    change = find_change(rewrite(text, language).text)
    assert change is not None
    assert change.percent == Decimal(percent)


def test_a_fall_in_another_clause_does_not_turn_a_doubling_into_a_halving():
    # Made for this test: "Rice imports fell 9 percent, but tea exports doubled."
    text = "واردات برنج ۹ درصد کاهش یافت، اما صادرات چای دو برابر شد."
    changes = [p.change.percent for p in propose_candidates(text, language="fa")]
    assert changes == [Decimal(-9), Decimal(100)]
    english = "Coal imports fell 9 percent, but gas exports doubled."
    changes = [p.change.percent for p in propose_candidates(english, language="en")]
    assert changes == [Decimal(-9), Decimal(100)]


def test_a_fall_in_the_same_clause_still_makes_a_factor_a_drop():
    change = find_change(rewrite("Экспорт сократился в три раза", "ru").text)
    assert change is not None
    assert change.percent == Decimal("-66.7")


def test_adjectives_between_a_russian_number_and_what_it_counts_are_read_past():
    # Made for this test: "more than 30 large Russian companies".
    found = figures("В проекте участвуют более 30 крупных российских компаний.", "ru")
    assert found == [
        ("более 30 крупных российских компаний", Decimal(30), "companies", "more_than")
    ]


def test_a_verbal_change_alone_is_proposed_as_a_change_claim():
    (proposal,) = propose_candidates("صادرات گندم روسیه به ایران ده برابر شد.")
    assert proposal.amount is None
    assert proposal.change is not None
    assert proposal.change.percent == 900
    assert any(reason.startswith("change: rise of 900%") for reason in proposal.reasons)


# --- periods ----------------------------------------------------------------------


def test_an_iranian_year_is_read_with_the_calendar_code():
    period = find_period(rewrite("در سال ۱۳۹۱ صادرات", "fa").text)
    assert (period.start, period.end) == (date(2012, 3, 20), date(2013, 3, 20))


def test_last_year_in_persian_is_the_past_iranian_year_of_the_document_date():
    period = find_period(rewrite("در سال گذشته", "fa").text, date(2013, 4, 23))
    assert (period.start, period.end) == (date(2012, 3, 20), date(2013, 3, 20))


@pytest.mark.parametrize(
    ("text", "reference", "start", "end"),
    [
        ("в 2013 году", None, date(2013, 1, 1), date(2013, 12, 31)),
        ("за первое полугодие", date(2023, 8, 1), date(2023, 1, 1), date(2023, 6, 30)),
        ("за первое полугодие", date(2023, 3, 1), date(2022, 1, 1), date(2022, 6, 30)),
        (
            "за январь — октябрь",
            date(2023, 11, 20),
            date(2023, 1, 1),
            date(2023, 10, 31),
        ),
        ("в январе-сентябре 2023 года", None, date(2023, 1, 1), date(2023, 9, 30)),
    ],
)
def test_a_russian_period_is_read_against_the_document_date(
    text, reference, start, end
):
    period = find_period(rewrite(text, "ru").text, reference)
    assert (period.start, period.end) == (start, end)


# --- sentences --------------------------------------------------------------------


def test_persian_sentences_end_at_the_full_stop_and_question_mark():
    text = "صادرات ۵ درصد افزایش یافت. آیا واردات کم شد؟ واردات کم شد!"
    assert sentences(text) == [
        "صادرات ۵ درصد افزایش یافت.",
        "آیا واردات کم شد؟",
        "واردات کم شد!",
    ]


def test_a_zero_width_non_joiner_inside_a_persian_word_keeps_it_whole():
    text = "صادرات افزایش می\u200cیابد و به ۵ میلیارد دلار می\u200cرسد."
    assert sentences(text) == [text]
    ((surface, *_),) = figures(text, "fa")
    assert surface == "۵ میلیارد دلار"


def test_russian_abbreviations_do_not_end_a_sentence():
    text = (
        "Экспорт составил 5 млрд. долларов, т.е. больше, чем в 2012 г. Россия "
        "закупила 3 тыс. тонн. В 2014 г. поставки выросли."
    )
    assert sentences(text) == [
        "Экспорт составил 5 млрд. долларов, т.е. больше, чем в 2012 г. Россия "
        "закупила 3 тыс. тонн.",
        "В 2014 г. поставки выросли.",
    ]


# --- noise and bad input ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Брифинг для журналистов начнется в 15:00 по московскому времени.",
        "Дата публикации документа: 12.10.2023 на сайте службы.",
        "Продолжение материала смотрите на стр. 5 нашего выпуска.",
        "نشست خبری ساعت ۱۰:۳۰ صبح فردا برگزار می‌شود.",
        "تاریخ انتشار این گزارش ۱۴۰۲/۱۰/۱۸ در سایت گمرک بود.",
        "ادامه این گزارش را در صفحه ۳ همین شماره بخوانید.",
        "The briefing starts at 15:00 in the main hall today.",
        "The rest of this report continues on page 5 of the issue.",
    ],
)
def test_clock_times_dates_and_page_numbers_are_not_proposed(text):
    assert propose_candidates(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "صادرات \u200f۵/۳\u200e میلیارد \u200fدلار بود.",
        "Экспорт составил 5,3 млрд долларов (\u200eUSD\u200f), сообщил министр.",
    ],
)
def test_direction_marks_do_not_change_the_reading(text):
    (proposal,) = propose_candidates(text)
    assert (proposal.amount.value, proposal.amount.unit) == (Decimal("5.3e9"), "USD")


def test_digits_of_several_scripts_in_one_number_are_not_read():
    text = "صادرات ایران به روسیه ۱2۳ میلیون دلار بود و ۵ درصد رشد داشت."
    for proposal in propose_candidates(text):
        assert proposal.amount is None or proposal.amount.unit == "percent"
        assert any("digits of several scripts" in r for r in proposal.reasons)
    assert all(value != Decimal("123e6") for _, value, _, _ in figures(text, "fa"))


def test_a_number_too_large_to_store_is_not_proposed_as_a_figure():
    text = "Экспорт составил 900000000000000000000000 млрд долларов, сообщил министр."
    assert figures(text, "ru") == []
    for proposal in propose_candidates(text):
        assert proposal.amount is None


def test_mixed_script_text_does_not_crash_and_reads_each_figure():
    text = "Trade با روسیه reached ۵ میلиард и 3,3 млрд долларов in 2013."
    found = propose_candidates(text)
    for proposal in found:
        if proposal.amount is not None:
            assert proposal.amount.value in (Decimal("3.3e9"), Decimal(5))


# --- the examples, end to end ---------------------------------------------


def test_the_russian_example_gives_a_candidate_per_figure_with_quotes_verbatim():
    text = (
        "Товарооборот двух стран вырос на 36,4% и составил 3,3 млрд долларов, "
        "сообщил министр. "
        "Экспорт увеличился до 2,7 млрд долларов, против 1,6 млрд годом ранее."
    )
    found = propose_candidates(text, reference=date(2013, 11, 20))
    assert [(p.quote in text, p.amount.value, p.amount.unit) for p in found] == [
        (True, Decimal("36.4"), "percent"),
        (True, Decimal("3.3e9"), "USD"),
        (True, Decimal("2.7e9"), "USD"),
        (True, Decimal("1.6e9"), "USD"),
    ]
    assert found[0].change.percent == Decimal("36.4")
    assert all(p.language == "ru" for p in found)


def test_the_persian_example_gives_candidates_with_figures_and_period():
    text = (
        "حجم تجارت دو کشور در سال ۱۳۹۱ به یک میلیارد و ۱۶۸ میلیون دلار رسید. "
        "به گزارش ایرنا، صادرات ایران حدود ۱٫۵ میلیارد دلار بود."
    )
    first, second = propose_candidates(text)
    assert (first.amount.value, first.amount.unit) == (Decimal("1.168e9"), "USD")
    assert first.period.start == date(2012, 3, 20)
    assert second.amount.comparator == "approximately"
    assert any(reason.startswith("source: “به گزارش”") for reason in second.reasons)
