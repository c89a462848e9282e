"""Candidates: propose them from a document's text, edit, accept or reject them."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from factcheck.services import Actor, acting_user
from sources.anchoring import locate_quote
from sources.languages import detect_document_language
from sources.models import Document, Person

from ..extraction.rules import Proposal, propose_candidates
from ..figures.comparators import Comparator
from ..figures.languages import LANGUAGE_NAMES, SUPPORTED_LANGUAGES
from ..figures.periods import Period
from ..figures.written import written_figure_fields
from ..models import Candidate, Claim, ClaimLink, Metric
from ..ratings import Status
from .claims import claim_save
from .corrections import claim_link_save
from .events import ClaimChange, record_claim_events

# A change is stored as Claim.change_percent is: 9 digits, 4 of them decimals.
LARGEST_CHANGE = Decimal("1e5")
CHANGE_DECIMAL_PLACES = 4


@dataclass
class ExtractionReport:
    created: int = 0
    skipped_existing: int = 0
    skipped_rejected: int = 0
    # Sentences proposed again word for word (spacing and case aside).
    skipped_duplicate: int = 0
    # The most candidates the document may hold (EXTRACTION_MAX_CANDIDATES), and
    # how many new ones were not stored because it holds that many.
    cap: int = 0
    dropped_over_cap: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    # The language of the text, and why nothing was proposed when it is not read.
    language: str = ""
    unsupported: str = ""

    def __str__(self) -> str:
        if self.unsupported:
            return self.unsupported
        said = (
            f"{self.created} candidates created, {self.skipped_existing} skipped "
            f"(already proposed or claimed), {self.skipped_rejected} skipped "
            "(rejected before)"
        )
        if self.skipped_duplicate:
            said += f", {self.skipped_duplicate} skipped (the same sentence again)"
        if self.dropped_over_cap:
            said += (
                f", {self.dropped_over_cap} dropped (a document holds at most "
                f"{self.cap} candidates: EXTRACTION_MAX_CANDIDATES)"
            )
        return said


class _Spans:
    """Spans of a text, asked whether any overlaps a given span: O(log n) each."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        self.exact = set(ordered)
        # The furthest end of the spans up to each one (they may overlap).
        self.reach: list[int] = []
        for _, end in ordered:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def meets(self, start: int, end: int) -> bool:
        if (start, end) in self.exact:
            return True
        before_end = bisect_left(self.starts, end)
        return before_end > 0 and self.reach[before_end - 1] > start


@transaction.atomic
def extract_candidates(*, document_id: int) -> ExtractionReport:
    """Store the document's check-worthy sentences as proposed candidates.

    Skipped: a span overlapping a candidate proposed or accepted before, or a claim's
    quote (skipped_existing), one overlapping a rejected candidate
    (skipped_rejected), and a quote the document has a candidate for already
    (skipped_duplicate: a sentence repeated). The document holds at most
    EXTRACTION_MAX_CANDIDATES candidates: past that the best scored are stored and
    the rest counted (dropped_over_cap). Running it twice creates nothing the
    second time.
    """
    # One extraction per document at a time: the lock orders concurrent runs.
    document = Document.objects.select_for_update().get(pk=document_id)
    report = ExtractionReport(cap=settings.EXTRACTION_MAX_CANDIDATES)
    if not document.text:
        return report
    report.language = document_text_language(document)
    report.unsupported = unsupported_language_message(document)
    if report.unsupported:
        return report
    existing = list(
        document.candidates.values_list("quote_start", "quote_end", "state", "quote")
    )
    quotes = {_sentence_key(quote) for *_, quote in existing}
    rejected = _Spans(
        (s, e) for s, e, state, _ in existing if state == Candidate.State.REJECTED
    )
    covered = [
        (s, e) for s, e, state, _ in existing if state != Candidate.State.REJECTED
    ]
    for start, end, quote in Claim.objects.filter(document=document).values_list(
        "quote_start", "quote_end", "quote"
    ):
        # A claim not anchored yet still covers its quote.
        span = (start, end) if start is not None else locate_quote(document.text, quote)
        if span is not None:
            covered.append(span)
    claimed_or_proposed = _Spans(covered)
    new = []
    proposals = propose_candidates(
        document.text,
        metrics=Metric.objects.all(),
        language=report.language,
        reference=document.published_on,
    )
    for proposal in proposals:
        if claimed_or_proposed.meets(proposal.start, proposal.end):
            report.skipped_existing += 1
        elif rejected.meets(proposal.start, proposal.end):
            report.skipped_rejected += 1
        elif _sentence_key(proposal.quote) in quotes:
            report.skipped_duplicate += 1
        else:
            quotes.add(_sentence_key(proposal.quote))
            new.append(_candidate(document, proposal))
    room = max(report.cap - len(existing), 0)
    if len(new) > room:
        report.dropped_over_cap = len(new) - room
        best = sorted(new, key=lambda c: (-c.score, c.quote_start))[:room]
        new = sorted(best, key=lambda c: c.quote_start)
    report.candidates = bulk_create_with_history(new, Candidate)
    report.created = len(new)
    return report


