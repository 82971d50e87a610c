"""Does a reply say one of a rubric's phrases? The policy is in ``scoring.text`` (tolerant of case,
accents, punctuation, inflection and small typos). The engine uses ``first_match`` to fire red-flag
escalations, so a flag that escalates is the same flag the report counts."""

from __future__ import annotations

from collections.abc import Iterable

from .text import Text


def says(text: str, phrase: str, language: str = "en") -> bool:
    """True when ``text`` says ``phrase``."""
    return Text(text, language).says(phrase) is not None


def first_match(text: str, phrases: Iterable[str], language: str = "en") -> str | None:
    """The first of ``phrases`` that ``text`` says, or None."""
    return first_matches(text, [phrases], language)[0]


def first_matches(text: str, groups: Iterable[Iterable[str]], language: str = "en") -> list[str | None]:
    """For each group of phrases, the first one ``text`` says, or None; ``text`` is prepared once."""
    prepared = Text(text, language)
    return [found.phrase if (found := prepared.first(phrases)) else None for phrases in groups]
