"""Binary translation in Chromium (issue 14): a pasted gcc + objdump listing shows its own classification table
and ends where control leaves the listing. Screenshots: tests/screenshots/bt-pasted-listing.png (the table) and
bt-pasted-listing-page.png (the page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser import SCREENSHOTS, TIMEOUT, app, assert_healthy, open_page, shoot, warm  # noqa: F401
from tests.test_browser_real_input import _type  # fill an editor and apply it (Ctrl+Enter), then wait

pytestmark = pytest.mark.browser

LISTING = (Path(__file__).parent / "listings" / "kernel32.objdump.txt").read_text()


def test_a_pasted_listing_shows_its_own_classification_table(app):
    base, page = app
    open_page(page, f"{base}/binary-translation?program=custom")
    box = page.locator('[data-testid="stExpander"]').filter(has_text="Code (edit it").first
    editor = box.locator("textarea").first
    expect(editor).to_be_visible()
    _type(page, editor, LISTING)
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)  # read as it is: no error, no fallback
    table = page.locator(".st-key-bt_classes")
    expect(table).to_be_visible(timeout=TIMEOUT)
    grid = table.locator('[role="grid"], table').first
    for text in ("mov cr3, eax", "lgdt [eax]", "call panic", "iretd", "critical: VMM call", "privileged: traps"):
        expect(grid).to_contain_text(text, timeout=TIMEOUT)
    expect(page.get_by_text("How the run ends: Control leaves the listing: 'call panic'")).to_be_visible()
    shoot(page, "bt-pasted-listing-page")  # grows the viewport to the page, so the table is shot whole below
    table.screenshot(path=str(SCREENSHOTS / "bt-pasted-listing.png"))
