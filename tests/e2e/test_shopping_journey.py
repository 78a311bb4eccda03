"""Shopping in Chromium against the production build: catalogue, cart, checkout, orders, money.

The database starts without products, so `demo_catalogue` seeds the demo products first.
Expected amounts are computed here from the prices in the database, with a formatter of this
module's own, never from the page. Pages are reached through the navigation bar (client-side
routing, the websocket stays up) unless a full load is the point of the step; after a full
load `goto_live` waits for the first state update before anything is clicked or typed.

With FINTECH_SCREENSHOTS=1 the journey saves docs/screenshots/journey-*.png.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from pathlib import Path

import pytest
from e2e_helpers import goto_live
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"  # accepted by the policy; contains no test username
GOLD = "Gold (1 gram)"
BITCOIN = "Bitcoin (0.001 BTC)"
SILVER = "Silver (1 ounce)"
TREASURY = "US Treasury 10-Year Note"
VISITOR_COOKIE = "fintech_visitor"


# ----------------------------------------------------------------- helpers


def unique_username(prefix: str) -> str:
    """A fresh valid username: the database lives for the whole test session."""
    return f"{prefix}_{secrets.token_hex(4)}"


def dollars(cents: int) -> str:
    """'$1,234.56', as the app should show money; written here so it is not the app's own."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def path_is(frontend_url: str, path: str) -> re.Pattern[str]:
    """The page at `path`; the production server may add a trailing slash."""
    return re.compile("^" + re.escape(frontend_url + path.rstrip("/")) + "/?$")


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation")


def nav_link(page: Page, name: str) -> Locator:
    return nav(page).get_by_role("link", name=name, exact=True)


def cart_link(page: Page) -> Locator:
    """The navigation bar's cart link; its accessible name holds the count ("Cart, 2 items")."""
    return nav(page).locator("a[href='/cart']")


def expect_badge(page: Page, units: int) -> None:
    """The cart link names the unit count; the visible badge shows it (none when empty)."""
    name = "Cart, 1 item" if units == 1 else f"Cart, {units} items"
    expect(cart_link(page)).to_have_accessible_name(name)
    badge = cart_link(page).locator(".rt-Badge")
    if units:
        expect(badge).to_have_text(str(units))
    else:
        expect(badge).to_have_count(0)


def account_link(page: Page) -> Locator:
    """The username in the top bar, named "Account, <username>"."""
    return nav(page).get_by_role("link", name=re.compile(r"^Account, "))


def expect_logged_in_as(page: Page, username: str) -> None:
    expect(nav_link(page, f"Account, {username}")).to_have_text(username)


def register_in_browser(page: Page, frontend_url: str, username: str) -> None:
    """Create the account on /register; the app then lands on the catalogue, logged in."""
    goto_live(page, f"{frontend_url}/register")
    submit_register_form(page, username)
    expect(page).to_have_url(path_is(frontend_url, "/"))
    expect_logged_in_as(page, username)


def submit_register_form(page: Page, username: str) -> None:
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()


def submit_login_form(page: Page, username: str) -> None:
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()


def log_in_in_browser(page: Page, frontend_url: str, username: str) -> None:
    goto_live(page, f"{frontend_url}/login")
    submit_login_form(page, username)
    expect(page).to_have_url(path_is(frontend_url, "/"))
    expect_logged_in_as(page, username)


def add_button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=f"Add {name} to cart", exact=True)


def search_catalogue(page: Page, text: str, *, shows: str, hides: str | None = None) -> None:
    """Type into the search box and wait until the results show `shows` (and not `hides`)."""
    page.get_by_label("Search products", exact=True).fill(text)
    if hides is not None:
        expect(add_button(page, hides)).to_have_count(0)
    expect(add_button(page, shows)).to_be_visible()


def add_from_catalogue(page: Page, name: str, *, badge_after: int) -> None:
    add_button(page, name).click()
    expect_badge(page, badge_after)


def cart_rows(page: Page) -> Locator:
    """The cart's lines: a list of cards (a table did not fit a phone)."""
    return page.get_by_role("list", name="Products in your cart").get_by_role("listitem")


