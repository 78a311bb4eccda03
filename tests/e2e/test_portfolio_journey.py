"""The portfolio in Chromium: a new investor deposits, buys two products (one from its own
product page), sees them on /portfolio with units, cost, value and three charts, sells part of
one and sees balance, statement and portfolio change, then withdraws cash.

Expected amounts come from the database's prices and this module's own formatter. With
FINTECH_SCREENSHOTS=1 it saves docs/screenshots/portfolio(-mobile).png and product(-mobile).png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shopping_journey import (
    BITCOIN,
    GOLD,
    dollars,
    expect_badge,
    expect_balance,
    nav_link,
    open_cart,
    path_is,
    register_in_browser,
    search_catalogue,
    statement_rows,
    unique_username,
)

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shoot(page: Page, name: str) -> None:
    """Both widths of the current page, when FINTECH_SCREENSHOTS=1."""
    if os.environ.get("FINTECH_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    page.mouse.move(0, 0)
    for width, suffix in ((1280, ""), (390, "-mobile")):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(400)  # charts re-measure their container
        page.screenshot(
            path=str(SHOTS / f"{name}{suffix}.png"), full_page=True, animations="disabled"
        )
    page.set_viewport_size({"width": 1280, "height": 720})


def holding_row(page: Page, name: str):
    rows = page.locator("main").locator("tbody").get_by_role("row")
    return rows.filter(has=page.get_by_role("link", name=name, exact=True))


def figure(page: Page, label: str):
    return page.locator("main").get_by_text(label, exact=True).first.locator("xpath=..")


def test_investor_buys_sees_portfolio_sells_and_withdraws(
    page: Page, frontend_url: str, product
) -> None:
    gold, bitcoin = product(GOLD), product(BITCOIN)
    username = unique_username("investor")
    register_in_browser(page, frontend_url, username)

    # Money in.
    nav(page_=page).locator("a[href='/account']").click()  # "Account, <name>"
    expect(page).to_have_url(path_is(frontend_url, "/account"))
    page.get_by_label("Amount", exact=True).fill("1000.00")
    page.get_by_role("button", name="Deposit", exact=True).click()
    expect_balance(page, "$1,000.00")

    # Gold from its own page: name link on the card, chart ranges, analytics, add to cart.
    nav(page_=page).get_by_role("link", name="Fintech UI").click()
    search_catalogue(page, "gold", shows=GOLD, hides=BITCOIN)
    page.get_by_role("link", name=GOLD, exact=True).click()
    expect(page).to_have_url(path_is(frontend_url, f"/products/{gold.sku}"))
    expect(page.get_by_role("heading", name=GOLD, level=1)).to_be_visible()
    expect(page.get_by_text(dollars(gold.price_cents), exact=True)).to_be_visible()
    for label in ("1M", "6M", "1Y"):
        page.get_by_role("button", name=label, exact=True).click()
        expect(page.get_by_text(re.compile(f"^Price over {label}: from "))).to_be_visible()
    expect(page.locator(".recharts-wrapper")).to_have_count(1)
    expect(page.get_by_text("Volatility (annualised)", exact=True)).to_be_visible()
    _shoot(page, "product")
    page.get_by_role("button", name=f"Add {GOLD} to cart", exact=True).click()
    expect_badge(page, 1)

    # Bitcoin from the catalogue, three grams of gold, checkout.
    nav(page_=page).get_by_role("link", name="Fintech UI").click()
    search_catalogue(page, "bitcoin", shows=BITCOIN, hides=GOLD)
    page.get_by_role("button", name=f"Add {BITCOIN} to cart", exact=True).click()
    expect_badge(page, 2)
    open_cart(page, frontend_url)
    increase = page.get_by_role("button", name=f"Increase quantity of {GOLD}", exact=True)
    increase.click()
    expect_badge(page, 3)
    increase.click()
    expect_badge(page, 4)
    page.get_by_role("button", name="Checkout", exact=True).click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("placed")
    spent = 3 * gold.price_cents + bitcoin.price_cents
    cash = 100_000 - spent

    # The portfolio: rows, totals and the three charts.
    nav_link(page, "Portfolio").click()
    expect(page).to_have_url(path_is(frontend_url, "/portfolio"))
    expect(page.get_by_role("heading", name="Portfolio", level=1)).to_be_visible()
    gold_row = holding_row(page, GOLD)
    expect(gold_row.get_by_role("cell").nth(0)).to_have_text("3")
    expect(gold_row).to_contain_text(dollars(gold.price_cents))
    expect(gold_row).to_contain_text(dollars(3 * gold.price_cents))
    expect(holding_row(page, BITCOIN)).to_contain_text(dollars(bitcoin.price_cents))
    expect(figure(page, "Cash")).to_contain_text(dollars(cash))
    expect(figure(page, "Holdings value")).to_contain_text(dollars(spent))
    expect(figure(page, "Total value")).to_contain_text("$1,000.00")
    for title in (
        "Allocation by category",
        "Total value over the past year",
        "Money in and out per month",
    ):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(page.locator(".recharts-wrapper")).to_have_count(3)
    expect(page.get_by_text(re.compile(r"^Total value went from "))).to_be_visible()
    _shoot(page, "portfolio")

    # Sell one gram of gold.
    page.get_by_role("button", name=f"Sell {GOLD}", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Sell {GOLD}")).to_be_visible()
    dialog.get_by_label("Units", exact=True).fill("1")
    dialog.get_by_role("button", name="Confirm sale", exact=True).click()
    expect(dialog).to_have_count(0)
    status = page.locator("main").get_by_role("status")
    expect(status).to_contain_text(f"Sold 1 × {GOLD} for {dollars(gold.price_cents)}")
    sale_id = int(re.search(r"order #(\d+)", status.inner_text()).group(1))
    cash += gold.price_cents
    expect(gold_row.get_by_role("cell").nth(0)).to_have_text("2")
    expect(figure(page, "Cash")).to_contain_text(dollars(cash))

    # The account shows the sale, then a withdrawal.
    nav(page_=page).locator("a[href='/account']").click()  # "Account, <name>"
    expect_balance(page, dollars(cash))
    expect(statement_rows(page).nth(0)).to_contain_text(f"Sale · order #{sale_id}")
    expect(statement_rows(page).nth(0)).to_contain_text(dollars(gold.price_cents))
    page.get_by_label("Withdrawal amount", exact=True).fill("50.00")
    page.get_by_role("button", name="Withdraw", exact=True).click()
    expect(page.get_by_text(re.compile(r"^\$50\.00 sent to your bank account"))).to_be_visible()
    expect_balance(page, dollars(cash - 5000))
    expect(statement_rows(page).nth(0)).to_contain_text("Withdrawal")
    expect(statement_rows(page).nth(0)).to_contain_text("-$50.00")
    expect(page.get_by_label("Withdrawal amount", exact=True)).to_have_value("")

    # More than the balance is refused and changes nothing.
    page.get_by_label("Withdrawal amount", exact=True).fill("9999.00")
    page.get_by_role("button", name="Withdraw", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Not enough money")
    expect_balance(page, dollars(cash - 5000))


def nav(page_: Page):
    return page_.get_by_role("navigation")
