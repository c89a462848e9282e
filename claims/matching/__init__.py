"""Pure claim matching (issue #17): "has this been checked before?"

No ORM and no settings: `languages` turns Russian and Persian numbers, units and
period words into the English the figure parser reads, `entities` finds the
countries, organisations and topics a text names (in English, Russian and Persian),
`query` reads a text's facts (figures, period, entities, words) and `scoring` compares
a query's facts with a stored claim's: a score from 0 to 1, a relation (same,
conflicting, related) and the reasons.
"""
