"""Reflex configuration; the app's own settings live in fintech_ui/settings.py.

The same code runs on one machine (SQLite, state on disk) or scaled out (PostgreSQL, Redis
state manager, several workers): only environment variables differ.
"""

import os

import reflex as rx

from fintech_ui import settings  # reads the environment only: no keys generated here

try:
    # Reflex 0.10.1 starts granian without respawn_failed_workers, so one crashed worker
    # brings the whole production server down. Respawn it instead (see tests/scale). A
    # subclass, not a partial: Reflex subclasses granian's Server itself.
    import granian.server

    _Server = granian.server.Server
    # Patch once, and only a real class (another launcher may already have wrapped it).
    if isinstance(_Server, type) and not getattr(_Server, "_fintech_respawns", False):

        class _RespawningServer(_Server):
            _fintech_respawns = True

            def __init__(self, *args, **kwargs):
                kwargs.setdefault("respawn_failed_workers", True)
                super().__init__(*args, **kwargs)

        granian.server.Server = _RespawningServer
except ImportError:  # granian is only needed for `reflex run --env prod`
    pass

_redis_url = settings.redis_url() or None


def _state_manager_mode() -> str:
    """Where tabs' states live between events.

    Several workers share them through Redis. A single worker (Reflex's default without
    Redis) keeps them in its memory: the disk manager would also pickle each changed state
    to a file every 2 s and list the whole directory each time, which cost a tenth of the
    CPU of a cart click and spread its latency. What a tab shows comes from the database,
    so a restart loses nothing: the tab reconnects and loads its page again.
    """
    if _redis_url:
        return "redis"
    workers = os.environ.get("GRANIAN_WORKERS", "1").strip()
    return "memory" if workers in ("", "1") else "disk"


config = rx.Config(
    app_name="fintech_ui",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    trusted_proxy_hops=settings.trusted_proxy_hops(),
    redis_url=_redis_url,
    state_manager_mode=_state_manager_mode(),
    # Origins allowed to open the websocket and call the API from a browser.
    cors_allowed_origins=settings.allowed_origins(),
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
