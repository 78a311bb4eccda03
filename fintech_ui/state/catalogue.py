"""The catalogue page: search, filter, sort and paging, all answered by the database."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urlencode

import reflex as rx

from fintech_ui.db import run
from fintech_ui.money import format_cents
from fintech_ui.services.catalogue import (
    CatalogueError,
    CataloguePage,
    CatalogueQuery,
    ItemView,
    make_query,
    search_items,
)
from fintech_ui.text import truncate_words

RISK_LABELS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
LOW_STOCK = 10
SUMMARY_CHARS = 110  # about three lines of a card; the whole text belongs on the product page
DEFAULT_SORT = "name"
RELOAD_BUTTON_ID = "catalogue-reload"  # a hidden button on the page that runs `load`
_BACK_LISTENER = "fintechCatalogueBack"


@dataclasses.dataclass
class ProductRow:
    """A product card's contents, formatted for display."""

    id: int = 0
    sku: str = ""
    name: str = ""
    category: str = ""
    description: str = ""
    summary: str = ""
    price: str = ""
    stock_label: str = ""
    in_stock: bool = True
    risk: str = ""
    risk_level: int = 1


def _product_row(item: ItemView) -> ProductRow:
    if item.stock == 0:
        stock_label = "Out of stock"
    elif item.stock <= LOW_STOCK:
        stock_label = f"Only {item.stock} left"
    else:
        stock_label = "In stock"
    return ProductRow(
        id=item.id,
        sku=item.sku,
        name=item.name,
        category=item.category,
        description=item.description,
        summary=truncate_words(item.description, SUMMARY_CHARS),
        price=format_cents(item.price_cents),
        stock_label=stock_label,
        in_stock=item.stock > 0,
        risk=RISK_LABELS[item.risk_level],
        risk_level=item.risk_level,
    )


class CatalogueState(rx.State):
    """The current query and the page of products it found."""

    search: str = ""
    category: str = ""
    sort: str = "name"
    page: int = 1
    pages: int = 1
    total: int = 0
    products: list[ProductRow] = []
    error: str = ""
    # Where the pages beside this one start (backend only): next and previous seek to them
    # instead of counting their way there.
    _next_cursor: str = ""
    _previous_cursor: str = ""

    async def _run(self, query: CatalogueQuery) -> None:
        result: CataloguePage = await run(search_items, query, read_only=True)
        self.search, self.category, self.sort = query.search, query.category, query.sort
        self.page, self.pages, self.total = result.page, result.pages, result.total
        rows = [_product_row(item) for item in result.items]
        # A tab's first load usually finds the page it was compiled with (start_with): not
        # resending it spares the browser re-rendering every card while the page starts.
        if rows != self.products:
            self.products = rows
        self._next_cursor = result.next_cursor or ""
        self._previous_cursor = result.previous_cursor or ""
        self.error = ""

    async def _update(self, **changes) -> bool:
        params = {
            "search": self.search,
            "category": self.category,
            "sort": self.sort,
            "page": 1,
            "cursor": "",
        }
        params.update(changes)
        try:
            query = make_query(**params)
        except CatalogueError as exc:
            self.error = str(exc)
            return False
        await self._run(query)
        return True

    def _url(self) -> str:
        """The catalogue's address for the current view; defaults are left out."""
        params = {"q": self.search, "category": self.category}
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        if self.page > 1:
            params["page"] = str(self.page)
        query = urlencode({key: value for key, value in params.items() if value})
        return "/?" + query if query else "/"

    def _show_in_url(self, *, to_top: bool = False) -> rx.event.EventSpec:
        """Record the view in the address bar (a new history entry, so Back undoes it).

        pushState rather than a navigation: the page stays mounted, so the search field keeps
        focus while the investor types; Back is a navigation and runs `load` again.
        """
        url = json.dumps(self._url())
        script = (
            f"if (location.pathname + location.search !== {url}) {{"
            "const s = window.history.state || {};"
            f"window.history.pushState({{...s, idx: (s.idx || 0) + 1}}, '', {url});}}"
            # The router does not see these entries, so Back to one of them (or to the entry
            # it last saw) is no navigation for it: reload the view from the address then.
            f"if (!window.{_BACK_LISTENER}) {{ window.{_BACK_LISTENER} = true;"
            "window.addEventListener('popstate', () => setTimeout(() => {"
            f"const reload = document.getElementById({json.dumps(RELOAD_BUTTON_ID)});"
            "if (reload && location.pathname === '/') reload.click(); }, 0)); }"
        )
        if to_top:
            script += "window.scrollTo({top: 0});"
        return rx.call_script(script)

    async def _change(self, *, to_top: bool = False, **changes):
        if await self._update(**changes):
            return self._show_in_url(to_top=to_top)
        return None

    @rx.event
    async def load(self):
        """Show the view the address asks for, so a bookmark or shared link opens the same."""
        params = self.router.url.query_parameters
        page = params.get("page", "1")
        wanted = {
            "search": params.get("q", ""),
            "category": params.get("category", ""),
            "sort": params.get("sort", DEFAULT_SORT),
            "page": int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 0,
        }
        if not await self._update(**wanted):  # a mistyped link still shows the catalogue
            message = self.error
            await self._update(search="", category="", sort=DEFAULT_SORT, page=1)
            self.error = message

    async def _refresh_in_place(self) -> None:
        """Re-read the view on screen (live updates): the search typed since the page loaded
        lives in pushState entries the router never saw, so `load` would drop it."""
        await self._update(page=self.page)

    # `object`, not `str`: Reflex would turn any JSON value into text before _change checks it.
    @rx.event
    async def search_for(self, value: object):
        """Search product names as the investor types."""
        return await self._change(search=value)

    @rx.event
    async def choose_category(self, value: object):
        """Show one category, or all for 'all'."""
        return await self._change(category="" if value == "all" else value)

    @rx.event
    async def choose_sort(self, value: object):
        """Order by name or price."""
        return await self._change(sort=value)

    @rx.event
    async def next_page(self):
        """The following page, if any, from its top."""
        if self.page < self.pages:
            return await self._change(page=self.page + 1, cursor=self._next_cursor, to_top=True)
        return None

    @rx.event
    async def previous_page(self):
        """The page before, if any, from its top."""
        if self.page > 1:
            return await self._change(page=self.page - 1, cursor=self._previous_cursor, to_top=True)
        return None


def start_with(first_page: CataloguePage) -> None:
    """Make `first_page` (the default view: page 1, by name) what the catalogue shows before
    its state arrives.

    Read once when the app starts, it becomes the default of the page's vars, so the compiled
    "/" carries it in its HTML and initial state: the grid paints with the HTML, before the
    JavaScript, the websocket and hydration. Every new tab's state starts from it too, and
    `load` (on_load) replaces it with the live page as soon as the tab's state arrives, so a
    price changed since start-up is shown for that moment only.
    """
    fields = CatalogueState.__fields__
    fields["products"].set_default([_product_row(item) for item in first_page.items])
    fields["total"].set_default(first_page.total)
    fields["pages"].set_default(first_page.pages)
    fields["page"].set_default(first_page.page)
