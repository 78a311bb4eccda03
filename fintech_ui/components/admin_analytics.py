"""Back office, analytics section: six charts, each with its figures as text."""

import reflex as rx

from fintech_ui.components.charts import AXIS_TICK, NO_FOCUS, bar_chart, chart_card, line_chart
from fintech_ui.components.forms import form_error
from fintech_ui.state.admin_analytics import AdminAnalyticsState as S


def _alternative(text: rx.Var) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray")


def _horizontal_bars(data: rx.Var, name_key: str, value_key: str, colour: str) -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.bar(data_key=value_key, fill=colour, is_animation_active=False),
        rx.recharts.x_axis(type_="number", tick=AXIS_TICK),
        rx.recharts.y_axis(
            data_key=name_key,
            type_="category",
            width=130,
            tick={**AXIS_TICK, "fontSize": 10},
            interval=0,
        ),
        rx.recharts.graphing_tooltip(),
        data=data,
        layout="vertical",
        width="100%",
        height=260,
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
        custom_attrs=NO_FOCUS,
    )


def analytics_section() -> rx.Component:
    """Sales, categories, top products, new investors, balances, deposits and withdrawals."""
    return rx.vstack(
        rx.hstack(
            rx.text("Period", weight="medium"),
            rx.segmented_control.root(
                rx.segmented_control.item("30 days", value="30"),
                rx.segmented_control.item("90 days", value="90"),
                rx.segmented_control.item("1 year", value="365"),
                value=S.window,
                on_change=S.choose_days,
                aria_label="Period",
            ),
            align="center",
            spacing="3",
        ),
        form_error(S.error, error_id="admin-analytics-error"),
        rx.grid(
            chart_card(
                "Sales per day ($)",
                line_chart(S.sales, "day", [("revenue", "var(--accent-9)")]),
                _alternative(S.sales_text),
            ),
            chart_card(
                "Revenue by category ($)",
                bar_chart(S.categories, "category", [("revenue", "var(--accent-9)")]),
                _alternative(S.categories_text),
            ),
            chart_card(
                "Top products ($)",
                _horizontal_bars(S.top, "product", "revenue", "var(--grass-9)"),
                _alternative(S.top_text),
            ),
            chart_card(
                "New investors per week",
                bar_chart(S.investors, "week", [("investors", "var(--iris-9)")]),
                _alternative(S.investors_text),
            ),
            chart_card(
                "Account balances",
                bar_chart(S.balances, "bucket", [("accounts", "var(--amber-9)")]),
                _alternative(S.balances_text),
            ),
            chart_card(
                "Deposits and withdrawals per week ($)",
                bar_chart(
                    S.flows,
                    "week",
                    [("deposits", "var(--grass-9)"), ("withdrawals", "var(--tomato-9)")],
                ),
                _alternative(S.flows_text),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
