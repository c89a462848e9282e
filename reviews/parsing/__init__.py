"""Pure reading of published fact-checks: no ORM, no settings (mypy strict).

`records` turns one ClaimReview (or MediaReview, or a Google `claims:search` review)
into a ReviewRecord; `formats` streams the records of a file in each known shape;
`ratings` holds the crosswalk of published ratings to our statuses; `validation`
holds Google's documented ClaimReview rules.
"""
