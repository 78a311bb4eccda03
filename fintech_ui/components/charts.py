"""Charts (Recharts, bundled with Reflex) that always come with a text alternative."""

from collections.abc import Callable

import reflex as rx

# Hidden from sight, not from screen readers (the usual "visually hidden" recipe).
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}
AXIS_TICK = {"fontSize": 11, "fill": "#4a4d55"}  # 8:1 on white; Recharts' #666 is 5.7:1
# Recharts 3 makes each chart's <svg> a keyboard stop (its "accessibility layer"); the chart
# is aria-hidden behind a text alternative, so a focusable svg inside it is a trap for screen
# readers (axe: aria-hidden-focus). Keyboard users read the alternative too.
NO_FOCUS = {"accessibilityLayer": False}


def _title(key: str) -> str:
    """A data key as the legend and tooltip show it: "revenue" reads "Revenue"."""
    return key[:1].upper() + key[1:]


def chart_card(
    title: str,
    chart: rx.Component,
    alternative: rx.Component,
    controls: rx.Component | None = None,
) -> rx.Component:
    """A titled card: optional controls, the chart (hidden from screen readers, who get the
    text alternative below it instead)."""
    return rx.card(
        rx.el.figure(
            rx.vstack(
                rx.heading(title, size="4", as_="h2"),
                controls if controls is not None else rx.fragment(),
                rx.box(chart, width="100%", height="260px", aria_hidden="true"),
                alternative,
                spacing="3",
                width="100%",
            ),
            margin="0",
            aria_label=title,
        ),
        size="2",
        width="100%",
        min_width="0",
    )


def hidden_table(
    caption: str, headers: list[str], rows: rx.Var, cells: Callable[[rx.Var], list]
) -> rx.Component:
    """A table only screen readers see: the chart's figures, row by row."""
    return rx.el.table(
        rx.el.caption(caption),
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, lambda row: rx.el.tr(*[rx.el.td(c) for c in cells(row)]))),
        style=VISUALLY_HIDDEN,
    )


def donut_chart(data: rx.Var) -> rx.Component:
    """Shares of a whole: `data` items have name, value and fill."""
    return rx.recharts.pie_chart(
        rx.recharts.pie(
            data=data,
            data_key="value",
            name_key="name",
            inner_radius="55%",
            outer_radius="85%",
            padding_angle=1,
            stroke="var(--color-panel-solid)",  # slices parted by the card's own colour
            is_animation_active=False,
            custom_attrs={"rootTabIndex": -1},  # a keyboard stop inside aria-hidden otherwise
        ),
        rx.recharts.graphing_tooltip(),
        width="100%",
        height=260,
        custom_attrs=NO_FOCUS,
    )


def line_chart(data: rx.Var, x_key: str, lines: list[tuple[str, str]]) -> rx.Component:
    """Values over time: one line per (data key, colour)."""
    return rx.recharts.line_chart(
        *[
            rx.recharts.line(
                data_key=key,
                name=_title(key),
                stroke=colour,
                dot=False,
                stroke_width=2,
                is_animation_active=False,
            )
            for key, colour in lines
        ],
        rx.recharts.x_axis(data_key=x_key, tick=AXIS_TICK, min_tick_gap=24),
        rx.recharts.y_axis(tick=AXIS_TICK, width=56, domain=["auto", "auto"]),
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend() if len(lines) > 1 else rx.fragment(),
        data=data,
        width="100%",
        height=260,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
        custom_attrs=NO_FOCUS,
    )


def bar_chart(data: rx.Var, x_key: str, bars: list[tuple[str, str]]) -> rx.Component:
    """Amounts per period: one bar per (data key, colour)."""
    return rx.recharts.bar_chart(
        *[
            rx.recharts.bar(data_key=key, name=_title(key), fill=colour, is_animation_active=False)
            for key, colour in bars
        ],
        rx.recharts.x_axis(data_key=x_key, tick=AXIS_TICK),
        rx.recharts.y_axis(tick=AXIS_TICK, width=56),
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        data=data,
        width="100%",
        height=260,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
        custom_attrs=NO_FOCUS,
    )
