"""Settings from the environment, in one place (documented in the README)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .paths import default_instance_dir, scenarios_dir

ASYNC_MODES = ("eventlet", "gevent", "threading")


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    scenarios_dir: Path
    async_mode: str = "eventlet"
    message_queue_url: str | None = None
    message_queue_channel: str = "crisisdrill"
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 5000
    public_url: str | None = None
    allowed_origins: list[str] = field(default_factory=list)
    production: bool = False
    trusted_proxies: int = 0  # reverse proxies in front of us whose X-Forwarded-* headers we believe

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class SettingsError(ValueError):
    """A setting with a value we cannot use; the message names the variable."""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get("CRISISDRILL_INSTANCE") or default_instance_dir())
    async_mode = env.get("ASYNC_MODE", "eventlet")
    if async_mode not in ASYNC_MODES:
        raise SettingsError(f"ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, got {async_mode!r}")
    port_text = env.get("PORT", "5000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT must be a port number (1-65535), got {port_text!r}")
    origins = [o.strip() for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip()]
    proxies_text = env.get("TRUSTED_PROXIES", "0")
    if not proxies_text.isdigit() or int(proxies_text) > 5:
        raise SettingsError(f"TRUSTED_PROXIES must be a number of proxies (0-5), got {proxies_text!r}")
    return Settings(
        instance_dir=instance_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'crisisdrill.db'}",
        scenarios_dir=Path(env.get("CRISISDRILL_SCENARIOS") or scenarios_dir()),
        async_mode=async_mode,
        message_queue_url=env.get("MESSAGE_QUEUE_URL") or None,
        message_queue_channel=env.get("MESSAGE_QUEUE_CHANNEL") or "crisisdrill",
        secret_key=env.get("SECRET_KEY") or None,
        host=env.get("HOST", "127.0.0.1"),
        port=int(port_text),
        public_url=env.get("PUBLIC_URL") or None,
        allowed_origins=origins,
        production=env.get("CRISISDRILL_ENV", "development") == "production",
        trusted_proxies=int(proxies_text),
    )


def instance_secret_key(instance_dir: Path) -> str:
    """The secret key kept in ``instance/secret_key`` (created on first use), for the demo and
    development. Production must set ``SECRET_KEY``."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key
