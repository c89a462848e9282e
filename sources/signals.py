"""What the sources app tells other apps, without knowing them.

`text_attached` is sent inside the storing transaction when ingest attaches a text to
a document that had none (claims may already quote it); `document` is the document.
A receiver may return a sources.anchoring.AnchorReport, which ingest passes on in its
result. (claims anchors its quotes in the text: claims.receivers.)
"""

from django.dispatch import Signal

text_attached = Signal()
