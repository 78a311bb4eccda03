"""The catalogue: every product on sale, searchable, filterable and sorted."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.layout import page_frame
from fintech_ui.components.product_card import CATEGORY_PLURALS, product_card
from fintech_ui.state.catalogue import DEFAULT_SORT, RELOAD_BUTTON_ID, CatalogueState

ROUTE = routes.INDEX
ALL_CATEGORIES = "All categories"
SORT_LABELS = {
    "name": "Name A–Z",
    "price": "Price: low to high",
    "price_desc": "Price: high to low",
}


def _controls() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search products",
            aria_label="Search products",
            value=CatalogueState.search,
            on_change=CatalogueState.search_for.debounce(300),
            size="3",
            flex="1 1 220px",
        ),
        rx.select.root(
            # The label is given, not looked up among the items by the script, so the
            # trigger has its width in the HTML already (no jump when the page hydrates).
            rx.select.trigger(
                rx.match(CatalogueState.category, *CATEGORY_PLURALS.items(), ALL_CATEGORIES),
                aria_label="Category",
                placeholder=ALL_CATEGORIES,
            ),
            rx.select.content(
                rx.select.item(ALL_CATEGORIES, value="all"),
                *[rx.select.item(label, value=slug) for slug, label in CATEGORY_PLURALS.items()],
            ),
            value=rx.cond(CatalogueState.category == "", "all", CatalogueState.category),
            on_change=CatalogueState.choose_category,
            size="3",
        ),
        rx.select.root(
            rx.select.trigger(
                rx.match(CatalogueState.sort, *SORT_LABELS.items(), SORT_LABELS[DEFAULT_SORT]),
                aria_label="Sort by",
            ),
            rx.select.content(
                *[rx.select.item(label, value=value) for value, label in SORT_LABELS.items()],
            ),
            value=CatalogueState.sort,
            on_change=CatalogueState.choose_sort,
            size="3",
        ),
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            on_click=CatalogueState.previous_page,
            disabled=CatalogueState.page <= 1,
            variant="soft",
        ),
        rx.text("Page ", CatalogueState.page, " of ", CatalogueState.pages, size="2"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            on_click=CatalogueState.next_page,
            disabled=CatalogueState.page >= CatalogueState.pages,
            variant="soft",
        ),
        justify="center",
        align="center",
        spacing="4",
        width="100%",
    )


def index_page() -> rx.Component:
    """Search bar, product grid and pager."""
    return page_frame(
        rx.vstack(
            rx.heading(
                "Invest in what you understand", size=rx.breakpoints(initial="7", sm="8"), as_="h1"
            ),
            rx.text(
                "Funds, bonds, stocks, crypto and commodities, paid from your balance to the cent.",
                size="4",
                color_scheme="gray",
            ),
            _controls(),
            rx.cond(
                CatalogueState.error != "",
                rx.callout(CatalogueState.error, icon="triangle-alert", color_scheme="red"),
            ),
            rx.text(
                CatalogueState.total,
                rx.cond(CatalogueState.total == 1, " product", " products"),
                size="2",
                color_scheme="gray",
                role="status",
            ),
            rx.cond(
                CatalogueState.total > 0,
                rx.grid(
                    rx.foreach(CatalogueState.products, product_card),
                    columns=rx.breakpoints(initial="1", sm="2", md="3"),
                    spacing="4",
                    width="100%",
                ),
                rx.center(
                    rx.text("No products match your search.", color_scheme="gray"),
                    padding="3rem",
                    width="100%",
                ),
            ),
            _pager(),
            # Clicked by the Back-button listener of CatalogueState._show_in_url; never shown.
            rx.el.button(
                on_click=CatalogueState.load,
                id=RELOAD_BUTTON_ID,
                hidden=True,
                tab_index=-1,
                aria_hidden="true",
            ),
            spacing="4",
            width="100%",
        ),
        # The catalogue's first page is compiled in (state/catalogue.py, start_with): the grid
        # paints with the HTML. With no products there, "Connecting…" until the state arrives.
        shown_before_state=CatalogueState.total > 0,
    )
