"""Checking client input: types and sizes, with errors that name the field.

Socket payloads go through ``as_dict``/``text``/``number``/``flag``/``slots``/``obj``; HTML forms through
``form_limits`` (a view decorator) and the app-wide ``check_request_fields`` (every form and query field
at most ``FIELD_MAX`` characters, no NUL character anywhere). Text is refused when it contains a NUL
character or half of a UTF-16 surrogate pair: neither can be stored (PostgreSQL refuses NUL, UTF-8 has
no lone surrogates), so they get a clear error here instead of a database failure later.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from flask import abort, request

FIELD_MAX = 10_000
"""The longest form or query field any page accepts (the debrief's text areas)."""


class PayloadError(ValueError):
    """A malformed payload; the message names the field and what was expected."""


def as_dict(data: Any, name: str | None = None) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        where = f"{name}: " if name else ""
        raise PayloadError(f"{where}expected an object with named fields, got {_type(data)}")
    return data


def obj(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    """An optional nested object (``{"new_persona": {...}}``); None when absent."""
    value = data.get(name)
    return None if value is None else as_dict(value, name)


def text(data: dict[str, Any], name: str, max_len: int, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise PayloadError(f"{name}: required")
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name}: expected text, got {_type(value)}")
    if len(value) > max_len:
        raise PayloadError(f"{name}: at most {max_len} characters, got {len(value)}")
    problem = unstorable(value)
    if problem:
        raise PayloadError(f"{name}: {problem}")
    return value


def number(
    data: dict[str, Any], name: str, low: float, high: float, *, required: bool = True
) -> float | None:
    value = data.get(name)
    if value is None:
        if required:
            raise PayloadError(f"{name}: required")
        return None
    expected = f"{name}: expected a number from {low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{expected}, got {_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise PayloadError(f"{expected}, got {value}")
    if not low <= value <= high:
        shown = f"{value:g}" if abs(value) < 1e15 else "a number out of range"
        raise PayloadError(f"{expected}, got {shown}")
    return float(value)


def flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise PayloadError(f"{name}: expected true or false, got {_type(value)}")
    return value


def slots(data: dict[str, Any], name: str) -> list[str] | None:
    value = data.get(name)
    if value is None or value == [] or value == "all":
        return None
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) and 0 < len(v) <= 16 and not unstorable(v) for v in value)
        or len(value) > 50
    ):
        raise PayloadError(f'{name}: expected a list of team slots such as ["team-1"], or "all"')
    return value


def unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate)"
    return None


def _type(value: Any) -> str:
    return type(value).__name__


# --- HTML forms --------------------------------------------------------------------------------------


def form_limits(**max_lengths: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse a form whose named fields are longer than allowed, with a 400 naming the field.

    The pages' inputs carry the same ``maxlength``, so only hand-made requests ever see this."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            for name, max_len in max_lengths.items():
                for value in request.form.getlist(name):
                    if len(value) > max_len:
                        abort(400, description=f"{name}: at most {max_len:,} characters, got {len(value):,}.")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def check_request_fields() -> None:
    """App-wide (``before_request``): no form or query field longer than ``FIELD_MAX``, no NUL
    character in the path or any field. Answers 400 naming the field, or 404 for the path."""
    if "\x00" in request.path:
        abort(404)
    for source, fields in (("form", request.form), ("query", request.args)):
        for name, value in fields.items(multi=True):
            shown = name[:40]
            if len(name) > 200:
                abort(400, description=f"{source} field {shown!r}…: the name is too long.")
            if len(value) > FIELD_MAX:
                abort(400, description=f"{shown}: at most {FIELD_MAX:,} characters, got {len(value):,}.")
            if "\x00" in value or "\x00" in name:
                abort(400, description=f"{shown}: must not contain NUL characters.")
