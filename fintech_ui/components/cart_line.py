"""One line of the cart, as a card: a row on wide screens, stacked on a phone."""

import reflex as rx

from fintech_ui.components.product_card import category_icon
from fintech_ui.state.cart import CartRow, CartState

# Where focus goes once a line has left the page (removed, or bought): the line that took its
# place (or the one before, if it was last), else the order's confirmation or the empty-cart
# message. Never the next Remove button, where a second Enter would remove a second product,
# and never <body>. Captured before the event is sent, applied when the line is gone; gives
# up after 5 s (for example when the change was refused and the line stays).
_FOCUS_AFTER_REMOVAL = """
(() => {
  const id = %s;
  const lines = () => Array.from(document.querySelectorAll("[data-cart-line]"));
  const index = lines().findIndex((el) => el.dataset.cartLine === String(id));
  const started = Date.now();
  const wait = () => {
    if (document.querySelector(`[data-cart-line="${id}"]`)) {
      if (Date.now() - started < 5000) setTimeout(wait, 40);
      return;
    }
    const rest = lines();
    const target = rest.length
      ? rest[Math.min(Math.max(index, 0), rest.length - 1)].querySelector("h2")
      : document.getElementById("cart-status") || document.getElementById("cart-empty")
        || document.getElementById("cart-heading");
    if (target) target.focus();
    else if (Date.now() - started < 5000) setTimeout(wait, 40);
  };
  wait();
})()
"""


def focus_after_removal(item_id: rx.Var) -> rx.event.EventSpec:
    """Queue before a change that may remove the line, so focus lands somewhere sensible."""
    before, after = _FOCUS_AFTER_REMOVAL.split("%s")
    return rx.call_script(before + item_id.to(str) + after)


# After checkout the Checkout button goes with the lines: focus the confirmation (then Tab
# reaches "See your orders"). A refused checkout keeps the button, and focus, where they are.
_FOCUS_AFTER_CHECKOUT = """
(() => {
  const button = document.activeElement;
  const started = Date.now();
  const wait = () => {
    if (button && button.isConnected) {
      if (Date.now() - started < 10000) setTimeout(wait, 40);
      return;
    }
    const target = document.getElementById("cart-status")
      || document.getElementById("cart-heading");
    if (target) target.focus();
  };
  wait();
})()
"""


def focus_after_checkout() -> rx.event.EventSpec:
    """Queue before checkout, so focus lands on the confirmation rather than on <body>."""
    return rx.call_script(_FOCUS_AFTER_CHECKOUT)


def _icon_button(icon: str, label: rx.Var, on_click, **props) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=16), on_click=on_click, aria_label=label, variant="soft", **props
    )


def _name(row: CartRow) -> rx.Component:
    return rx.hstack(
        category_icon(row.category, size="32px"),
        rx.vstack(
            rx.heading(row.name, as_="h2", size="3", tab_index=-1),
            rx.cond(
                row.price_changed,
                rx.text(
                    rx.el.span("Was ", class_name="visually-hidden"),
                    rx.el.s(row.seen_price),
                    " ",
                    rx.el.span("now ", class_name="visually-hidden"),
                    rx.text(row.unit_price, as_="span", color_scheme="amber", weight="medium"),
                    " each",
                    size="2",
                ),
                rx.text(row.unit_price, " each", size="2", color_scheme="gray"),
            ),
            rx.cond(
                ~row.available,
                rx.text("No longer available", size="2", color_scheme="red"),
            ),
            spacing="1",
        ),
        align="center",
        spacing="3",
        flex="1",
        min_width="0",
    )


def _quantity(row: CartRow) -> rx.Component:
    """A group named "Quantity of <product>"; the number is a live region, so changes are read."""
    return rx.hstack(
        _icon_button(
            "minus",
            "Decrease quantity of " + row.name,
            [focus_after_removal(row.item_id), CartState.decrease(row.item_id)],
        ),
        rx.el.span(
            row.quantity,
            aria_live="polite",
            aria_atomic="true",
            min_width="2ch",
            text_align="center",
            font_weight="500",
        ),
        _icon_button("plus", "Increase quantity of " + row.name, CartState.increase(row.item_id)),
        role="group",
        aria_label="Quantity of " + row.name,
        align="center",
        spacing="2",
    )


def _actions(row: CartRow) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Buy",
            on_click=[
                focus_after_removal(row.item_id),
                CartState.buy_line(row.item_id, CartState.version),
            ],
            aria_label="Buy " + row.name,
            size="2",
            flex=rx.breakpoints(initial="1", md="0 0 auto"),
        ),
        _icon_button(
            "trash-2",
            "Remove " + row.name,
            [focus_after_removal(row.item_id), CartState.remove(row.item_id)],
            color_scheme="red",
        ),
        align="center",
        spacing="2",
        width=rx.breakpoints(initial="100%", md="auto"),
    )


def cart_line(row: CartRow) -> rx.Component:
    """Name and unit price (old and new when it changed), quantity, line total and actions."""
    return rx.el.li(
        rx.card(
            rx.flex(
                _name(row),
                rx.flex(
                    rx.hstack(
                        _quantity(row),
                        rx.text(
                            rx.el.span("Line total ", class_name="visually-hidden"),
                            row.line_total,
                            weight="bold",
                            min_width="6em",
                            text_align="right",
                        ),
                        align="center",
                        justify="between",
                        spacing="4",
                        width=rx.breakpoints(initial="100%", md="auto"),
                    ),
                    _actions(row),
                    align="center",
                    spacing="4",
                    wrap="wrap",
                ),
                direction=rx.breakpoints(initial="column", md="row"),
                align=rx.breakpoints(initial="stretch", md="center"),
                spacing="3",
            ),
            size="2",
        ),
        custom_attrs={"data-cart-line": row.item_id},
        list_style="none",
    )
