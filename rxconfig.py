"""Reflex configuration; the app's own settings live in fintech_ui/settings.py."""

import os

import reflex as rx

config = rx.Config(
    app_name="fintech_ui",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    trusted_proxy_hops=int(os.environ.get("FINTECH_TRUSTED_PROXY_HOPS", "0") or 0),
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
