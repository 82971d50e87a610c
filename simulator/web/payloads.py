"""Checking client payloads: types and sizes, with errors that name the field."""

from __future__ import annotations

from typing import Any


class PayloadError(ValueError):
    """A malformed payload; the message names the field and what was expected."""


def as_dict(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PayloadError(f"expected an object with named fields, got {type(data).__name__}")
    return data


def text(data: dict[str, Any], name: str, max_len: int, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise PayloadError(f"{name}: required")
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name}: expected text, got {type(value).__name__}")
    if len(value) > max_len:
        raise PayloadError(f"{name}: at most {max_len} characters, got {len(value)}")
    return value


def number(
    data: dict[str, Any], name: str, low: float, high: float, *, required: bool = True
) -> float | None:
    value = data.get(name)
    if value is None:
        if required:
            raise PayloadError(f"{name}: required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{name}: expected a number from {low:g} to {high:g}, got {type(value).__name__}")
    if not low <= value <= high:
        raise PayloadError(f"{name}: expected a number from {low:g} to {high:g}, got {value:g}")
    return float(value)


def flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise PayloadError(f"{name}: expected true or false, got {type(value).__name__}")
    return value


def slots(data: dict[str, Any], name: str) -> list[str] | None:
    value = data.get(name)
    if value is None or value == [] or value == "all":
        return None
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) and len(v) <= 16 for v in value)
        or len(value) > 50
    ):
        raise PayloadError(f'{name}: expected a list of team slots such as ["team-1"], or "all"')
    return value
