"""The claims app's admin, one module per part of the domain; importing registers."""

from . import candidates, claims, deleted, links, metrics

__all__ = ["candidates", "claims", "deleted", "links", "metrics"]
