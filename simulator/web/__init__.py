"""The web layer: app factory, pages and Socket.IO namespaces."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import SettingsError, instance_secret_key, load_settings
from ..paths import static_dir, templates_dir
from ..services import Services, open_services
from .extensions import JsonPacket, csrf, socketio
from .sessions import SocketAwareSessionInterface

MAX_SOCKET_MESSAGE_BYTES = 64 * 1024


def create_app(test_config: dict[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Wire the app: config, services, blueprints, Socket.IO. No network, migrations or prompts here."""
    app = Flask(
        "simulator",
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        instance_relative_config=False,
    )
    services = services or open_services(load_settings())
    settings = services.settings
    secret = settings.secret_key
    if secret is None:
        if settings.production:
            raise SettingsError("SECRET_KEY must be set when CRISISDRILL_ENV=production")
        secret = instance_secret_key(settings.instance_dir)
    app.config.from_mapping(
        SECRET_KEY=secret,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        ASYNC_MODE=settings.async_mode,
    )
    if test_config:
        app.config.update(test_config)
    app.session_interface = SocketAwareSessionInterface()
    app.extensions["crisisdrill"] = services

    from . import authoring, facilitator, i18n, pages, payloads, projector, ratelimit, reports, sockets, team

    app.register_blueprint(pages.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(team.bp)
    app.register_blueprint(projector.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(authoring.bp)
    csrf.init_app(app)
    i18n.init_app(app)
    app.before_request(payloads.check_request_fields)  # sizes and NUL, on every form
    ratelimit.init_app(app)
    _register_namespaces_once(sockets)

    queue_options = {}
    if settings.message_queue_url:
        from .publish import ask_screens_to_catch_up
        from .queue import redis_manager

        queue_options["client_manager"] = redis_manager(
            settings.message_queue_url, settings.message_queue_channel, ask_screens_to_catch_up
        )
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        **queue_options,
        # None keeps Flask-SocketIO's same-origin check; never "*" or [] (both disable it).
        cors_allowed_origins=settings.allowed_origins or None,
        max_http_buffer_size=MAX_SOCKET_MESSAGE_BYTES,
        serializer=JsonPacket,
        logger=False,
        engineio_logger=False,
    )

    if settings.trusted_proxies:
        # Behind nginx (wrapping Socket.IO too): the client's address (rate limits), scheme (secure
        # cookies) and host come from the proxy's X-Forwarded-* headers, only from that many proxies.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


_namespaces_registered = False


def _register_namespaces_once(sockets: Any) -> None:
    """Namespaces live on the module-level ``socketio``; register them once per process, not per app."""
    global _namespaces_registered
    if not _namespaces_registered:
        sockets.register(socketio)
        _namespaces_registered = True


def services_of(app: Flask) -> Services:
    """The services an app was created with (the one place that knows where they are kept)."""
    return app.extensions["crisisdrill"]


def current_services() -> Services:
    """The services of the app handling the current request or socket event."""
    return services_of(current_app)
