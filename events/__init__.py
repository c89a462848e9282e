"""Events: every change that matters to a reader or a partner, written with the change.

A transactional outbox: `record_event()` writes an Event row in the transaction of
the change it describes, so an event exists if and only if its change committed.
The feed (`/api/v1/events/`), the Atom feed of verdicts and the webhooks read these
rows; nothing here knows claims: the apps that make changes describe them (type,
URL, version, public body) and this app keeps and serves them.
"""
