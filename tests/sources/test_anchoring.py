import random

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim
from claims.services.anchoring import anchor_claims
from sources.anchoring import locate_quote
from tests.factories import ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db

TEXT = (
    "The ambassador said:\n  \u201cTrade will\u00a0grow this year.\u201d\n\n"
    "Iran\u2019s exports\n   rose to $2 billion, the ministry\u2019s figures show."
)


def test_exact_quote_is_found_where_it_is():
    assert locate_quote("abc trade fell def", "trade fell") == (4, 14)


def test_first_occurrence_is_the_anchor():
    assert locate_quote("x rose. y rose.", "rose") == (2, 6)


def test_whitespace_runs_and_typographic_quotes_map_back_to_the_original_text():
    quote = "Iran's exports rose to $2 billion, the ministry's figures show."

    start, end = locate_quote(TEXT, quote)

    assert TEXT[start:end] == (
        "Iran\u2019s exports\n   rose to $2 billion, the ministry\u2019s figures show."
    )


def test_straight_double_quotes_and_a_line_break_match_curly_quotes_in_the_text():
    start, end = locate_quote(TEXT, 'said: "Trade will grow this year."')

    assert TEXT[start:end] == ("said:\n  \u201cTrade will\u00a0grow this year.\u201d")


def test_typographic_quote_matches_straight_quote_in_the_text():
    text = "It's the country's largest maker."
    start, end = locate_quote(text, "country\u2019s largest")
    assert text[start:end] == "country's largest"


def test_surrounding_whitespace_of_the_quote_is_ignored():
    assert locate_quote("one two three", "  two \n") == (4, 7)


@pytest.mark.parametrize(
    "quote",
    [
        "iran's exports rose",  # case differs
        "exports rose to 2 billion",  # a character missing
        "Iran's exports rose to $2 billion the ministry",  # punctuation missing
        "",
        "   ",
    ],
)
def test_anything_but_whitespace_and_quote_marks_is_not_forgiven(quote):
    assert locate_quote(TEXT, quote) is None


@pytest.mark.parametrize(
    "quote",
    [
        "Iran's exports rose",
        "Trade will grow",
        "“Trade will grow this year.”",
        "Trade  will grow",
        "trade will grow",
    ],
)
def test_locate_quote_agrees_with_document_contains_quote(quote):
    document = DocumentFactory.build(text=TEXT)
    assert (locate_quote(TEXT, quote) is not None) == document.contains_quote(quote)


def locate_by_folding_each_character(text: str, quote: str):
    """Return what locate_quote returns, folding one character at a time."""

    def fold(text):
        folded, origins, in_space = [], [], False
        for index, char in enumerate(text):
            if char.isspace():
                if not in_space:
                    folded.append(" ")
                    origins.append(index)
                in_space = True
                continue
            in_space = False
            folded.append({"\u2019": "'", "\u2018": "'", "\u201c": '"'}.get(char, char))
            origins.append(index)
        return "".join(folded), origins

    quote = quote.strip()
    if not quote or not text:
        return None
    if quote in text:
        return text.index(quote), text.index(quote) + len(quote)
    folded_text, origins = fold(text)
    folded_quote, _ = fold(quote)
    position = folded_text.find(folded_quote)
    if position < 0:
        return None
    return origins[position], origins[position + len(folded_quote) - 1] + 1


def test_folded_quotes_map_back_to_the_offsets_of_a_character_by_character_fold():
    rng = random.Random(14)
    pieces = ["a", "b", "rose", "5.3", " ", " ", "\n", "\n\n", "\t", "\u00a0", "  \n "]
    pieces += ["'", "\u2019", '"', "\u201c"]
    for _ in range(300):
        text = "".join(rng.choices(pieces, k=rng.randrange(1, 60)))
        start = rng.randrange(len(text))
        quote = text[start : rng.randrange(start, len(text) + 1)]
        # Copying a quote changes its whitespace and quote marks.
        quote = quote.replace("\u2019", "'").replace("\n", " ").replace("  ", " \n")

        assert locate_quote(text, quote) == locate_by_folding_each_character(
            text, quote
        ), (text, quote)


def test_anchor_claims_sets_offsets_and_reports_missing_quotes_without_history():
    document = DocumentFactory(text="")
    found = ClaimFactory(document=document, quote="Iran's exports rose to $2 billion")
    lost = ClaimFactory(document=document, quote="a sentence that is not there")
    document.text = TEXT
    document.save()
    history_rows = Claim.history.count()

    report = anchor_claims(document=document)

    assert report.anchored == [found.pk]
    assert report.missing == [(lost.pk, "a sentence that is not there")]
    found.refresh_from_db()
    lost.refresh_from_db()
    assert TEXT[found.quote_start : found.quote_end].startswith("Iran\u2019s exports")
    assert (lost.quote_start, lost.quote_end) == (None, None)
    assert found.version == 1
    assert Claim.history.count() == history_rows


def test_anchor_claims_clears_an_anchor_whose_quote_is_gone():
    document = DocumentFactory(text="Exports rose to $2 billion.")
    claim = ClaimFactory(document=document, quote="Exports rose")
    anchor_claims(document=document)
    Document = type(document)
    Document.objects.filter(pk=document.pk).update(text="Exports fell sharply.")
    document.refresh_from_db()

    report = anchor_claims(document=document)

    claim.refresh_from_db()
    assert report.missing == [(claim.pk, "Exports rose")]
    assert claim.quote_start is None


def test_anchor_quotes_command_anchors_every_document_with_text(capsys):
    document = DocumentFactory(text="Exports rose to $2 billion in 2013.")
    claim = ClaimFactory(document=document, quote="rose to $2 billion")
    ClaimFactory(document=DocumentFactory(text=""), quote="not stored anywhere")

    call_command("anchor_quotes")

    claim.refresh_from_db()
    assert (claim.quote_start, claim.quote_end) == (8, 26)
    assert "Quotes anchored: 1; not found: 0." in capsys.readouterr().out


def test_anchor_quotes_command_fails_and_lists_a_quote_no_longer_found(capsys):
    document = DocumentFactory(text="Exports rose to $2 billion in 2013.")
    ClaimFactory(document=document, quote="rose to $2 billion")
    lost = ClaimFactory(document=document, quote="imports fell")
    ClaimFactory(document=DocumentFactory(text="Other text."), quote="unrelated")

    with pytest.raises(CommandError, match="1 quotes were not found"):
        call_command("anchor_quotes", "--document", str(document.pk))

    out = capsys.readouterr().out
    assert f"not found: claim {lost.pk}: 'imports fell'" in out
    assert "unrelated" not in out


def test_anchor_quotes_command_refuses_a_document_without_text():
    document = DocumentFactory(text="")
    with pytest.raises(CommandError, match="no stored text"):
        call_command("anchor_quotes", "--document", str(document.pk))
