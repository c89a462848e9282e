"""Count the characters a module's regular expressions are given to read.

A deterministic stand-in for timing: `regex_work(monkeypatch, module)` wraps every
compiled pattern the module holds (alone or in a list, and the patterns of a cached
`_patterns()` such as claims.figures.quantities builds) and its `re` module functions,
and
adds up what each call reads at least: a search, finditer, findall or sub tries every
position from `pos` to `endpos`, so it counts `endpos - pos`; a match counts the
characters it matched (one when it fails); a call of the `re` module's functions
counts the whole string it is given, which the caller often sliced for it
(`re.search(pattern, text[:i])`). Work that grows as the square of a text's length
shows as a count that quadruples when the text doubles.
"""

import dataclasses
import re
import sys


class RegexWork:
    """The number of calls of the wrapped patterns and the characters they read."""

    def __init__(self):
        self.calls = 0
        self.characters = 0

    def add(self, characters: int) -> None:
        self.calls += 1
        self.characters += max(0, characters)

    def reset(self) -> None:
        self.calls = self.characters = 0


def _span(string, pos: int, endpos: int) -> int:
    return min(endpos, len(string)) - pos


class _CountingPattern:
    def __init__(self, pattern: re.Pattern, work: RegexWork):
        self._pattern = pattern
        self._work = work

    def __getattr__(self, name):
        return getattr(self._pattern, name)

    def search(self, string, pos=0, endpos=sys.maxsize):
        self._work.add(_span(string, pos, endpos))
        return self._pattern.search(string, pos, endpos)

    def match(self, string, pos=0, endpos=sys.maxsize):
        found = self._pattern.match(string, pos, endpos)
        self._work.add(found.end() - pos if found else 1)
        return found

    def fullmatch(self, string, pos=0, endpos=sys.maxsize):
        found = self._pattern.fullmatch(string, pos, endpos)
        self._work.add(found.end() - pos if found else 1)
        return found

    def finditer(self, string, pos=0, endpos=sys.maxsize):
        self._work.add(_span(string, pos, endpos))
        return self._pattern.finditer(string, pos, endpos)

    def findall(self, string, pos=0, endpos=sys.maxsize):
        self._work.add(_span(string, pos, endpos))
        return self._pattern.findall(string, pos, endpos)

    def sub(self, repl, string, count=0):
        self._work.add(len(string))
        return self._pattern.sub(repl, string, count)

    def split(self, string, maxsplit=0):
        self._work.add(len(string))
        return self._pattern.split(string, maxsplit)


class _CountingRe:
    """The `re` module, with its search functions counted."""

    def __init__(self, work: RegexWork):
        self._work = work

    def __getattr__(self, name):
        return getattr(re, name)

    def _compiled(self, pattern, flags, string):
        self._work.add(len(string))
        return re.compile(pattern, flags)

    def search(self, pattern, string, flags=0):
        return self._compiled(pattern, flags, string).search(string)

    def match(self, pattern, string, flags=0):
        return self._compiled(pattern, flags, string).match(string)

    def fullmatch(self, pattern, string, flags=0):
        return self._compiled(pattern, flags, string).fullmatch(string)

    def finditer(self, pattern, string, flags=0):
        return self._compiled(pattern, flags, string).finditer(string)

    def findall(self, pattern, string, flags=0):
        return self._compiled(pattern, flags, string).findall(string)

    def sub(self, pattern, repl, string, count=0, flags=0):
        return self._compiled(pattern, flags, string).sub(repl, string, count)

    def split(self, pattern, string, maxsplit=0, flags=0):
        return self._compiled(pattern, flags, string).split(string, maxsplit)


def regex_work(monkeypatch, *modules) -> RegexWork:
    """Count the regular-expression work of `modules` until the test ends."""
    work = RegexWork()
    for module in modules:
        for name, value in list(vars(module).items()):
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(module, name, _CountingPattern(value, work))
            elif (
                isinstance(value, list)
                and value
                and all(isinstance(item, re.Pattern) for item in value)
            ):
                wrapped = [_CountingPattern(item, work) for item in value]
                monkeypatch.setattr(module, name, wrapped)
            elif value is re:
                monkeypatch.setattr(module, name, _CountingRe(work))
        build = getattr(module, "_patterns", None)
        if build is not None:
            # Built once and cached: wrap what it built.
            built = build()
            counted = dataclasses.replace(
                built,
                **{
                    field.name: _CountingPattern(getattr(built, field.name), work)
                    for field in dataclasses.fields(built)
                },
            )
            monkeypatch.setattr(module, "_patterns", lambda counted=counted: counted)
    return work
