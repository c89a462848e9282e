"""The claims app's models, one module per part of the domain."""

from ..figures.comparators import Comparator
from .candidates import Candidate
from .claims import Claim, ClaimQuerySet
from .figures import LARGEST_FIGURE, StatedFigure
from .imports import ClaimImport
from .links import ClaimLink, Evidence
from .metrics import Metric
from .versions import RepresentationVersion, ResourceVersion

__all__ = [
    "LARGEST_FIGURE",
    "Candidate",
    "Claim",
    "ClaimImport",
    "ClaimLink",
    "ClaimQuerySet",
    "Comparator",
    "Evidence",
    "Metric",
    "RepresentationVersion",
    "ResourceVersion",
    "StatedFigure",
]
