"""The catalogue page: search, filter, sort and paging, all answered by the database."""

from __future__ import annotations

import dataclasses

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

RISK_LABELS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
LOW_STOCK = 10


@dataclasses.dataclass
class ProductRow:
    """A product card's contents, formatted for display."""

    id: int = 0
    sku: str = ""
    name: str = ""
    category: str = ""
    description: str = ""
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

    async def _run(self, query: CatalogueQuery) -> None:
        result: CataloguePage = await run(search_items, query, read_only=True)
        self.search, self.category, self.sort = query.search, query.category, query.sort
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.products = [_product_row(item) for item in result.items]
        self.error = ""

    async def _update(self, **changes) -> None:
        params = {"search": self.search, "category": self.category, "sort": self.sort, "page": 1}
        params.update(changes)
        try:
            query = make_query(**params)
        except CatalogueError as exc:
            self.error = str(exc)
            return
        await self._run(query)

    @rx.event
    async def load(self):
        """Show the first page for the current filters."""
        await self._update(page=self.page)

    @rx.event
    async def search_for(self, value: str):
        """Search product names as the investor types."""
        await self._update(search=value)

    @rx.event
    async def choose_category(self, value: str):
        """Show one category, or all for 'all'."""
        await self._update(category="" if value == "all" else value)

    @rx.event
    async def choose_sort(self, value: str):
        """Order by name or price."""
        await self._update(sort=value)

    @rx.event
    async def next_page(self):
        """The following page, if any."""
        if self.page < self.pages:
            await self._update(page=self.page + 1)

    @rx.event
    async def previous_page(self):
        """The page before, if any."""
        if self.page > 1:
            await self._update(page=self.page - 1)
