"""The engine's refusals, in the user's language.

The engine is pure Python and writes its ``CommandRejected`` messages in English. The ones that
participants meet (publishing, drafts, joining) are recognised here and said again through the
catalog when the user reads another language; any other message is shown as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext

from .i18n import current_language


def _status(word: str) -> str:
    return {
        "draft": gettext("not started yet"),
        "running": gettext("running"),
        "paused": gettext("paused"),
        "ended": gettext("over"),
    }.get(word, word)


def _doing(what: str) -> str | None:
    return {
        "publish a reply": gettext("You cannot publish a reply: the exercise is %(status)s."),
        "review a draft": gettext("You cannot review a draft: the exercise is %(status)s."),
        "join": gettext("You cannot join: the exercise is %(status)s."),
    }.get(what)


def _not_now(m: re.Match[str]) -> str | None:
    template = _doing(m["doing"])
    return template % {"status": _status(m["status"])} if template else None


RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]]] = [
    (re.compile(r"cannot (?P<doing>.+): the exercise is (?P<status>\w+)"), _not_now),
    (re.compile(r"a reply cannot be empty"), lambda m: gettext("A reply cannot be empty.")),
    (
        re.compile(r"a \w+ reply on \w+ is limited to (?P<limit>\d+) characters; this one has (?P<n>\d+)"),
        lambda m: (
            gettext("This reply is limited to %(limit)s characters; it has %(n)s.")
            % {"limit": m["limit"], "n": m["n"]}
        ),
    ),
    (
        re.compile(r"inject '(?P<id>[^']*)' was not delivered to this team"),
        lambda m: gettext("The post %(id)s was not delivered to your team.") % {"id": m["id"]},
    ),
    (
        re.compile(r"press statements are drafted by your team's spokesperson"),
        lambda m: gettext(
            "Press statements are drafted by your team's spokesperson (or published by a lead)."
        ),
    ),
    (
        re.compile(r"only the team's lead approves drafts"),
        lambda m: gettext("Only the team's lead approves drafts."),
    ),
    (
        re.compile(r"this draft was already (?P<status>\w+) by (?P<name>.+)"),
        lambda m: gettext("This draft was already reviewed by %(name)s.") % {"name": m["name"]},
    ),
    (
        re.compile(r"say why the draft is rejected"),
        lambda m: gettext("Say why the draft is rejected: a comment is required."),
    ),
    (
        re.compile(r"a review comment is at most 500 characters"),
        lambda m: gettext("A review comment is at most 500 characters."),
    ),
    (
        re.compile(r"the edited text is the same as the draft"),
        lambda m: gettext("The edited text is the same as the draft: approve it instead."),
    ),
    (
        re.compile(r"display name must be 1 to (?P<max>\d+) characters"),
        lambda m: gettext("Your name must be 1 to %(max)s characters.") % {"max": m["max"]},
    ),
    (re.compile(r"unknown role"), lambda m: gettext("Choose one of the roles offered.")),
]


def localised(message: str) -> str:
    """``message`` in the user's language when it is one participants meet, else as it is."""
    if current_language() == "en":
        return message
    for pattern, say in RULES:
        match = pattern.match(message)
        if match:
            said = say(match)
            if said:
                return said
    return message
