"""Publish a reviewed claim as schema.org ClaimReview JSON-LD."""

from django.conf import settings
from django.utils import timezone

from sources.models import Document, format_date_with_precision

from .models import Claim, ClaimLink
from .ratings import BEST_RATING, WORST_RATING, rating_for


def claim_page_url(claim: Claim) -> str:
    return f"{settings.FACTCHECK_SITE_URL}/claims/{claim.pk}/"


def _appearance(document: Document) -> dict[str, object]:
    work: dict[str, object] = {"@type": "CreativeWork", "headline": document.title}
    if document.url:
        work["url"] = document.url
    if document.published_on:
        work["datePublished"] = document.published_display
    if document.publisher is not None:
        work["publisher"] = {"@type": "Organization", "name": document.publisher.name}
    return work


def appearances(claim: Claim) -> list[Document]:
    """Return the documents the claim appears in, earliest first.

    Its own document plus those of claims linked to it as the same claim; the caller
    prefetches `links_from` and `links_to` with their claims' documents.
    """
    documents = {claim.document_id: claim.document}
    for link in claim.links_from.all():
        if link.relation == ClaimLink.Relation.SAME_CLAIM:
            documents[link.to_claim.document_id] = link.to_claim.document
    for link in claim.links_to.all():
        if link.relation == ClaimLink.Relation.SAME_CLAIM:
            documents[link.from_claim.document_id] = link.from_claim.document
    return sorted(
        documents.values(),
        key=lambda document: (
            document.published_on is None,
            document.published_on,
            document.pk,
        ),
    )


def claim_review(claim: Claim) -> dict:
    """Return the ClaimReview JSON-LD of a claim that carries a verdict."""
    rating = rating_for(claim.status)
    review_rating = {
        "@type": "Rating",
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": rating.alternate_name,
        "ratingExplanation": claim.rationale,
    }
    # Disputed and unverifiable have no point on a true-false scale: label only.
    if rating.rating_value is not None:
        review_rating["ratingValue"] = rating.rating_value

    if claim.speaker is not None:
        claimant = {"@type": "Person", "name": claim.speaker.name}
        if claim.speaker_role:
            claimant["jobTitle"] = claim.speaker_role
    elif claim.document.publisher is not None:
        claimant = {"@type": "Organization", "name": claim.document.publisher.name}
    else:
        claimant = {"@type": "Organization", "name": claim.document.title}

    documents = [_appearance(document) for document in appearances(claim)]
    revised = claim.reviewed_at or claim.updated_at
    published = claim.first_reviewed_at or revised
    if claim.corrected_at is not None and claim.corrected_at > revised:
        # A reviewer corrected what the review shows (claims.services.corrections):
        # modified, not published again.
        revised = claim.corrected_at
    item = {
        "@type": "Claim",
        "author": claimant,
        "appearance": documents,
        "firstAppearance": documents[0],
    }
    if claim.claimed_on:
        item["datePublished"] = format_date_with_precision(
            claim.claimed_on, claim.claimed_precision
        )
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_page_url(claim),
        "claimReviewed": claim.text,
        "datePublished": published.date().isoformat(),
        # When the verdict was last set or revised (its rationale, or a new verdict
        # after the claim was reopened) or what it shows was corrected: later than
        # datePublished once revised.
        "dateModified": timezone.localtime(revised).isoformat(timespec="seconds"),
        "author": {
            "@type": "Organization",
            "name": settings.FACTCHECK_ORGANIZATION_NAME,
            "url": settings.FACTCHECK_SITE_URL + "/",
        },
        "reviewRating": review_rating,
        "itemReviewed": item,
    }
