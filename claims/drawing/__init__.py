"""Pure drawing (no ORM, no settings): the SVG chart of a metric's figures."""