def cart_row(page: Page, name: str) -> Locator:
    return cart_rows(page).filter(has=page.get_by_text(name, exact=True))


def quantity_of(page: Page, name: str) -> Locator:
    return page.get_by_label(f"Quantity of {name}", exact=True)


def cart_total(page: Page) -> Locator:
    return page.locator("main").get_by_text(re.compile(r"^Total: "))


def expect_cart_lines(page: Page, lines: dict[str, int], prices: dict[str, int]) -> None:
    """Exactly these lines with these quantities, line totals and the cart's total."""
    expect(cart_rows(page)).to_have_count(len(lines))
    for name, quantity in lines.items():
        expect(quantity_of(page, name)).to_have_text(str(quantity))
        row = cart_row(page, name)
        expect(row).to_contain_text(dollars(prices[name]))
        expect(row).to_contain_text(dollars(prices[name] * quantity))
    total = sum(prices[name] * quantity for name, quantity in lines.items())
    expect(cart_total(page)).to_have_text(f"Total: {dollars(total)}")


def open_cart(page: Page, frontend_url: str) -> None:
    cart_link(page).click()
    expect(page).to_have_url(path_is(frontend_url, "/cart"))
    expect(page.get_by_role("heading", name="Your cart", level=1)).to_be_visible()


def expect_balance(page: Page, amount: str) -> None:
    """The balance heading, named with its amount ("Balance: $500.00"), shows the amount."""
    heading = page.get_by_role("heading", name=f"Balance: {amount}", exact=True)
    expect(heading).to_be_visible()
    expect(heading).to_contain_text(amount)


def expect_back_link_on_one_line(page: Page) -> None:
    """The "All orders" link's arrow sits beside its words, not on a line of its own."""
    back = page.get_by_role("link", name="All orders", exact=True)
    arrow = back.locator("svg").bounding_box()
    link = back.bounding_box()
    assert arrow is not None and link is not None
    assert link["height"] < 2 * arrow["height"] + 8  # one line high (44 px on touch screens)
    assert arrow["x"] + arrow["width"] <= link["x"] + link["width"] - 20  # words to its right


def statement_rows(page: Page) -> Locator:
    return page.locator("main").locator("tbody").get_by_role("row")


def expect_order_detail(page: Page, order_id: int, lines: dict[str, int], prices: dict) -> None:
    """The order's page: a row per product (quantity, unit price, line total) and the total."""
    expect(page.get_by_role("heading", name=f"Order #{order_id}", level=1)).to_be_visible()
    rows = page.locator("main").locator("tbody").get_by_role("row")
    expect(rows).to_have_count(len(lines))
    for name, quantity in lines.items():
        cells = [name, str(quantity), dollars(prices[name]), dollars(quantity * prices[name])]
        expect(
            rows.filter(has=page.get_by_text(name, exact=True)).get_by_role("cell")
        ).to_have_text(cells)
    total = sum(prices[name] * quantity for name, quantity in lines.items())
    expect(page.locator("main").get_by_text(re.compile(r"^Total: "))).to_have_text(
        f"Total: {dollars(total)}"
    )


def add_to_users_cart(user_id: int, item_id: int, quantity: int) -> None:
    """A line put in the user's cart earlier, e.g. from another device."""
    from fintech_ui.db import session_scope
    from fintech_ui.services import cart as carts

    with session_scope() as db:
        carts.add_item(
            db,
            carts.CartOwner(user_id=user_id),
            item_id=item_id,
            quantity=quantity,
            now=int(time.time()),
        )


def visitor_cart_exists(token: str) -> bool:
    from sqlmodel import select

    from fintech_ui.db import session_scope
    from fintech_ui.models import Cart

    with session_scope(read_only=True) as db:
        return db.exec(select(Cart).where(Cart.visitor_token == token)).first() is not None


def visitor_token(page: Page) -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == VISITOR_COOKIE), "")


# ----------------------------------------------------------------- the whole journey


