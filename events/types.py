"""The event types: one documented list of dotted names (docs/events.md).

A type names what changed (`claim.verdict.published`), never how it was delivered.
Consumers filter on these names (the feed's `type`, a webhook's `event_types`), so a
name once published is never renamed: add a new one instead.
"""

EVENT_TYPES: dict[str, str] = {
    "claim.verdict.published": "A reviewer set a verdict on a claim that had none.",
    "claim.verdict.revised": "A reviewer changed a published verdict or its rationale.",
    "claim.verdict.withdrawn": (
        "A published verdict was withdrawn: the claim went back to review."
    ),
    "claim.verdict.confirmed": (
        "A reviewer confirmed a verdict flagged for re-check, with a note."
    ),
    "claim.created": "A claim was created from an import or an accepted candidate.",
    "claim.recheck.flagged": (
        "A claim with a published verdict needs re-checking: something it rests on"
        " changed (the reason says what)."
    ),
    "claim.evidence.added": "Evidence was added to a claim with a verdict.",
    "claim.evidence.removed": "Evidence was removed from a claim with a verdict.",
    "claim.conflict.detected": "A conflict involving a claim with a verdict was found.",
    "claim.conflict.resolved": (
        "A conflict involving a claim with a verdict no longer holds."
    ),
    "claim.official.changed": (
        "The official record's assessment of a claim's figure changed."
    ),
    "claim.review.matched": (
        "An external fact-check matched one of our claims with a different rating."
    ),
}

TYPE_MAX_LENGTH = 64
# As choices (the model field, the OpenAPI schema's EventTypeEnum).
EVENT_TYPE_CHOICES = [(name, name) for name in EVENT_TYPES]


def is_event_type(name: str) -> bool:
    return name in EVENT_TYPES
