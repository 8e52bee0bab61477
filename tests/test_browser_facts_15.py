"""Issue 15 facts as a student sees them in Chromium: the inter-AZ route's two fees, the comparison's costs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401
    TIMEOUT, app, assert_healthy, expect_frame, open_page, settle_and_shoot, wait_idle, warm,
)
from ui.diagram import SELECTOR as DIAGRAM

pytestmark = pytest.mark.browser


def test_inter_az_route_charges_out_and_in(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/regions?from=us-east-1a&to=us-east-1b")
    assert_healthy(page)
    expect_frame(page, 1, key="route")
    caption = page.locator(".st-key-route_caption").first
    for frame in (2, 3):
        page.get_by_role("button", name="Next ▶").click()
        expect_frame(page, frame, key="route")
    expect(caption).to_contain_text("Enters zone us-east-1b")
    expect(caption).to_contain_text("one way costs $0.02/GB")
    wait_idle(page)
    route = page.locator(DIAGRAM).nth(1)
    expect(route.locator("svg text", has_text="edge of").first).to_be_visible(timeout=TIMEOUT)
    settle_and_shoot(page, "facts15-inter-az-route")
    page.get_by_role("button", name="⏭").first.click()
    expect(caption).to_contain_text("Total fee: $2.00")


def test_compare_costs_read_without_negatives(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/compare")
    assert_healthy(page)
    table = page.locator('[data-testid="stTable"]').first
    expect(table).to_contain_text("13.8 M + unknown", timeout=TIMEOUT)
    expect(table).not_to_contain_text("-18.3")
    table.scroll_into_view_if_needed()
    wait_idle(page)
    table.screenshot(path="tests/screenshots/facts15-compare-costs.png")
