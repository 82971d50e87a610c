"""The interface language: Flask-Babel, the locale of each request, the language switcher and the
strings the scripts need.

Which language a page is in, first match wins:
1. the user's own choice: the switcher's ``?lang=fr|en`` link (any GET page) stores it in the ``lang``
   cookie and redirects to the same page without the parameter;
2. the exercise's language (its scenario's ``language``), for the pages of one exercise: team screens,
   projector, console, scores, report, replay, join sheet (views call ``use_exercise_language``);
3. the browser's ``Accept-Language``;
4. English.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import (
    Babel,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    pgettext,
    refresh,
)
from werkzeug.datastructures import MultiDict

from ..translations import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS_DIR, supported_language
from .js_strings import JS_STRINGS

COOKIE = "lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language: never translated
DATETIME_FORMATS = {"en": "yyyy-MM-dd HH:mm", "fr": "d MMM y, HH:mm"}  # CLDR patterns, UTC

babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_choice)
    app.context_processor(_template_context)
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["decimal"] = format_number


def select_locale() -> str:
    """The language of the current request (the order is in the module's docstring)."""
    return (
        supported_language(request.cookies.get(COOKIE))
        or supported_language(g.get("exercise_language"))
        or request.accept_languages.best_match(LANGUAGES)
        or DEFAULT_LANGUAGE
    )


def use_exercise_language(language: str) -> None:
    """Pages of one exercise speak its scenario's language unless the user chose another one."""
    g.exercise_language = language
    refresh()  # the locale may have been computed already (a flash message, an error)


def current_language() -> str:
    locale = get_locale()
    return supported_language(locale.language if locale else None) or DEFAULT_LANGUAGE


def remember_choice() -> ResponseReturnValue | None:
    """``GET …?lang=fr``: remember the choice in a cookie and show the same page without the parameter."""
    if request.method not in ("GET", "HEAD") or "lang" not in request.args:
        return None
    args = MultiDict(request.args)
    chosen = supported_language(args.pop("lang"))
    rest = _quoted(args)
    response = redirect(request.path + (f"?{rest}" if rest else ""))
    if chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE_S,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


def _quoted(args: MultiDict) -> str:
    return urlencode(list(args.items(multi=True)))


def language_links() -> list[dict[str, Any]]:
    """The switcher: one link per interface language, to the current page in that language."""
    here = current_language()
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": f"{request.path}?{_quoted(MultiDict([*_other_args(), ('lang', code)]))}",
            "current": code == here,
        }
        for code in LANGUAGES
    ]


def _other_args() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]


def js_strings(surface: str) -> dict[str, str]:
    """The strings of one script (``static/js/<surface>.js``), in the page's language: the scripts
    read them from a ``data-i18n`` JSON attribute, so the server's catalog is the only place they are
    translated."""
    return {key: pgettext(f"{surface}.js {key}", text) for key, text in JS_STRINGS[surface].items()}


def format_when(value: datetime | None) -> str:
    """A UTC date and time in the page's language ("2024-05-01 09:30", "1 mai 2024, 09:30")."""
    if value is None:
        return "—"
    return format_datetime(value, DATETIME_FORMATS[current_language()])


def format_number(value: object, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals in the page's language ("12.5", "12,5"), rounded as ``%.1f``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return format_decimal(round(value, digits), "0." + "0" * digits if digits else "0")


def role_label(role: str) -> str:
    """A chain-of-command role in the page's language."""
    return {
        "community_manager": gettext("Community manager"),
        "lead": gettext("Lead"),
        "spokesperson": gettext("Spokesperson"),
        "member": gettext("Member"),
    }.get(role, role)


def role_help(role: str) -> str:
    return {
        "community_manager": gettext("drafts replies; the lead approves them before they are published"),
        "lead": gettext("approves, edits or rejects the team's drafts, and publishes directly"),
        "spokesperson": gettext("drafts press statements (and replies) for the lead's approval"),
    }.get(role, "")


def _template_context() -> dict[str, Any]:
    return {
        "lang": current_language(),
        "language_links": language_links,
        "js_strings": js_strings,
        "role_label": role_label,
        "role_help": role_help,
    }