def document_text_language(document: Document) -> str:
    """Return the language of the document's text (detected now if not stored yet)."""
    if not document.text:
        return ""
    return document.text_language or detect_document_language(document.text)


def unsupported_language_message(document: Document) -> str:
    """Return why extraction cannot read the document's language, or "" if it can."""
    language = document_text_language(document)
    if not language or language in SUPPORTED_LANGUAGES:
        return ""
    readable = ", ".join(LANGUAGE_NAMES.values())
    said = "could not be told" if language == "und" else f"reads as '{language}'"
    return (
        f"Document {document.pk}: no candidates proposed, the language of its text "
        f"{said}; extraction reads {readable} only."
    )


def _sentence_key(quote: str) -> str:
    """Return a quote as compared for repeats: spacing and case aside."""
    return " ".join(quote.split()).casefold()


def _candidate(document: Document, proposal: Proposal) -> Candidate:
    amount, change = proposal.amount, proposal.change
    if change is not None and not _storable_change(change.percent):
        change = None  # said in the reasons; too large or too fine for the column
    reasons = "; ".join(proposal.reasons)
    max_reasons = Candidate._meta.get_field("reasons").max_length
    if max_reasons is not None and len(reasons) > max_reasons:
        reasons = reasons[: max_reasons - 1] + "…"
    return Candidate(
        document=document,
        quote=proposal.quote,
        quote_start=proposal.start,
        quote_end=proposal.end,
        sentence=proposal.sentence,
        value=amount.value if amount else None,
        value_upper=amount.value_upper if amount else None,
        unit=amount.unit if amount else "",
        comparator=amount.comparator if amount else "exact",
        # propose_candidates is given Metric rows, so it suggests one of them.
        suggested_metric=cast("Metric | None", proposal.metric),
        score=proposal.score,
        reasons=reasons,
        **_period_fields(proposal.period),
        change_percent=change.percent if change else None,
        change_comparator=change.comparator if change else Comparator.EXACT,
        language=proposal.language,
    )


def _storable_change(percent: Decimal | None) -> bool:
    if percent is None or abs(percent) >= LARGEST_CHANGE:
        return False
    exponent = percent.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -CHANGE_DECIMAL_PLACES


def _period_fields(period: Period | None) -> dict[str, Any]:
    if period is None:
        return {}
    resolution_length = Candidate._meta.get_field("period_resolution").max_length
    return {
        "period_start": period.start,
        "period_end": period.end,
        "period_label": period.label[:200],
        "period_resolution": period.resolution[: resolution_length or None],
    }