def test_new_investor_deposits_buys_and_sees_the_order(
    page: Page, frontend_url: str, product, screenshot, tmp_path: Path
) -> None:
    prices = {name: product(name).price_cents for name in (GOLD, BITCOIN)}
    username = unique_username("shopper")

    register_in_browser(page, frontend_url, username)
    expect_badge(page, 0)

    # Money first.
    account_link(page).click()
    expect(page).to_have_url(path_is(frontend_url, "/account"))
    expect_balance(page, "$0.00")
    page.get_by_label("Amount", exact=True).fill("500.00")
    page.get_by_role("button", name="Deposit", exact=True).click()
    expect_balance(page, "$500.00")
    expect(page.locator("main").get_by_role("status")).to_have_text(
        "$500.00 added to your balance."
    )
    expect(page.get_by_label("Amount", exact=True)).to_have_value("")

    # The catalogue: search, then add.
    nav(page).get_by_role("link", name="Fintech UI").click()
    expect(page).to_have_url(path_is(frontend_url, "/"))
    search_catalogue(page, "gold", shows=GOLD, hides=BITCOIN)
    add_from_catalogue(page, GOLD, badge_after=1)
    search_catalogue(page, "bitcoin", shows=BITCOIN, hides=GOLD)
    add_from_catalogue(page, BITCOIN, badge_after=2)
    expect(page.get_by_text(f"{BITCOIN} added to your cart")).to_be_visible()
    screenshot(page, "catalogue", toasts=True)

    # The cart: two lines, then quantities.
    open_cart(page, frontend_url)
    expect_cart_lines(page, {GOLD: 1, BITCOIN: 1}, prices)
    increase = page.get_by_role("button", name=f"Increase quantity of {GOLD}", exact=True)
    decrease = page.get_by_role("button", name=f"Decrease quantity of {GOLD}", exact=True)
    increase.click()
    expect(quantity_of(page, GOLD)).to_have_text("2")
    increase.click()
    expect(quantity_of(page, GOLD)).to_have_text("3")
    expect_badge(page, 4)
    decrease.click()
    expect(quantity_of(page, GOLD)).to_have_text("2")
    expect_badge(page, 3)
    expect_cart_lines(page, {GOLD: 2, BITCOIN: 1}, prices)
    total = 2 * prices[GOLD] + prices[BITCOIN]
    screenshot(page, "cart")

    # Checkout.
    page.get_by_role("button", name="Checkout", exact=True).click()
    status = page.locator("main").get_by_role("status")
    expect(status).to_contain_text(re.compile(r"Order #\d+ placed: " + re.escape(dollars(total))))
    order_id = int(re.search(r"Order #(\d+)", status.inner_text()).group(1))
    expect(status.get_by_role("link", name="See your orders")).to_be_visible()
    expect(page.get_by_text("Your cart is empty", exact=True)).to_be_visible()
    expect(cart_rows(page)).to_have_count(0)
    expect_badge(page, 0)

    # The order history names both products.
    nav_link(page, "Orders").click()
    expect(page).to_have_url(path_is(frontend_url, "/orders"))
    order_link = page.get_by_role("link", name=f"Order #{order_id}", exact=True)
    expect(order_link).to_be_visible()
    orders = page.locator("main").locator("tbody").get_by_role("row")
    expect(orders).to_have_count(1)
    expect(orders.first).to_contain_text(f"{GOLD} × 2")
    expect(orders.first).to_contain_text(f"{BITCOIN} × 1")
    expect(orders.first).to_contain_text(dollars(total))
    screenshot(page, "orders")

    # The order's own page, reached by its link and loaded afresh.
    order_link.click()
    expect(page).to_have_url(path_is(frontend_url, f"/orders/{order_id}"))
    expect_order_detail(page, order_id, {GOLD: 2, BITCOIN: 1}, prices)
    goto_live(page, page.url)  # a dynamic route loaded directly from the server
    expect_order_detail(page, order_id, {GOLD: 2, BITCOIN: 1}, prices)
    expect_back_link_on_one_line(page)

    # The money went out once, and the statement says why.
    account_link(page).click()
    expect(page).to_have_url(path_is(frontend_url, "/account"))
    expect_balance(page, dollars(50_000 - total))
    rows = statement_rows(page)
    expect(rows).to_have_count(2)
    purchase, deposit = rows.nth(0), rows.nth(1)  # newest first
    expect(purchase.get_by_role("link", name=f"Purchase · order #{order_id}")).to_be_visible()
    expect(purchase).to_contain_text(dollars(-total))
    expect(purchase).to_contain_text(dollars(50_000 - total))
    expect(deposit).to_contain_text("Deposit")
    expect(deposit).to_contain_text("$500.00")
    screenshot(page, "account")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "fintech-statement.csv"
    saved = tmp_path / "statement.csv"
    download.save_as(saved)
    statement = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    for row in statement:  # ISO 8601 in UTC, saying so
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["date"]), row["date"]
    assert [(r["type"], r["order"], r["amount"], r["balance"]) for r in statement] == [
        ("deposit", "", "500.00", "500.00"),
        (
            "purchase",
            str(order_id),
            f"-{total // 100}.{total % 100:02d}",
            f"{(50_000 - total) // 100}.{(50_000 - total) % 100:02d}",
        ),
    ]


