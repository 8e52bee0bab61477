"""The paging page with typed inputs in real headless Chromium (fixtures in conftest.py, helpers from test_browser.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import (  # noqa: F401
    SCREENSHOTS, TIMEOUT, app, assert_healthy, open_page, settle_and_shoot, wait_idle, warm,
)

pytestmark = pytest.mark.browser


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``, as a student does: open it, click the option."""
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option).first.click()
    wait_idle(page)


def type_into(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label).first
    field.fill(text)
    field.press("Enter")
    wait_idle(page)


def last_frame(page: Page, key: str) -> None:
    page.locator(f".st-key-{key}_last button").first.click()
    wait_idle(page)


def test_typed_reference_string_shows_beladys_anomaly(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/paging?mode=teaching&tab=tlb&tlb-entries=3&tlb-policy=FIFO")
    assert_healthy(page)
    choose(page, "Access pattern", "✏️ Reference string")
    type_into(page, "Reference string", "1,2,3,4,1,2,5,1,2,3,4,5")
    last_frame(page, "tlb")
    caption = page.locator(".st-key-tlb_caption").first
    expect(caption).to_contain_text("Frame 13/13", timeout=TIMEOUT)
    expect(caption).to_contain_text("misses 9", timeout=TIMEOUT)  # FIFO with 3 entries (Belady's anomaly: 4 give 10)
    table = page.locator('[data-testid="stExpander"]').filter(has_text="Every reference")
    expect(table).to_be_visible()
    settle_and_shoot(page, "paging-tlb-reference-string")
    caption.scroll_into_view_if_needed()
    caption.screenshot(path=str(SCREENSHOTS / "paging-tlb-reference-string-caption.png"))

    type_into(page, "Reference string", "1, 2, x")  # a typo keeps the last good string and says what to write
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="reference 3: 'x' is not a page number")
    expect(alert.first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".st-key-tlb_caption").first).to_contain_text("misses 9")
    assert_healthy(page)


def test_own_format_walks_the_ostep_preset(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/paging?tab=own")
    assert_healthy(page)
    last_frame(page, "own")
    caption = page.locator(".st-key-own_caption").first
    expect(caption).to_contain_text("Value 0x1c at physical 0x84b", timeout=TIMEOUT)
    expect(caption).to_contain_text("memory references 3")
    settle_and_shoot(page, "paging-own-format")

