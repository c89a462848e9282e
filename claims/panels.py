"""Panels other apps add to a claim's public page; claims imports none of them.

An app that depends on claims registers a function (claim -> HTML, escaped by the
app) in its AppConfig.ready(); the claim page shows what each returns, in order.
The series app's "What the official record says" is one.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from .models import Claim

ClaimPanel = Callable[["Claim"], SafeString]

_panels: list[ClaimPanel] = []


def register_claim_panel(panel: ClaimPanel) -> None:
    """Add a panel to every claim page (once, however often it is registered)."""
    if panel not in _panels:
        _panels.append(panel)


def claim_panels(claim: "Claim") -> list[SafeString]:
    """Return the registered panels' HTML for `claim`, empty ones left out."""
    return [html for panel in _panels if (html := panel(claim))]