def candidate_span(candidate: Candidate, quote: str) -> tuple[int, int]:
    """Return where an edited quote sits in the candidate's document, or refuse it."""
    span = locate_quote(candidate.document.text, quote)
    if span is None:
        raise ValidationError({"quote": "The quote does not appear in the document."})
    clash = Candidate.objects.filter(
        document_id=candidate.document_id, quote_start=span[0], quote_end=span[1]
    ).exclude(pk=candidate.pk)
    first = clash.first()
    if first is not None:
        raise ValidationError(
            {"quote": f"Candidate {first.pk} already has this quote."}
        )
    return span


@transaction.atomic
def candidate_save(*, candidate: Candidate) -> Candidate:
    """Store an edited candidate, re-anchoring its quote in the document's text."""
    candidate.quote = candidate.quote.strip()
    candidate.quote_start, candidate.quote_end = candidate_span(
        candidate, candidate.quote
    )
    candidate.full_clean()
    candidate.save()
    return candidate


@transaction.atomic
def accept_candidate(
    *,
    candidate: Candidate,
    by: Actor = None,
    text: str | None = None,
    metric: Metric | None = None,
    speaker: Person | None = None,
    speaker_role: str = "",
    period_label: str = "",
) -> Claim:
    """Make a claim of a candidate (origin extracted, unverified) and mark it accepted.

    The claim takes the candidate's quote (verbatim, in its language), figure,
    change, period and document (see claim_figure_of_candidate); its text is the
    sentence unless `text` is given (an editor may restate a Russian or Persian quote
    in English); its metric is `metric` or else the suggested one; a `period_label`
    given replaces the candidate's period, read against the document's date.
    A rejected candidate may still be accepted (an editor changing their mind).
    Raises ValidationError when the claim breaks a rule (claims.services.claim_save)
    or the candidate was accepted before, PermissionDenied when `by` may not add
    claims.
    """
    stored = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if stored.state == Candidate.State.ACCEPTED:
        raise ValidationError(
            f"Candidate {candidate.pk} was already accepted as claim {stored.claim_id}."
        )
    document = candidate.document
    span = locate_quote(document.text, candidate.quote)
    if period_label.strip():
        period = {
            "period_label": period_label,
            **written_figure_fields(
                period_label=period_label, reference=document.published_on
            ),
        }
    else:
        period = {
            "period_start": candidate.period_start,
            "period_end": candidate.period_end,
            "period_label": candidate.period_label,
            "period_resolution": candidate.period_resolution,
        }
    claim = Claim(
        text=(text or candidate.sentence or candidate.quote).strip(),
        quote=candidate.quote,
        document=document,
        speaker=speaker,
        speaker_role=speaker_role,
        status=Status.UNVERIFIED,
        metric=metric or candidate.suggested_metric,
        **claim_figure_of_candidate(candidate),
        **period,
        quote_start=span[0] if span else None,
        quote_end=span[1] if span else None,
        origin=Claim.Origin.EXTRACTED,
    )
    claim_save(claim=claim, by=by, change_reason="Accepted from an extracted candidate")
    candidate.state = Candidate.State.ACCEPTED
    candidate.claim = claim
    candidate.decided_at = timezone.now()
    candidate.decided_by = acting_user(by)
    candidate.save(update_fields=["state", "claim", "decided_at", "decided_by"])
    record_claim_events(
        [
            ClaimChange(
                claim.pk,
                "claim.created",
                f"Created from candidate {candidate.pk}, extracted from its document.",
            )
        ]
    )
    return claim


