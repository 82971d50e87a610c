"""The Redis message queue between server processes, and what we do about its at-most-once delivery.

Redis pub/sub drops whatever is published while it is down or while a process is not subscribed. Every
pushed fact is already in the database, so nothing is lost for good: when this process's subscription
comes back after an outage, it tells its own screens to catch up from their last event id
(``publish.ask_screens_to_catch_up``). A screen that missed pushes in the middle of a run cannot tell a
lost push from an event it was not meant to see; the process, which saw its subscription break, can.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import socketio

from ..config import SettingsError

log = logging.getLogger(__name__)


class CatchUpRedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, calling ``on_resubscribed`` after each reconnection."""

    def __init__(self, url: str, channel: str, on_resubscribed: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(url, channel=channel, **kwargs)
        self.on_resubscribed = on_resubscribed

    def _redis_listen_with_retries(self) -> Iterator[Any]:  # pragma: no cover - exercised live
        """Upstream's loop (python-socketio 5.x), plus the callback once subscribed again."""
        retry_sleep = 1.0
        outage = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                retry_sleep = 1.0
                if outage:
                    log.warning("message queue: subscribed again; screens of this process catch up")
                    self.on_resubscribed()
                    outage = False
                yield from self.pubsub.listen()
            except Exception as exc:
                log.error("message queue unreachable (%s); retrying in %.0f s", exc, retry_sleep)
                outage = True
                time.sleep(retry_sleep)  # monkey-patched under eventlet and gevent
                retry_sleep = min(retry_sleep * 2, 30.0)


def redis_manager(url: str, channel: str, on_resubscribed: Callable[[], None]) -> socketio.RedisManager:
    """The queue shared by the processes of one deployment (``MESSAGE_QUEUE_CHANNEL`` keeps two
    deployments on one Redis apart: pub/sub channels ignore the database number of the URL)."""
    if not url.startswith(("redis://", "rediss://")):
        raise SettingsError(f"MESSAGE_QUEUE_URL must be a redis:// or rediss:// URL, got {url!r}")
    return CatchUpRedisManager(url, channel, on_resubscribed)
