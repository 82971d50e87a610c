"""The unit of explanation: every point given or taken, with why.

A reason's ``why`` is English text, built from a stable ``code`` and its ``params`` (a ``Phrase``), so
a presentation layer can say the same in another language: it looks the code's English message up in
its own catalog (``MESSAGES`` are the msgids) and fills in the parameters, which are plain values
(names, quotes, clock times such as "1m30s") or nested phrases. Scoring itself stays English and pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a message for the translation catalog (``babel.cfg`` extracts ``N_`` calls)."""
    return message


# code -> English message; ``{name}`` placeholders are filled with the phrase's parameters.
MESSAGES: dict[str, str] = {
    # speed
    "speed.never": N_("never answered {who} (reply window {window})"),
    "speed.late": N_("answered {who} in {response}, after the {window} reply window"),
    "speed.in_time": N_(
        "answered {who} in {response} (full marks within {target}, window {window}): {credit}%"
    ),
    "speed.answered": N_("answered {who} in {response}"),  # a speed.in_time reason without its details
    "who.microblog": N_("{possessive} microblog post"),
    "who.social": N_("{possessive} social post"),
    "who.news": N_("{possessive} article"),
    "who.email": N_("{possessive} email"),
    "who.phone": N_("{possessive} call"),
    "who.memo": N_("{possessive} memo"),
    "who.other": N_("{possessive} {channel} post"),
    # where a reply was published
    "where.public": N_("the {channel} reply at {at}"),
    "where.dm": N_("the direct message at {at}"),
    "where.statement": N_("the press statement at {at}"),
    "where.email": N_("the email at {at}"),
    "the_facilitator": N_("the facilitator"),
    # coverage
    "coverage.said": N_("said '{label}' ('{quote}')"),
    "coverage.missed": N_("missed '{label}'"),
    "coverage.never": N_("missed '{label}': never answered"),
    "coverage.marked_met": N_("'{label}' marked met by {author}: {comment}"),
    "coverage.marked_not_met": N_("'{label}' marked not met by {author}: {comment}"),
    # facts and contradictions
    "facts.more": N_("more than {n} disagreements: only the first are listed"),
    "facts.disagrees_sheet": N_("{where} disagrees with the facts sheet: {detail}"),
    "facts.disagrees_statement": N_("{where} disagrees with your holding statement: {detail}"),
    "detail.versus": N_("'{a}' vs '{b}'"),
    "detail.sheet_denies": N_("says '{quote}', the facts sheet says it is not so"),
    "detail.sheet_says": N_("says '{quote}', the facts sheet says '{fact}'"),
    "detail.stance_flip": N_("stance flip: {a} ('{quote_a}') vs {b} ('{quote_b}')"),
    "contradictions.more": N_("more than {n} contradictions: only the first are listed"),
    "contradictions.pair": N_("{first} and {second} contradict each other: {detail}"),
    "contradictions.flagged": N_("flagged as contradictory by {author}: {comment}"),
    # red flags
    "red_flags.raised": N_("{where}: {flag}"),
    "flag.rubric": N_("{label} ('{quote}')"),
    "flag.no_comment": N_("refuses to comment ('{quote}')"),
    "flag.blames_customers": N_("blames customers ('{quote}')"),
    "flag.sarcasm": N_("sarcasm ('{quote}')"),
    "flag.troll": N_("answered a troll ({name}): trolls are best ignored"),
    # tone
    "tone.notes": N_("{where}: {notes}"),
    "tone.no_empathy": N_("no empathy"),
    "tone.rude": N_("rude or condescending ('{quote}')"),
    "tone.form_letter": N_("form-letter wording ('{quote}')"),
    "tone.shouting": N_("shouting (capitals or '!!!')"),
    # facilitator
    "adjustment": N_("adjusted by {author}: {comment}"),
}
LIST_SEPARATOR = ", "  # between the items of a list parameter (tone notes)


@dataclass(frozen=True)
class Phrase:
    """A message code and its parameters; ``str()`` is the English text."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": {k: _param_to_data(v) for k, v in self.params}}

    def __str__(self) -> str:
        return render_phrase(self.to_dict())


def phrase(code: str, **params: Any) -> Phrase:
    """``Phrase(code, params)``; a parameter may be a value, a phrase or a tuple of phrases."""
    if code not in MESSAGES:
        raise KeyError(f"unknown reason code {code!r}")
    return Phrase(code, tuple(params.items()))


def _param_to_data(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_param_to_data(v) for v in value]
    return value


def render_phrase(data: Mapping[str, Any], translate: Callable[[str], str] = str) -> str:
    """The text of a phrase in its dict form (``{"code", "params"}``): ``translate`` maps each English
    message to the reader's language (a gettext function); nested phrases are rendered the same way."""
    values = {k: _render_value(v, translate) for k, v in (data.get("params") or {}).items()}
    return translate(MESSAGES[data["code"]]).format(**values)


def _render_value(value: Any, translate: Callable[[str], str]) -> Any:
    if isinstance(value, Mapping) and "code" in value:
        return render_phrase(value, translate)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(_render_value(v, translate)) for v in value)
    return value


@dataclass(frozen=True)
class Reason:
    inject_id: str | None
    criterion: str  # speed | coverage | facts | contradictions | red_flags | tone | adjustment
    points: float  # points earned (or, when negative, taken) on that criterion's 0-100 scale
    why: str | Phrase
    max_points: float | None = None
    reply_id: str | None = None
    code: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if isinstance(self.why, Phrase):
            object.__setattr__(self, "code", self.why.code)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "inject_id": self.inject_id,
            "criterion": self.criterion,
            "points": self.points,
            "why": str(self.why),
        }
        if self.max_points is not None:
            data["max_points"] = self.max_points
        if self.reply_id is not None:
            data["reply_id"] = self.reply_id
        if isinstance(self.why, Phrase):
            data.update(self.why.to_dict())
        return data
