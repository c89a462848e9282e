"""Find check-worthy sentences in a text: the rules of extraction, pure (no ORM).

The rules are plain and listed here, so an editor can see why a sentence was proposed
(each candidate's `reasons`) and a developer can see what to change:

1. The text is split into sentences: blank lines and short lines (headings, bylines,
   page furniture) end a block; inside a block a sentence ends at . ! or ? followed by
   a capital, a digit or an opening quote, except after a title or similar ("Dr.",
   "No. 5", "Jan. 5"), an initial ("John F. Kennedy"), or an abbreviation such as
   "U.S." or "Inc." unless a word that starts sentences ("The", "It") follows.
   Decimals ("5.3") never split. A "sentence" longer than `MAX_SENTENCE` characters
   (a table flattened into one line, a text without full stops) is cut at the last
   clause boundary ("; ", ", ", " – ") or else the last whitespace before that bound,
   and hard at the bound when there is none, so every later step works on pieces of
   bounded length.
2. Page furniture is not a claim: copyright lines, contact lines (Tel:, Fax:, e-mail),
   "Follow X on Twitter", citation lines, addresses, navigation words ("Most recent"),
   and anything with fewer than `MIN_WORDS` words once URLs, e-mail addresses, phone
   numbers and handles are masked.
3. A sentence is scored from what it states (`WEIGHTS`): a figure (money, percent,
   a count of things, read by `claims.figures.quantities.find_amounts`; years are not
   figures, nor is "the two countries"), a ranking ("the country's largest",
   "second-biggest", "the 10th meeting", "for the first time"), a dated event (a date
   and an event verb: "signed in November", "went online in 2011"); a named source
   ("according to", "said") and a comparison or trend word ("increase", "more than",
   "record") add to a sentence that has one of those three. Below `MIN_SCORE`
   nothing is proposed.
4. A sentence with several figures is cut at the strongest clause boundary between
   each two of them ("; ", ", while", " and "), so each figure gets its own quote.
5. A metric is suggested when most words of its name and slug appear in the quote
   and its unit is the figure's unit (`suggest_metric`).

The cost is linear in the length of the text: sentences are of bounded length, no
rule reads more than `_LOOK_BEHIND` characters before a figure ("the two", "No. 1"),
the token before a full stop is read back to its start only; `find_amounts` likewise.
"""
