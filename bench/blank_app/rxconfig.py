"""A blank Reflex app: the reference of bench/bench_first_load.py.

The same Reflex setup as the Fintech UI's rxconfig.py (Radix Themes plugin with the same theme,
no sitemap, no badge, telemetry off), so that the difference measured is the app itself.
"""

import reflex as rx

config = rx.Config(
    app_name="blank_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
