"""Phrase matching between replies and rubric phrases.

Policy: a phrase matches when its words appear in the reply, in order and contiguously, after both are
normalised (case folded, accents removed, apostrophes and punctuation turned into spaces, whitespace
collapsed). "No comment" thus matches "No-comment." and "aucun commentaire" matches "Aucun
Commentaire !". Matching is on whole words, so "ban" does not match "banana".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces, padded with spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + _NON_WORD.sub(" ", stripped).strip() + " "


def says(text: str, phrase: str) -> bool:
    """True when ``text`` contains ``phrase`` as whole words (see module policy)."""
    needle = normalise(phrase)
    return needle.strip() != "" and needle in normalise(text)


def first_match(text: str, phrases: Iterable[str]) -> str | None:
    """The first of ``phrases`` that ``text`` says, or None."""
    haystack = normalise(text)
    for phrase in phrases:
        needle = normalise(phrase)
        if needle.strip() and needle in haystack:
            return phrase
    return None
