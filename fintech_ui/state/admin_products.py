"""Back office, products: the list, the search and the create/edit form."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

import reflex as rx

from fintech_ui.db import now
from fintech_ui.errors import DomainError
from fintech_ui.money import decimal_string, format_cents
from fintech_ui.services import admin_products as products
from fintech_ui.services.admin_access import NotAuthorized
from fintech_ui.state.admin import DENIED, AdminSearchSection, Refused, admin_call
from fintech_ui.state.session import private

FORM_FIELDS = ("sku", "name", "category", "price", "stock", "description", "risk", "reason")


@dataclasses.dataclass
class AdminProductRow:
    """A product in the back office's list, formatted."""

    id: int = 0
    sku: str = ""
    name: str = ""
    category: str = ""
    price: str = ""
    stock: int = 0
    risk_level: int = 1
    status: str = ""
    sold: bool = False


def _row(view: products.AdminProduct) -> AdminProductRow:
    return AdminProductRow(
        id=view.id,
        sku=view.sku,
        name=view.name,
        category=view.category,
        price=format_cents(view.price_cents),
        stock=view.stock,
        risk_level=view.risk_level,
        status="Active" if view.is_active else "Inactive",
        sold=view.sold,
    )


def _empty_form() -> dict[str, str]:
    return {name: "" for name in FORM_FIELDS} | {"category": "fund", "risk": "3", "stock": "0"}


@private(lambda state: state.reset())
class AdminProductsState(AdminSearchSection, rx.State):
    """The products section: what the list shows and what the form holds."""

    SEARCH_ACTION: ClassVar[str] = "products.search"
    SEARCH_MAX: ClassVar[int] = 120

    rows: list[AdminProductRow] = []
    editing: bool = False
    editing_id: int = 0
    form_key: int = 0  # a new key remounts the form's inputs with the new values
    sku_locked: bool = False
    values: dict[str, str] = _empty_form()
    active: bool = True
    field_errors: dict[str, str] = {}
    message: str = ""
    stock_moves: list[str] = []

    def _deny(self) -> None:
        self.rows, self.stock_moves, self.values = [], [], _empty_form()
        self.editing, self.field_errors, self.message, self.error = False, {}, "", DENIED

    async def _refresh(self) -> None:
        views = await admin_call(
            self, "products.list", None, products.list_products, search=self.search
        )
        self.rows = [_row(view) for view in views]

    @rx.event
    async def new_product(self):
        """An empty form for a new product."""
        if await self._deny_if_refused("products.new", None):
            return
        self.editing, self.editing_id, self.sku_locked = True, 0, False
        self.form_key += 1
        self.values, self.active, self.field_errors = _empty_form(), True, {}
        self.message, self.error, self.stock_moves = "", "", []

    @rx.event
    async def edit(self, item_id):
        """Fill the form with one product's current values and its stock history."""
        if type(item_id) is not int:
            await self._deny_if_refused("products.edit", item_id)
            return
        view = await self._ask("products.edit", item_id, products.get_product, item_id=item_id)
        if isinstance(view, Refused):
            return
        moves = await self._ask("products.edit", item_id, products.stock_history, item_id=item_id)
        if isinstance(moves, Refused):
            return
        self.editing, self.editing_id, self.sku_locked = True, view.id, view.sold
        self.form_key += 1
        self.values = {
            "sku": view.sku,
            "name": view.name,
            "category": view.category,
            "price": decimal_string(view.price_cents),
            "stock": str(view.stock),
            "description": view.description,
            "risk": str(view.risk_level),
            "reason": "",
        }
        self.active, self.field_errors, self.message, self.error = view.is_active, {}, "", ""
        self.stock_moves = [
            f"{dt.datetime.fromtimestamp(m.at, dt.UTC):%Y-%m-%d %H:%M} "
            f"{m.delta:+d} → {m.stock_after}: {m.reason}"
            for m in moves
        ]

    @rx.event
    async def set_active(self, value):
        """The Active switch of the form (saved with the form)."""
        if not await self._deny_if_refused("products.set_active", value) and type(value) is bool:
            self.active = value

    @rx.event
    async def cancel(self):
        """Close the form without saving."""
        if await self._deny_if_refused("products.cancel", None):
            return
        self.editing, self.field_errors, self.error = False, {}, ""

    @rx.event
    async def save(self, form_data):
        """Create or update the product from the form; field messages and nothing changed on
        bad input."""
        if not isinstance(form_data, Mapping):  # a dict, or Reflex's FormData
            form_data = {"form": form_data}
        fields = {key: form_data.get(key, "") for key in FORM_FIELDS}
        # Only the fields we render are read; anything else the browser sends is ignored.
        fields["active"] = self.active
        item_id = self.editing_id or None
        try:
            view = await admin_call(
                self,
                "products.save",
                form_data,
                products.save_product,
                item_id=item_id,
                fields=fields,
                now=now(),
            )
        except NotAuthorized:
            self._deny()
            return
        except products.ProductInvalid as exc:
            self.values = {
                k: v if isinstance(v, str) else "" for k, v in fields.items() if k in FORM_FIELDS
            }
            self.field_errors, self.message = exc.errors, ""
            self.error = exc.errors.get("form", "Check the highlighted fields.")
            return
        except DomainError as exc:
            self.error = str(exc)
            return
        self.field_errors, self.error, self.editing = {}, "", False
        self.message = f"Saved {view.name} ({view.sku})."
        await self._refresh()

    @rx.event
    async def remove(self, item_id):
        """Delete a product nobody bought, or deactivate one that has orders."""
        if type(item_id) is not int:
            await self._deny_if_refused("products.remove", item_id)
            return
        outcome = await self._ask(
            "products.remove", item_id, products.remove_product, item_id=item_id, now=now()
        )
        if isinstance(outcome, Refused):
            return
        self.editing, self.message, self.error = False, f"The product was {outcome}.", ""
        await self._refresh()

    @rx.var
    def categories(self) -> list[str]:
        """The categories a product may have."""
        return list(products.CATEGORIES)
