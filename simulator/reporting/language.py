"""The report in the reader's language: numbers, dates, score reasons and scorecards.

Scoring explains every point in English with a stable code and its parameters (``scoring.reasons``);
this module renders those codes with the message catalog (``simulator.translations``), the same one the
web pages use, so a French exercise gets a French report from the web, the command line or a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal

from scoring.reasons import render_phrase

from ..translations import DEFAULT_LANGUAGE, supported_language, translations

DATETIME_FORMATS = {"en": "yyyy-MM-dd HH:mm", "fr": "d MMM y, HH:mm"}  # CLDR patterns, shown in UTC


def language_of(value: object) -> str:
    return supported_language(value) or DEFAULT_LANGUAGE


def gettext_of(language: str) -> Callable[[str], str]:
    return translations(language_of(language)).gettext


def number(language: str) -> Callable[[Any, int], str]:
    """``value`` with ``digits`` decimals: "12.5" in English, "12,5" in French (rounded as ``%.1f``)."""

    def render(value: Any, digits: int = 1) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "—"
        pattern = "0." + "0" * digits if digits else "0"
        return format_decimal(round(value, digits), pattern, locale=language_of(language))

    return render


def when(language: str) -> Callable[[Any], str]:
    """An ISO timestamp as a UTC date and time ("2024-05-01 09:30", "1 mai 2024, 09:30")."""

    def render(value: Any) -> str:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if not isinstance(value, datetime):
            return "" if value is None else str(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        code = language_of(language)
        return format_datetime(value, DATETIME_FORMATS[code], tzinfo=UTC, locale=code)

    return render


def explain(reason: dict[str, Any], language: str) -> str:
    """A score reason in ``language``: its code rendered with the catalog, or its English ``why``."""
    code = reason.get("code")
    if not code:
        return reason.get("why", "")
    return render_phrase({"code": code, "params": reason.get("params") or {}}, gettext_of(language))


def localise_reasons(reasons: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Copies of ``reasons`` whose ``why`` is in ``language``."""
    return [{**r, "why": explain(r, language)} for r in reasons]


def N_(message: str) -> str:
    """Marks a message for the translation catalog (``babel.cfg`` extracts ``N_`` calls)."""
    return message


# What the report says about the public mood and the crowd's reactions: code -> English message, filled
# with plain parameters (names, ids, quotes, durations such as "3m"); the model keeps code and params, so
# ``translated`` can say the same in another language.
DEBRIEF_MESSAGES: dict[str, str] = {
    # why a team's public mood moved (report["mood"], docs/report-format.md)
    "mood.post": N_("post {inject} from {who} went unanswered for {duration}"),
    "mood.post_open": N_("post {inject} from {who} still unanswered after {duration}"),
    "mood.reply": N_("reply to {inject}"),
    "mood.reply_key_point": N_("reply to {inject} covering 1 key point"),
    "mood.reply_key_points": N_("reply to {inject} covering {count} key points"),
    "mood.red_flag": N_("red flag '{flags}' in the reply to {inject}"),
    "mood.reaction": N_("reaction: {who}: “{text}”"),
    # why an automatic reaction was planned (report["reactions"][].why)
    "reaction.covers_key_points": N_("the reply covered {covered} of {total} key points"),
    "reaction.red_flag": N_("the reply raised the red flag '{flags}'"),
    "reaction.vague": N_("the reply covered none of the key points"),
    "reaction.feeds_troll": N_("the reply answered a troll"),
    "reaction.any_reply": N_("the team published a reply"),
}


def say(phrase: dict[str, Any], language: str) -> str:
    """A ``{"code", "params"}`` phrase of ``DEBRIEF_MESSAGES`` in ``language`` (the code itself when
    unknown, so a newer log still reads)."""
    code = str(phrase.get("code") or "")
    message = DEBRIEF_MESSAGES.get(code)
    if message is None:
        return code
    params = phrase.get("params") or {}
    try:
        return gettext_of(language)(message).format(**params)
    except (KeyError, IndexError, ValueError):
        return message.format_map(_Missing(params))


class _Missing(dict[str, Any]):
    """Format values that leave a missing parameter as its ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
