import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from claims.extraction import rules
from claims.extraction import sentences as sentence_rules
from claims.extraction.rules import MIN_SCORE, propose_candidates
from claims.extraction.sentences import MAX_SENTENCE, split_sentences
from claims.figures import quantities
from claims.models import Candidate, Claim
from claims.ratings import Status
from claims.services.candidates import (
    accept_candidate,
    extract_candidates,
    reject_candidates,
)
from tests.factories import (
    ClaimFactory,
    DocumentFactory,
    MetricFactory,
    UserFactory,
    user_in_group,
)
from tests.regex_work import regex_work

pytestmark = pytest.mark.django_db

THIRD_TEXT = Path(__file__).resolve().parents[1] / "data" / "third_text.txt"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def proposed(text: str, **kwargs) -> dict[str, object]:
    """Return the proposals of `text` by quote."""
    return {p.quote: p for p in propose_candidates(text, **kwargs)}


def quote_containing(proposals: dict, words: str):
    matches = [p for quote, p in proposals.items() if words in quote]
    assert len(matches) == 1, f"{words!r} in {list(proposals)}"
    return matches[0]


def news_like(copies: int) -> str:
    """Return the third text `copies` times over, as the paragraphs of one text."""
    return "\n\n".join([THIRD_TEXT.read_text()] * copies)


def figure_clauses(count: int) -> str:
    """Return `count` clauses of about 45 characters with a figure, no full stop."""
    return ", ".join(
        f"the port handled {10_000 + i:,} containers in {1990 + i % 30}"
        for i in range(count)
    )


def regex_characters(work, function, text: str) -> int:
    work.reset()
    function(text)
    return work.characters


# Sentences -------------------------------------------------------------------------


def test_sentences_survive_abbreviations_initials_and_decimals():
    text = (
        "Dr. Jane Roe of the U.S. Treasury said output grew 5.3 percent. "
        "The No. 2 carrier, Acme Inc. of Ohio, agreed. John F. Kennedy spoke "
        "in Washington, D.C. on Jan. 5. It was cold."
    )
    assert sentences(text) == [
        "Dr. Jane Roe of the U.S. Treasury said output grew 5.3 percent.",
        "The No. 2 carrier, Acme Inc. of Ohio, agreed.",
        "John F. Kennedy spoke in Washington, D.C. on Jan. 5.",
        "It was cold.",
    ]


def test_an_abbreviation_before_a_sentence_starter_ends_the_sentence():
    text = "The plant opened in the U.S. The company hired 300 workers."
    assert sentences(text) == [
        "The plant opened in the U.S.",
        "The company hired 300 workers.",
    ]


def test_short_lines_and_blank_lines_end_a_sentence_but_wrapped_lines_do_not():
    text = (
        "Trade report\n"
        "By A. Writer\n\n"
        "The ministry said on Monday that exports to the region rose to a total\n"
        "of 12,000 tonnes in the year to March, more than ever before.\n"
        "Most recent\n"
    )
    assert sentences(text) == [
        "Trade report",
        "By A. Writer",
        "The ministry said on Monday that exports to the region rose to a total\n"
        "of 12,000 tonnes in the year to March, more than ever before.",
        "Most recent",
    ]


def test_quotes_and_question_marks_end_sentences():
    text = '"We will grow," he said. Will it? "Yes." Sales rose 4%!'
    assert sentences(text) == [
        '"We will grow," he said.',
        "Will it?",
        '"Yes."',
        "Sales rose 4%!",
    ]


def test_sentences_survive_abbreviations_and_decimals_far_into_a_long_text():
    before = news_like(100)  # 130 KB
    text = (
        f"{before}\n\nDr. Jane Roe of the U.S. Treasury said output grew 5.3 percent. "
        "The plant opened in the U.S. The No. 2 carrier, Acme Inc. of Ohio, agreed "
        "on Jan. 5 with John F. Kennedy Airport."
    )

    assert sentences(text)[-3:] == [
        "Dr. Jane Roe of the U.S. Treasury said output grew 5.3 percent.",
        "The plant opened in the U.S.",
        "The No. 2 carrier, Acme Inc. of Ohio, agreed on Jan. 5 with John F. Kennedy "
        "Airport.",
    ]