# ----------------------------------------------------------------- a visitor's cart


def test_visitor_cart_joins_the_existing_account_at_login(
    page: Page, frontend_url: str, product, create_user
) -> None:
    prices = {name: product(name).price_cents for name in (GOLD, BITCOIN)}
    username = unique_username("merger")
    user_id = create_user(username, PASSWORD)
    add_to_users_cart(user_id, product(GOLD).id, 1)  # from an earlier visit

    goto_live(page, f"{frontend_url}/")
    search_catalogue(page, "gold", shows=GOLD)
    add_from_catalogue(page, GOLD, badge_after=1)
    search_catalogue(page, "bitcoin", shows=BITCOIN, hides=GOLD)
    add_from_catalogue(page, BITCOIN, badge_after=2)
    token = visitor_token(page)
    assert token, "the visitor's cart must be named by the fintech_visitor cookie"

    open_cart(page, frontend_url)
    expect_cart_lines(page, {GOLD: 1, BITCOIN: 1}, prices)
    expect(page.get_by_text("You will be asked to log in to check out.")).to_be_visible()
    expect(nav_link(page, "Log in")).to_be_visible()

    page.get_by_role("button", name="Checkout", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/?\?next=%2Fcart$"))
    submit_login_form(page, username)

    expect(page).to_have_url(path_is(frontend_url, "/cart"))
    expect_logged_in_as(page, username)
    expect_cart_lines(page, {GOLD: 2, BITCOIN: 1}, prices)
    expect_badge(page, 3)
    expect(page.get_by_text("You will be asked to log in to check out.")).to_have_count(0)
    assert not visitor_cart_exists(token), "the visitor's cart must be gone once merged"
    assert visitor_token(page) == "", "the visitor cookie must no longer name a cart"


def test_visitor_cart_joins_a_new_account_at_registration(
    page: Page, frontend_url: str, product
) -> None:
    prices = {name: product(name).price_cents for name in (GOLD, SILVER)}
    username = unique_username("newcomer")

    goto_live(page, f"{frontend_url}/")
    search_catalogue(page, "silver", shows=SILVER, hides=GOLD)
    add_from_catalogue(page, SILVER, badge_after=1)
    add_from_catalogue(page, SILVER, badge_after=2)
    search_catalogue(page, "gold", shows=GOLD, hides=SILVER)
    add_from_catalogue(page, GOLD, badge_after=3)

    open_cart(page, frontend_url)
    expect_cart_lines(page, {SILVER: 2, GOLD: 1}, prices)

    nav(page).get_by_role("link", name="Register").click()
    expect(page).to_have_url(path_is(frontend_url, "/register"))
    submit_register_form(page, username)
    expect_logged_in_as(page, username)
    expect_badge(page, 3)

    open_cart(page, frontend_url)
    expect_cart_lines(page, {SILVER: 2, GOLD: 1}, prices)


# ----------------------------------------------------------------- not enough money


def test_checkout_without_enough_money_changes_nothing(
    page: Page, frontend_url: str, product, create_user, fund_user
) -> None:
    price = product(TREASURY).price_cents
    assert price > 1_000, "the product must cost more than the balance"
    stock_before = product(TREASURY).stock
    username = unique_username("short")
    fund_user(create_user(username, PASSWORD), 1_000)

    log_in_in_browser(page, frontend_url, username)
    search_catalogue(page, "treasury", shows=TREASURY)
    add_from_catalogue(page, TREASURY, badge_after=1)
    open_cart(page, frontend_url)
    page.get_by_role("button", name=f"Increase quantity of {TREASURY}", exact=True).click()
    expect(quantity_of(page, TREASURY)).to_have_text("2")
    expect_cart_lines(page, {TREASURY: 2}, {TREASURY: price})

    page.get_by_role("button", name="Checkout", exact=True).click()
    expect(page.locator("main").get_by_role("alert")).to_have_text(
        f"Not enough money: the total is {dollars(2 * price)} but your balance is $10.00."
    )
    expect(page.locator("main").get_by_role("status")).to_have_count(0)
    expect_cart_lines(page, {TREASURY: 2}, {TREASURY: price})
    expect_badge(page, 2)

    account_link(page).click()
    expect_balance(page, "$10.00")
    expect(statement_rows(page)).to_have_count(1)
    expect(statement_rows(page).first).to_contain_text("Deposit")
    nav_link(page, "Orders").click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    assert product(TREASURY).stock == stock_before


# ----------------------------------------------------------------- persistence


@pytest.mark.parametrize("who", ["visitor", "investor"])
def test_cart_survives_reload_and_is_shared_by_tabs(
    page: Page, frontend_url: str, product, create_user, who: str
) -> None:
    prices = {SILVER: product(SILVER).price_cents}
    if who == "investor":
        username = unique_username("tabs")
        create_user(username, PASSWORD)
        log_in_in_browser(page, frontend_url, username)
    else:
        goto_live(page, f"{frontend_url}/")
    search_catalogue(page, "silver", shows=SILVER)
    add_from_catalogue(page, SILVER, badge_after=1)

    page.reload()
    expect_badge(page, 1)
    goto_live(page, f"{frontend_url}/cart")
    expect_cart_lines(page, {SILVER: 1}, prices)
    page.reload()
    expect_cart_lines(page, {SILVER: 1}, prices)

    second = page.context.new_page()
    goto_live(second, f"{frontend_url}/cart")
    expect_cart_lines(second, {SILVER: 1}, prices)
    expect_badge(second, 1)

    # A change in the second tab is what the first one shows after a reload.
    second.get_by_role("button", name=f"Increase quantity of {SILVER}", exact=True).click()
    expect(quantity_of(second, SILVER)).to_have_text("2")
    page.reload()
    expect_cart_lines(page, {SILVER: 2}, prices)
    expect_badge(page, 2)


# ----------------------------------------------------------------- an impatient double click


def double_click_checkout(page: Page, frontend_url: str, create_user, fund_user) -> int:
    """A funded investor with one Silver in the cart double-clicks Checkout; returns user id."""
    username = unique_username("double")
    user_id = create_user(username, PASSWORD)
    fund_user(user_id, 10_000)
    log_in_in_browser(page, frontend_url, username)
    search_catalogue(page, "silver", shows=SILVER)
    add_from_catalogue(page, SILVER, badge_after=1)
    open_cart(page, frontend_url)
    page.get_by_role("button", name="Checkout", exact=True).dblclick()
    expect(page.get_by_text("Your cart is empty", exact=True)).to_be_visible()
    return user_id


def test_double_click_on_checkout_buys_once(
    page: Page, frontend_url: str, product, create_user, fund_user
) -> None:
    price = product(SILVER).price_cents
    double_click_checkout(page, frontend_url, create_user, fund_user)

    account_link(page).click()
    expect_balance(page, dollars(10_000 - price))
    expect(statement_rows(page)).to_have_count(2)  # the deposit and one purchase
    nav_link(page, "Orders").click()
    expect(page.locator("main").locator("tbody").get_by_role("row")).to_have_count(1)


def test_double_click_on_checkout_still_confirms_the_order(
    page: Page, frontend_url: str, create_user, fund_user
) -> None:
    double_click_checkout(page, frontend_url, create_user, fund_user)

    expect(page.locator("main").get_by_role("status")).to_contain_text(
        re.compile(r"Order #\d+ placed"), timeout=3_000
    )
    expect(page.locator("main").get_by_role("alert")).to_have_count(0)
