"""Figures as pure values: amounts, periods, intervals and their comparison.

Nothing here touches the database or Django's settings: parsing what a text says
(`quantities`, `periods`, `written`), writing it back (`formatting`), the values a
figure allows (`intervals`) and which figures conflict (`comparison`, `holds`).
Callers pass in what they read elsewhere (the tolerance, a metric's kind).
"""