def test_a_full_stop_right_after_a_long_token_reads_the_whole_token():
    token = "1" + ".".join("abcdefghij" * 30)  # 600 characters, no initials as a whole
    initials = ".".join("abcdefghij" * 30)  # "a.b.c. ... .j": an abbreviation

    assert sentences(f"The code was {token}. The plant hired 300 workers.") == [
        f"The code was {token}.",
        "The plant hired 300 workers.",
    ]
    assert sentences(f"It read {initials}. Ministry officials agreed.") == [
        f"It read {initials}. Ministry officials agreed."
    ]
    assert sentences(f"It read {initials}. The ministry agreed.") == [
        f"It read {initials}.",
        "The ministry agreed.",
    ]


def test_a_run_of_full_stops_ends_a_sentence_only_before_a_space():
    dots = "." * 1500

    assert sentences(f"Wait{dots}x. Then it ended{dots} Nobody knew.") == [
        f"Wait{dots}x.",
        f"Then it ended{dots}",
        "Nobody knew.",
    ]


def test_a_text_without_sentence_ends_is_cut_into_bounded_pieces_at_clauses():
    text = figure_clauses(3_000)  # 136 KB, one "sentence"
    assert len(text) > 130_000

    pieces = sentences(text)

    assert len(pieces) > len(text) // MAX_SENTENCE
    assert all(len(piece) <= MAX_SENTENCE for piece in pieces)
    assert all(piece.endswith(",") for piece in pieces[:-1])
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_every_figure_of_a_text_without_sentence_ends_is_proposed():
    text = figure_clauses(3_000)

    found = propose_candidates(text)

    assert sorted(p.amount.value for p in found) == [10_000 + i for i in range(3_000)]
    assert {p.amount.unit for p in found} == {"containers"}
    for proposal in found:
        assert len(proposal.sentence) <= MAX_SENTENCE
        assert text[proposal.start : proposal.end] == proposal.quote


# What is proposed ------------------------------------------------------------------


def test_money_percent_counts_and_ranges_are_proposed_with_their_figure():
    text = (
        "The city spent $4.2 billion on roads last year, officials said.\n\n"
        "Unemployment fell to 5.1% in June.\n\n"
        "About 12,000 people attended the festival.\n\n"
        "Tickets cost between 30 and 45 euros each."
    )

    found = proposed(text)

    money = quote_containing(found, "$4.2 billion")
    assert (money.amount.value, money.amount.unit) == (Decimal("4200000000"), "USD")
    percent = quote_containing(found, "5.1%")
    assert (percent.amount.value, percent.amount.unit) == (Decimal("5.1"), "percent")
    count = quote_containing(found, "12,000 people")
    assert count.amount.unit == "people"
    assert count.amount.comparator == "approximately"
    ranged = quote_containing(found, "between 30 and 45 euros")
    assert (ranged.amount.value, ranged.amount.value_upper) == (30, 45)
    assert ranged.amount.comparator == "range"
    assert len(found) == 4


def test_rankings_and_dated_events_are_proposed_without_a_figure():
    text = (
        "Acme became the country's second-biggest carmaker.\n\n"
        "The treaty was signed in November 2013 by both governments.\n\n"
        "The reactor went online in 2011 after long delays.\n\n"
        "It was the world's largest solar farm at the time."
    )

    found = proposed(text)

    assert set(found) == {
        "Acme became the country's second-biggest carmaker.",
        "The treaty was signed in November 2013 by both governments.",
        "The reactor went online in 2011 after long delays.",
        "It was the world's largest solar farm at the time.",
    }
    reasons = "; ".join(
        found["The treaty was signed in November 2013 by both governments."].reasons
    )
    assert "dated event" in reasons
    assert all(p.amount is None for p in found.values())


def test_years_dates_and_references_alone_are_not_claims():
    text = (
        "The company was a family business in 1998.\n\n"
        "We have waited for this since 2004, she said.\n\n"
        "Relations between the two countries are warm.\n\n"
        "Officials said the talks were useful and would continue.\n\n"
        "March 3, 2022"
    )
    assert proposed(text) == {}


