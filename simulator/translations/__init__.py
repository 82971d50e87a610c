"""The message catalogs (gettext) of every surface: web pages, scripts' strings, reports and scores.

``fr/LC_MESSAGES/messages.po`` is the source, kept in git; ``make translations`` extracts the messages
(``babel.cfg``), updates the catalog and compiles the ``.mo`` files that are read at run time
(``make setup`` compiles them too). English is the source language: it needs no catalog.

The web layer reads the catalogs through Flask-Babel; this module serves everything that renders
without a request (report exports from the command line, PDF files), with the same catalogs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "fr")  # the interface languages; the first is the default
DEFAULT_LANGUAGE = LANGUAGES[0]


def supported_language(value: object) -> str | None:
    """``value`` when it names an interface language ("fr", "fr-FR", "FR"), as its short code; else None."""
    if not isinstance(value, str):
        return None
    code = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of ``language`` (English, or a missing catalog: the messages as written)."""
    if supported_language(language) in (None, DEFAULT_LANGUAGE):
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language])
