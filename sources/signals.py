"""What the sources app tells other apps, without knowing them.

`text_attached` is sent inside the storing transaction when ingest attaches a text to
a document that had none (claims may already quote it), with `document` and `by`
(the user, or None). A receiver may return a Job (factcheck.jobs) it started on the
text; ingest passes them on in its result. (claims anchors its quotes in the text,
in a job: claims.receivers.)
"""

from django.dispatch import Signal

text_attached = Signal()
