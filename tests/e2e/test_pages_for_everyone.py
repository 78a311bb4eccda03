"""The defects of issue 12 that a page can show, one test each: names, focus, phones, 404.

Logged-out visitors fill their cart through the catalogue, as anyone would; `phone` is a
390×844 touch screen, `desktop` 1280×800.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
GOLD = "Gold (1 gram)"
SILVER = "Silver (1 ounce)"
BITCOIN = "Bitcoin (0.001 BTC)"


@pytest.fixture
def phone(new_context) -> Page:
    return new_context(PHONE, touch=True).new_page()


@pytest.fixture
def desktop(new_context) -> Page:
    return new_context(DESKTOP).new_page()


def add(page: Page, goto_live, frontend_url: str, search: str, name: str) -> None:
    goto_live(page, f"{frontend_url}/?q={search}")
    page.get_by_role("button", name=f"Add {name} to cart", exact=True).click()
    expect(page.get_by_text(f"{name} added to your cart")).to_be_visible()


def cart_line(page: Page, name: str):
    lines = page.get_by_role("list", name="Products in your cart").get_by_role("listitem")
    return lines.filter(has=page.get_by_role("heading", name=name, exact=True))


# ------------------------------------------------------------------ the top bar


def test_on_a_phone_the_account_links_fold_into_a_named_menu_button(
    phone, goto_live, frontend_url, demo_catalogue
):
    goto_live(phone, f"{frontend_url}/")
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_have_count(0)  # folded away
    nav.get_by_role("button", name="Menu", exact=True).click()
    menu = phone.get_by_role("dialog", name="Menu")
    expect(menu.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    menu.get_by_role("link", name="Register", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/register/?$"))


def test_register_is_one_link_one_tab_stop_and_enter_follows_it(
    desktop, goto_live, frontend_url, demo_catalogue
):
    goto_live(desktop, f"{frontend_url}/login")
    register = desktop.get_by_role("navigation").get_by_role("link", name="Register", exact=True)
    expect(register).to_be_visible()
    assert register.evaluate("el => el.closest('button') === null && el.tagName === 'A'")
    register.focus()
    desktop.keyboard.press("Tab")  # one stop: the next one is another control
    expect(register).not_to_be_focused()
    register.focus()
    desktop.keyboard.press("Enter")
    expect(desktop).to_have_url(re.compile(r"/register/?$"))


def test_the_cart_link_names_its_count(desktop, goto_live, frontend_url, demo_catalogue):
    goto_live(desktop, f"{frontend_url}/")
    cart = desktop.get_by_role("navigation").locator("a[href='/cart']")
    expect(cart).to_have_accessible_name("Cart, 0 items")
    add(desktop, goto_live, frontend_url, "gold", GOLD)
    expect(cart).to_have_accessible_name("Cart, 1 item")
    add(desktop, goto_live, frontend_url, "silver", SILVER)
    expect(cart).to_have_accessible_name("Cart, 2 items")


# ------------------------------------------------------------------ catalogue


def test_add_to_cart_feedback_shows_on_a_phones_first_screen(
    phone, goto_live, frontend_url, demo_catalogue
):
    add(phone, goto_live, frontend_url, "gold", GOLD)
    toast = phone.locator("[data-sonner-toast]").filter(has_text="added to your cart")
    expect(toast).to_have_attribute("data-mounted", "true")
    phone.wait_for_timeout(500)  # its entry animation
    box = toast.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_category_names_are_spelled_right(desktop, goto_live, frontend_url, demo_catalogue):
    goto_live(desktop, f"{frontend_url}/")
    desktop.get_by_role("combobox", name="Category").click()
    options = desktop.get_by_role("option")
    expect(options).to_have_text(
        ["All categories", "Funds", "Bonds", "Stocks", "Crypto", "Commodities"]
    )


# ------------------------------------------------------------------ cart


def test_removing_a_middle_line_moves_focus_to_the_next_lines_name_not_its_remove_button(
    desktop, goto_live, frontend_url, demo_catalogue
):
    for search, name in [("bitcoin", BITCOIN), ("gold", GOLD), ("silver", SILVER)]:
        add(desktop, goto_live, frontend_url, search, name)
    goto_live(desktop, f"{frontend_url}/cart")
    desktop.get_by_role("button", name=f"Remove {GOLD}", exact=True).focus()
    desktop.keyboard.press("Enter")
    expect(cart_line(desktop, GOLD)).to_have_count(0)
    expect(desktop.get_by_role("heading", name=SILVER, exact=True)).to_be_focused()


def test_removing_the_last_line_moves_focus_to_the_empty_cart_message(
    desktop, goto_live, frontend_url, demo_catalogue
):
    add(desktop, goto_live, frontend_url, "gold", GOLD)
    goto_live(desktop, f"{frontend_url}/cart")
    desktop.get_by_role("button", name=f"Remove {GOLD}", exact=True).focus()
    desktop.keyboard.press("Enter")
    expect(desktop.get_by_text("Your cart is empty", exact=True)).to_be_focused()


def test_the_quantity_is_a_named_live_region(desktop, goto_live, frontend_url, demo_catalogue):
    add(desktop, goto_live, frontend_url, "gold", GOLD)
    goto_live(desktop, f"{frontend_url}/cart")
    group = desktop.get_by_role("group", name=f"Quantity of {GOLD}", exact=True)
    number = group.locator("[aria-live='polite']")
    expect(number).to_have_text("1")
    desktop.get_by_role("button", name=f"Increase quantity of {GOLD}", exact=True).click()
    expect(number).to_have_text("2")


def test_cart_lines_stack_within_a_phones_width(phone, goto_live, frontend_url, demo_catalogue):
    add(phone, goto_live, frontend_url, "gold", GOLD)
    goto_live(phone, f"{frontend_url}/cart")
    for control in [
        phone.get_by_role("button", name=f"Buy {GOLD}", exact=True),
        phone.get_by_role("button", name=f"Remove {GOLD}", exact=True),
        phone.get_by_role("button", name="Checkout", exact=True),
    ]:
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


# ------------------------------------------------------------------ forms


def test_a_form_error_is_tied_to_the_fields_it_is_about(
    desktop, goto_live, frontend_url, demo_catalogue
):
    goto_live(desktop, f"{frontend_url}/register")
    form = desktop.locator("form")
    username = form.get_by_label("Username", exact=True)
    expect(username).to_have_attribute("aria-invalid", "false")
    expect(username).to_have_attribute("aria-describedby", "username-hint")
    username.fill("no spaces allowed")
    form.get_by_label("Password", exact=True).fill("Velvet-Harbour-Lantern-73")
    form.get_by_label("Confirm password", exact=True).fill("Velvet-Harbour-Lantern-73")
    form.get_by_role("button", name="Create account").click()
    error = desktop.locator("#register-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Username may contain only")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_attribute("aria-describedby", "username-hint register-error")
    expect(username).to_have_accessible_description(re.compile("letters, digits.*Username may"))


# ------------------------------------------------------------------ 404 and API reference


def test_an_unknown_address_shows_the_designed_404_page_with_a_way_home(
    phone, goto_live, frontend_url, demo_catalogue
):
    goto_live(phone, f"{frontend_url}/no/such/page")
    expect(phone.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(phone.get_by_role("navigation", name="Main")).to_be_visible()
    phone.get_by_role("link", name="Go to the catalogue").click()
    expect(phone).to_have_url(re.compile(re.escape(frontend_url) + "/?$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Invest in what you understand")


def test_the_api_reference_fits_a_phone_and_shows_no_backticks(phone, api_url, axe_source):
    phone.goto(f"{api_url}/docs")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("reference")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "`" not in phone.locator("body").inner_text()
    expect(phone.get_by_role("heading", name="Cart", level=2)).to_be_visible()
    phone.add_script_tag(content=axe_source)
    serious = phone.evaluate(
        """async () => (await axe.run()).violations
            .filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id)"""
    )
    assert serious == []


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/cart", "/no-such-page"])
def test_the_narrowest_phone_360_px_scrolls_nothing_sideways(
    new_context, goto_live, frontend_url, demo_catalogue, path
):
    page = new_context({"width": 360, "height": 740}, touch=True).new_page()
    goto_live(page, frontend_url + path)
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_buying_one_line_moves_focus_to_the_next_line_not_body(
    desktop, goto_live, frontend_url, demo_catalogue, create_user, fund_user
):
    username, password = f"buyer_{secrets.token_hex(4)}", "Velvet-Harbour-Lantern-73"
    fund_user(create_user(username, password), 100_000)
    goto_live(desktop, f"{frontend_url}/login")
    form = desktop.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in").click()
    expect(desktop.get_by_role("link", name=f"Account, {username}")).to_be_visible()
    add(desktop, goto_live, frontend_url, "gold", GOLD)
    add(desktop, goto_live, frontend_url, "silver", SILVER)
    goto_live(desktop, f"{frontend_url}/cart")
    desktop.get_by_role("button", name=f"Buy {GOLD}", exact=True).focus()
    desktop.keyboard.press("Enter")
    expect(desktop.locator("main").get_by_role("status")).to_contain_text("placed")
    expect(desktop.get_by_role("heading", name=SILVER, exact=True)).to_be_focused()


def test_at_768_px_the_full_top_bar_of_a_long_username_still_fits(
    new_context, goto_live, frontend_url, demo_catalogue, create_user
):
    username, password = f"tablet_{secrets.token_hex(8)}", "Velvet-Harbour-Lantern-73"
    create_user(username, password)
    page = new_context({"width": 768, "height": 1024}, touch=True).new_page()
    goto_live(page, f"{frontend_url}/login")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in").click()
    account = page.get_by_role("link", name=f"Account, {username}")
    expect(account).to_be_visible()  # the wide bar, not the menu
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    cart = page.get_by_role("navigation").locator("a[href='/cart']").bounding_box()
    assert cart is not None and cart["x"] + cart["width"] <= 768