def test_page_furniture_is_not_proposed_even_with_numbers():
    text = (
        "Follow Jane Roe (@janeroe) on Twitter.\n\n"
        "Tel: +44 1632 960 123 | Fax: +44 1632 960 124\n\n"
        "E-mail: desk@example.org\n\n"
        "© 2009-2024 Example News. All Rights Reserved.\n\n"
        "Copyright 2021 Example Gazette, 45 Harbor Street, Riverton 12345\n\n"
        "12 Harbor Street, Suite 400, Riverton 12345\n\n"
        "To cite this article: Roe, J. 2020. Trade rose 5 percent. Example Journal.\n\n"
        "<https://example.org/2020/05/trade-rose-5-percent>\n\n"
        "Most recent\n\n"
        "Read more: exports rose 40 percent in 2019"
    )
    assert proposed(text) == {}


def test_a_source_or_a_trend_word_alone_does_not_reach_the_threshold():
    text = "According to the minister, relations will increase and improve further."
    assert proposed(text) == {}


def test_score_and_reasons_say_what_counted():
    text = "According to official data, exports rose by more than 20 percent in 2013."

    (proposal,) = propose_candidates(text)

    assert MIN_SCORE <= proposal.score <= 1
    reasons = "; ".join(proposal.reasons)
    assert "percent: more than 20%" in reasons
    assert "source: “According to”" in reasons
    assert "comparison or trend" in reasons
    weaker = propose_candidates("Exports were worth more than 20 percent of output.")
    assert weaker[0].score < proposal.score


def test_each_figure_of_a_sentence_gets_its_own_clause():
    text = (
        "Trade with Turkey stands at $40 billion a year while trade with China "
        "adds up to $100 billion; exports to India were 3 million tonnes."
    )

    quotes = list(proposed(text))

    assert quotes == [
        "Trade with Turkey stands at $40 billion a year",
        "while trade with China adds up to $100 billion",
        "exports to India were 3 million tonnes.",
    ]


def test_a_clause_too_short_to_stand_alone_stays_with_its_neighbour():
    text = "The population grew by 1.2 million people, or 4 percent."
    (proposal,) = propose_candidates(text)
    assert proposal.quote == text
    assert "(also 4%)" in proposal.reasons[0]


def test_a_rank_number_is_a_ranking_not_a_count():
    (proposal,) = propose_candidates(
        "Acme is now the No. 1 seller of phones in Europe."
    )
    assert proposal.amount is None
    assert proposal.reasons == ("ranking: “No. 1” (+0.4)",)


def test_a_change_between_two_amounts_stays_one_quote():
    text = "Trade plunged from four billion dollars to $1.5 billion in four years."
    (proposal,) = propose_candidates(text)
    assert proposal.quote == text
    assert proposal.amount.value == 4000000000


def test_a_metric_is_suggested_when_most_of_its_words_are_in_the_sentence():
    volume = MetricFactory(
        name="Iran-Turkey trade volume", slug="iran-turkey-trade", unit="USD"
    )
    MetricFactory(
        name="Iran-Turkey trade share", slug="iran-turkey-share", unit="percent"
    )
    MetricFactory(name="Car exports", slug="car-exports", unit="USD")
    text = "The volume of trade between Iran and Turkey stands at 20 billion dollars."

    (proposal,) = propose_candidates(text, metrics=type(volume).objects.all())

    assert proposal.metric == volume
    assert "metric: Iran-Turkey trade volume (4 of 4 words)" in proposal.reasons


def test_a_metric_is_suggested_from_the_clause_carrying_the_figure_only():
    turkey = MetricFactory(
        name="Iran-Turkey trade volume", slug="iran-turkey-trade", unit="USD"
    )
    text = (
        "The volume of trade between Iran and Turkey stands at 20 billion dollars "
        "and exchanges with China are close to 40 billion dollars."
    )

    first, second = propose_candidates(text, metrics=[turkey])

    assert first.metric == turkey
    assert second.quote == "and exchanges with China are close to 40 billion dollars."
    assert second.metric is None


def test_no_metric_is_suggested_on_a_few_shared_words():
    metric = MetricFactory(
        name="Iran car production", slug="iran-car-production", unit="cars"
    )
    (proposal,) = propose_candidates(
        "Russia sold 12,000 cars to Iran.", metrics=[metric]
    )
    assert proposal.metric is None


