"""One page with one text and a counter button, the smallest app a click can be measured on."""

import reflex as rx


class CounterState(rx.State):
    """The number of clicks."""

    count: int = 0

    @rx.event
    def increment(self):
        """One more click."""
        self.count += 1


def index() -> rx.Component:
    """The text, the button and the count."""
    return rx.vstack(
        rx.text("A blank Reflex app."),
        rx.button("Count", on_click=CounterState.increment, aria_label="Count"),
        rx.text(CounterState.count, id="count"),
    )


app = rx.App()
app.add_page(index, route="/", title="Blank")
