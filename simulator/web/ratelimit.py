"""Rate limits on the doors a stranger can knock on: joining a team, signing in, posting replies.

Named limits (moving one-minute windows, the ``limits`` library; documented in docs/protocol.md):

| name | counts | per | limit |
|---|---|---|---|
| ``join`` | every POST to ``/join`` and ``/join/<code>`` | client IP | 120 a minute |
| ``join_unknown_code`` | every ``/join/<code>`` whose code names no team | client IP | 30 a minute |
| ``sign_in`` | failed facilitator sign-ins | client IP + account name | 5 a minute |
| ``sign_in_ip`` | failed facilitator sign-ins, any name | client IP | 20 a minute |
| ``reply`` | ``post_reply`` events | participant | 30 a minute |
| ``reply_team`` | ``post_reply`` events | team | 120 a minute |

A whole room often shares one public IP (venue Wi-Fi, a company NAT), so the per-IP join limit lets 60
people type a code and a name within the same minute; a join code (32⁶ ≈ 10⁹ values) cannot be guessed
at 30 tries a minute. Sign-in counts failures only, so a facilitator who types the right password is
never slowed; there is no lock-out per account across IPs, so nobody can lock a facilitator out during
a drill. A fast participant posts a reply every few seconds: 30 a minute per participant and 120 per
team leave room for a team of six answering at once and for an outbox flushing after a reconnection,
while a script cannot flood the event log.

A limited HTTP request gets a 429 page that says what was limited and when to retry (``Retry-After``);
a limited reply gets ``{"ok": false, "error": ..., "retryable": true, "retry_after": s}``, so the
team's outbox keeps it and sends it again later: nothing is lost.

Configuration (app config, else the environment): ``RATELIMIT_ENABLED`` (default on; ``0``/``false``/
``off`` disables every limit, e.g. for load tests), ``RATELIMIT_STORAGE_URL`` (default ``memory://``,
one count per server process; ``redis://…`` shares the counts between processes) and, in app config
only, ``RATELIMITS`` = ``{name: "N/minute"}`` to change single limits (tests).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

LIMITS: dict[str, tuple[str, str]] = {
    # name: (limit, what a limited user is told was limited)
    "join": ("120/minute", "attempts to join a team from your network"),
    "join_unknown_code": ("30/minute", "unknown join codes tried from your network"),
    "sign_in": ("5/minute", "failed sign-ins to this account from your network"),
    "sign_in_ip": ("20/minute", "failed sign-ins from your network"),
    "reply": ("30/minute", "replies from you"),
    "reply_team": ("120/minute", "replies from your team"),
}

_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Limited:
    """A limit that was reached: which one, and in how many seconds a new attempt is counted."""

    name: str
    what: str
    rate: str
    retry_after: int

    @property
    def message(self) -> str:
        return (
            f"Too many {self.what} (at most {self.rate}). "
            f"Try again in {self.retry_after} second{'s' if self.retry_after != 1 else ''}."
        )


class RateLimits:
    """The named limits of one app, counted in one storage."""

    def __init__(
        self, *, enabled: bool = True, storage_url: str = "memory://", overrides: Mapping[str, str] = {}
    ) -> None:
        unknown = set(overrides) - set(LIMITS)
        if unknown:
            raise ValueError(f"RATELIMITS: unknown limit(s) {', '.join(sorted(unknown))}")
        self.enabled = enabled
        self.items: dict[str, RateLimitItem] = {
            name: parse(overrides.get(name, spec)) for name, (spec, _) in LIMITS.items()
        }
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url)) if enabled else None

    def check(self, name: str, *key: str) -> Limited | None:
        """The limit ``name`` if it is reached for ``key`` (counts nothing)."""
        if self.limiter is None:
            return None
        try:
            allowed = self.limiter.test(self.items[name], name, *key)
        except Exception:  # the storage is down: let people in rather than lock everyone out
            log.exception("rate limit %s not checked", name)
            return None
        return None if allowed else self._limited(name, *key)

    def hit(self, name: str, *key: str) -> Limited | None:
        """Count one attempt; the limit ``name`` if it was already reached (then nothing is counted)."""
        if self.limiter is None:
            return None
        try:
            allowed = self.limiter.hit(self.items[name], name, *key)
        except Exception:
            log.exception("rate limit %s not counted", name)
            return None
        return None if allowed else self._limited(name, *key)

    def _limited(self, name: str, *key: str) -> Limited:
        item = self.items[name]
        try:
            reset_at = self.limiter.get_window_stats(item, name, *key).reset_time  # type: ignore[union-attr]
        except Exception:
            reset_at = time.time() + item.get_expiry()
        retry_after = max(1, math.ceil(reset_at - time.time()))
        unit = item.GRANULARITY.name
        per = f"{item.amount} per {unit if item.multiples == 1 else f'{item.multiples} {unit}s'}"
        return Limited(name, LIMITS[name][1], per, retry_after)


def init_app(app: Flask) -> RateLimits:
    """Create the app's limits from its config (else the environment) and keep them on the app."""

    def setting(name: str, default: Any) -> Any:
        return app.config[name] if name in app.config else os.environ.get(name, default)

    enabled = setting("RATELIMIT_ENABLED", True)
    if isinstance(enabled, str):
        enabled = enabled.strip().lower() not in _OFF
    limits = RateLimits(
        enabled=bool(enabled),
        storage_url=setting("RATELIMIT_STORAGE_URL", "memory://") or "memory://",
        overrides=app.config.get("RATELIMITS") or {},
    )
    app.extensions["crisisdrill_ratelimits"] = limits
    return limits


def limits_of(app: Flask) -> RateLimits:
    return app.extensions["crisisdrill_ratelimits"]


def current_limits() -> RateLimits:
    return limits_of(current_app)


def client_ip() -> str:
    """The client's address (behind reverse proxies, as ``TRUSTED_PROXIES`` lets ProxyFix tell it)."""
    return request.remote_addr or "unknown"


def too_many(limited: Limited) -> ResponseReturnValue:
    """The 429 page: what was limited, and when to try again."""
    body = render_template("too_many_requests.html", message=limited.message, retry_after=limited.retry_after)
    return body, 429, {"Retry-After": str(limited.retry_after)}


def socket_ack(limited: Limited) -> dict[str, Any]:
    """The acknowledgement of a limited socket command: retryable, so the client's outbox keeps it."""
    return {
        "ok": False,
        "error": f"{limited.message} Your message is kept and will be sent then.",
        "retryable": True,
        "retry_after": limited.retry_after,
    }