def claim_figure_of_candidate(candidate: Candidate) -> dict[str, Any]:
    """Return the figure and change a claim made of `candidate` states.

    A candidate's figure with a change beside it is the value the change led to:
    "вырос на 36,4% и составил 3,3 млрд долларов" is $3.3 billion with
    change_percent +36.4. When the figure is the change itself ("снизился на 6,5%":
    6.5%, change -6.5), or there is no figure ("ده برابر شد", +900%), the claim
    states the change: its value is the signed percent, as a claim on a change
    metric stores it (-6.5%).
    """
    fields: dict[str, Any] = {
        "value": candidate.value,
        "value_upper": candidate.value_upper,
        "unit": candidate.unit,
        "comparator": candidate.comparator,
        "change_percent": None,
        "change_comparator": Comparator.EXACT,
    }
    change = candidate.change_percent
    if change is None:
        return fields
    figure_is_change = candidate.value is None or (
        candidate.unit == "percent"
        and candidate.value_upper is None
        and abs(candidate.value) == abs(change)
    )
    if figure_is_change:
        fields.update(
            value=change,
            value_upper=None,
            unit="percent",
            comparator=(
                candidate.change_comparator
                if candidate.value is None
                else candidate.comparator
            ),
        )
    else:
        fields.update(
            change_percent=change, change_comparator=candidate.change_comparator
        )
    return fields


@transaction.atomic
def reject_candidates(*, candidates: Iterable[Candidate], by: Actor = None) -> int:
    """Mark the proposed ones among `candidates` rejected; return how many were."""
    pks: QuerySet[Candidate, dict[str, Any]] | list[int]
    if isinstance(candidates, QuerySet):
        pks = candidates.order_by().values("pk")
    else:
        pks = [candidate.pk for candidate in candidates]
    rejected = list(
        Candidate.objects.select_for_update().filter(
            pk__in=pks, state=Candidate.State.PROPOSED
        )
    )
    decided_at, decided_by = timezone.now(), acting_user(by)
    for candidate in rejected:
        candidate.state = Candidate.State.REJECTED
        candidate.decided_at, candidate.decided_by = decided_at, decided_by
    # With a history row each, as every change an editor makes.
    bulk_update_with_history(
        rejected,
        Candidate,
        ["state", "decided_at", "decided_by"],
        default_user=decided_by,
    )
    return len(rejected)


@dataclass
class Acceptance:
    """What accepting a candidate did: the claim it stands for, and any link made."""

    claim: Claim
    created: bool
    link: ClaimLink | None = None


@transaction.atomic
def accept_candidate_linked(
    *,
    candidate: Candidate,
    link_to: Claim,
    relation: str,
    by: Any = None,
    **edits: Any,
) -> Acceptance:
    """Accept a candidate that repeats or answers a stored claim, not as a duplicate.

    relation "same_claim": no claim is made; the candidate is accepted as `link_to`
    (refused when `link_to` already came from another candidate). Any other
    ClaimLink relation ("contradicts", "corroborates", "updates"): the candidate
    becomes a claim (as accept_candidate) linked to `link_to` with that relation.
    """
    if relation not in ClaimLink.Relation.values:
        choices = ", ".join(ClaimLink.Relation.values)
        raise ValidationError({"relation": f"Use one of {choices}."})
    if relation != ClaimLink.Relation.SAME_CLAIM:
        claim = accept_candidate(candidate=candidate, by=by, **edits)
        link = claim_link_save(
            link=ClaimLink(from_claim=claim, to_claim=link_to, relation=relation),
            by=by,
        )
        return Acceptance(claim=claim, created=True, link=link)
    stored = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if stored.state == Candidate.State.ACCEPTED:
        raise ValidationError(
            f"Candidate {candidate.pk} was already accepted as claim {stored.claim_id}."
        )
    taken = Candidate.objects.filter(claim=link_to).exclude(pk=candidate.pk).first()
    if taken is not None:
        raise ValidationError(
            {
                "link_to": f"Claim {link_to.pk} came from candidate {taken.pk}; "
                "reject this candidate as its duplicate instead."
            }
        )
    candidate.state = Candidate.State.ACCEPTED
    candidate.claim = link_to
    candidate.decided_at = timezone.now()
    candidate.decided_by = acting_user(by)
    candidate.save(update_fields=["state", "claim", "decided_at", "decided_by"])
    return Acceptance(claim=link_to, created=False)