def test_the_third_text_shows_the_rules_hold_on_a_text_they_were_not_written_for():
    text = THIRD_TEXT.read_text()

    found = propose_candidates(text)

    quotes = [p.quote for p in found]
    figures = {(p.amount.value, p.amount.unit) for p in found if p.amount}
    assert (Decimal("1400000"), "containers") in figures
    assert (Decimal("8"), "percent") in figures
    assert (Decimal("310000000"), "USD") in figures
    assert (Decimal("30"), "percent") in figures
    ranged = next(p for p in found if p.amount and p.amount.comparator == "range")
    assert (ranged.amount.value, ranged.amount.value_upper) == (400, 550)
    assert any("second-busiest" in quote for quote in quotes)
    assert any("approved the port budget" in quote for quote in quotes)
    for furniture in [
        "1998",
        "Tel:",
        "Harbor Street",
        "Copyright",
        "Follow",
        "Read more",
        "March 3, 2022",
        "Home |",
    ]:
        assert not any(furniture in quote for quote in quotes), furniture
    for proposal in found:
        assert text[proposal.start : proposal.end] == proposal.quote


# Cost: a text twice as long is twice the work --------------------------------------
# The characters the regular expressions read are counted (tests/regex_work.py), not
# timed: a search from the start of the text at every sentence end or figure reads
# four times as much when the text doubles.


def test_splitting_a_text_twice_as_long_reads_twice_as_much(monkeypatch):
    work = regex_work(monkeypatch, sentence_rules, rules)
    text = news_like(20)

    once = regex_characters(work, split_sentences, text)
    twice = regex_characters(work, split_sentences, f"{text}\n\n{text}")

    assert once > len(text)
    assert twice <= 2 * once + 100


def test_proposing_from_a_text_twice_as_long_reads_twice_as_much(monkeypatch):
    work = regex_work(monkeypatch, sentence_rules, rules, quantities)
    text = news_like(20)

    once = regex_characters(work, propose_candidates, text)
    twice = regex_characters(work, propose_candidates, f"{text}\n\n{text}")

    assert twice <= 2 * once + 100


def test_proposing_from_a_sentence_twice_as_long_reads_twice_as_much(monkeypatch):
    work = regex_work(monkeypatch, sentence_rules, rules, quantities)
    # 9 and 18 KB without a full stop: a few pieces of at most MAX_SENTENCE.
    text = figure_clauses(200)

    once = regex_characters(work, propose_candidates, text)
    twice = regex_characters(work, propose_candidates, f"{text}, {text}")

    # Where the pieces are cut differs a little in the longer text.
    assert twice <= 2 * once + 2 * MAX_SENTENCE


# Storing candidates ----------------------------------------------------------------

TEXT = (
    "Exports rose to $2 billion in 2013, the ministry said. "
    "Imports fell 15 percent over the same period. "
    "The port is the country's largest. "
    "Officials were pleased."
)


def test_extract_candidates_stores_exact_spans_and_a_second_run_creates_none():
    document = DocumentFactory(text=TEXT)

    first = extract_candidates(document_id=document.pk)
    second = extract_candidates(document_id=document.pk)

    assert first.created == 3
    assert (second.created, second.skipped_existing) == (0, 3)
    for candidate in Candidate.objects.filter(document=document):
        assert TEXT[candidate.quote_start : candidate.quote_end] == candidate.quote
        assert candidate.state == "proposed"
    money = Candidate.objects.get(document=document, unit="USD")
    assert money.value == Decimal("2000000000")
    assert money.sentence == "Exports rose to $2 billion in 2013, the ministry said."
    assert "money: $2 billion" in money.reasons


def test_a_rejected_candidate_is_not_proposed_again():
    document = DocumentFactory(text=TEXT)
    extract_candidates(document_id=document.pk)
    percent = Candidate.objects.get(document=document, unit="percent")
    reject_candidates(candidates=[percent], by=None)
    Candidate.objects.filter(state="proposed").delete()

    report = extract_candidates(document_id=document.pk)

    assert (report.created, report.skipped_rejected) == (2, 1)
    assert Candidate.objects.filter(document=document, unit="percent").get() == percent


def test_a_sentence_overlapping_a_claims_anchored_quote_is_skipped():
    document = DocumentFactory(text=TEXT)
    start = TEXT.index("Imports fell")
    ClaimFactory(
        document=document,
        quote="Imports fell 15 percent",
        quote_start=start,
        quote_end=start + len("Imports fell 15 percent"),
    )

    report = extract_candidates(document_id=document.pk)

    assert (report.created, report.skipped_existing) == (2, 1)
    assert not Candidate.objects.filter(unit="percent").exists()


