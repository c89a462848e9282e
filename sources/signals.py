"""What the sources app tells other apps, without knowing them.

`text_attached` is sent inside the storing transaction when ingest attaches a text to
a document that had none (claims may already quote it), with `document` and `by`
(the user, or None). A receiver may return a Job (factcheck.jobs) it started on the
text; ingest passes them on in its result. (claims anchors its quotes in the text,
in a job: claims.receivers.)

`source_changing` is sent before a change to a stored publisher, person or document
is saved (sources.services.source_save), with `instance` (holding the new values),
`changed` (a frozenset of the names of the fields whose values change), `by` (the
user; None is the system), `reason` (why, as the user gave it; may be empty) and
`apply`: False when a form only asks whether the change is allowed, True inside the
storing transaction, where a receiver may record the change's effects. A receiver
refuses the change by raising PermissionDenied (factcheck.services.ChangeRefused
names the fields). (claims: what a published verdict shows changes only with a
reviewer, and is recorded on the claims as a correction: claims.receivers.)
"""

from django.dispatch import Signal

text_attached = Signal()
source_changing = Signal()
