"""Russian and Persian figure words for matching: the shared reading, re-exported.

The rules live in claims.figures.languages, where candidate extraction reads them
too, so a figure is read the same way when it is proposed and when it is matched.
"""

from ..figures.languages import detect_language, to_english_figures

__all__ = ["detect_language", "to_english_figures"]