def test_a_claim_not_anchored_yet_still_covers_its_sentence():
    document = DocumentFactory(text=TEXT)
    ClaimFactory(document=document, quote="Imports fell 15 percent")

    report = extract_candidates(document_id=document.pk)

    assert (report.created, report.skipped_existing) == (2, 1)


def test_a_document_without_text_gives_an_empty_report():
    report = extract_candidates(document_id=DocumentFactory(text="").pk)
    assert (report.created, report.skipped_existing, report.skipped_rejected) == (
        0,
        0,
        0,
    )


# Accepting and rejecting -----------------------------------------------------------


@pytest.fixture
def candidate():
    document = DocumentFactory(text=TEXT)
    extract_candidates(document_id=document.pk)
    return Candidate.objects.get(document=document, unit="USD")


def test_accept_candidate_makes_an_unverified_extracted_claim_through_claim_save(
    candidate,
):
    editor = user_in_group("Editors")
    metric = MetricFactory(unit="USD")

    claim = accept_candidate(candidate=candidate, by=editor, metric=metric)

    claim.refresh_from_db()
    candidate.refresh_from_db()
    assert claim.origin == "extracted"
    assert claim.status == Status.UNVERIFIED
    assert claim.text == "Exports rose to $2 billion in 2013, the ministry said."
    assert claim.quote == candidate.quote
    assert (claim.quote_start, claim.quote_end) == (
        candidate.quote_start,
        candidate.quote_end,
    )
    assert (claim.value, claim.unit, claim.metric) == (
        Decimal("2000000000"),
        "USD",
        metric,
    )
    assert claim.created_by == editor
    assert claim.version == 1
    assert claim.claimed_on == candidate.document.published_on
    assert (candidate.state, candidate.claim, candidate.decided_by) == (
        "accepted",
        claim,
        editor,
    )
    assert candidate.decided_at is not None


def test_accept_candidate_takes_the_text_given(candidate):
    claim = accept_candidate(candidate=candidate, by=None, text="Exports were $2bn.")
    assert claim.text == "Exports were $2bn."


def test_a_candidate_is_accepted_once(candidate):
    accept_candidate(candidate=candidate, by=None)
    with pytest.raises(ValidationError, match="already accepted"):
        accept_candidate(candidate=candidate, by=None)
    assert Claim.objects.count() == 1


def test_a_candidate_breaking_a_claim_rule_is_refused_and_stays_proposed(candidate):
    candidate.unit = ""  # a value without a unit
    with pytest.raises(ValidationError) as refusal:
        accept_candidate(candidate=candidate, by=None)
    assert "unit" in refusal.value.message_dict
    candidate.refresh_from_db()
    assert candidate.state == "proposed"
    assert not Claim.objects.exists()


def test_accepting_needs_the_right_to_change_claims(candidate):
    with pytest.raises(PermissionDenied):
        accept_candidate(candidate=candidate, by=UserFactory(is_staff=True))
    assert not Claim.objects.exists()


def test_reject_candidates_leaves_accepted_ones_alone(candidate):
    other = Candidate.objects.exclude(pk=candidate.pk).first()
    accept_candidate(candidate=candidate, by=None)
    editor = user_in_group("Editors")

    rejected = reject_candidates(candidates=Candidate.objects.all(), by=editor)

    assert rejected == 2
    candidate.refresh_from_db()
    other.refresh_from_db()
    assert candidate.state == "accepted"
    assert (other.state, other.decided_by) == ("rejected", editor)


# The command -----------------------------------------------------------------------


def test_extract_claims_command_prints_the_report():
    document = DocumentFactory(text=TEXT)
    out = io.StringIO()

    call_command("extract_claims", str(document.pk), stdout=out)
    call_command("extract_claims", str(document.pk), stdout=out)

    printed = out.getvalue().splitlines()
    assert printed[0] == (
        f"Document {document.pk}: 3 candidates created, 0 skipped (already proposed "
        "or claimed), 0 skipped (rejected before)."
    )
    assert printed[1].startswith(
        f"Document {document.pk}: 0 candidates created, 3 skipped"
    )


def test_extract_claims_command_refuses_a_document_without_text():
    document = DocumentFactory(text="")
    with pytest.raises(CommandError, match="no stored text"):
        call_command("extract_claims", str(document.pk))
