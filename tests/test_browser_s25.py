"""Section 2.5 pages in real headless Chromium (fixtures in conftest.py, helpers from test_browser.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import (  # noqa: F401
    RADIO, TIMEOUT, app, assert_healthy, check_first_option, expect_frame, open_page, settle_and_shoot, shoot,
    wait_idle, warm,
)
from ui.diagram import SELECTOR as DIAGRAM

pytestmark = pytest.mark.browser


def svg_text_box(page: Page, chart: int, text: str) -> dict:
    node = page.locator(DIAGRAM).nth(chart).locator("svg text", has_text=text).first
    expect(node).to_be_visible(timeout=TIMEOUT)
    box = node.bounding_box()
    assert box, f"{text!r} has no box"
    return box


def test_regions_map_keeps_geography_and_route_steps(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/regions?from=us-east-1a&to=eu-west-1b")
    assert_healthy(page)
    expect_frame(page, 1, key="route")
    page.get_by_role("button", name="Next ▶").click()
    expect_frame(page, 2, key="route")
    page.get_by_role("button", name="Next ▶").click()
    expect(page.locator(".st-key-route_caption").first).to_contain_text("Crosses the boundary of region us-east-1")
    wait_idle(page)
    # neato honoured the pinned positions: Sydney lies below Tokyo, Oregon far west of Tokyo (dot would rank them in a row)
    tokyo, sydney, oregon = (svg_text_box(page, 0, name) for name in ("Tokyo", "Sydney", "Oregon"))
    assert sydney["y"] > tokyo["y"] + 50 and oregon["x"] + 300 < tokyo["x"]
    settle_and_shoot(page, "s25-regions")

    page.get_by_text("Round trip: the receiver sends the same amount back").click()
    expect(page.locator(".st-key-route_caption").first).to_contain_text("Frame 1/11", timeout=TIMEOUT)
    page.get_by_role("button", name="⏭").first.click()
    expect(page.locator(".st-key-route_caption").first).to_contain_text("Total fee: $4.00")  # 2 × 100 GB × $0.02
    page.get_by_role("button", name="◀ Back").click()
    expect(page.locator(".st-key-route_caption").first).to_contain_text("Reply: Arrives at instance A in us-east-1a")
    settle_and_shoot(page, "s25-regions-round-trip")


def test_regions_bad_amount_shows_error(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/regions")
    box = page.get_by_label("Amount (GB)")
    box.fill("0")  # below the widget's minimum, which is the engine's (transfer.MIN_GB): not taken, no error
    box.press("Enter")
    wait_idle(page)
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="positive number of GB")).to_have_count(0)
    expect_frame(page, 1, key="route")  # the route still plays
    settle_and_shoot(page, "s25-regions-bad-amount")


def test_pricing_bill_chart_and_bad_timeline(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/pricing?timeline=restart")
    assert_healthy(page)
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(4, timeout=TIMEOUT)  # 2 bills, 2 plans
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Per started hour").first).to_contain_text("$0.0400")
    shoot(page, "s25-pricing")
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    editor.fill("vm1 t2.small 30:00-25:00")  # 1:00-0:30 is a run over midnight now
    editor.press("Control+Enter")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="not after it starts").first
    expect(error).to_be_visible(timeout=TIMEOUT)
    expect(error).to_contain_text("last timeline that worked")
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Per started hour").first).to_contain_text("$0.0400")
    settle_and_shoot(page, "s25-pricing-bad-timeline")


def test_instance_types_credit_player(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/instance-types?load=idle-then-burst&credits-frame=12")
    assert_healthy(page)
    expect_frame(page, 13, key="credits")
    expect(page.locator('[data-testid="stTable"]')).to_have_count(2)
    page.locator(".st-key-credits_next button").first.click()
    expect_frame(page, 14, key="credits")
    settle_and_shoot(page, "s25-instance-types")


def test_variance_histogram_and_bands(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/performance-variance")
    assert_healthy(page)
    page.locator(".st-key-variance_last button").first.click()
    expect(page.locator(".st-key-variance_caption").first).to_contain_text("100 measurements")
    expect(page.locator(".vl-metric").filter(has_text="Bands").first).to_contain_text("2")  # the frame's metrics
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(4, timeout=TIMEOUT)  # histogram, boxes, CI, mix sweep
    settle_and_shoot(page, "s25-variance")


def test_quiz_25_generated_histogram(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/quiz-2-5?gen=histogram&seed=11")
    assert_healthy(page)
    page.get_by_role("tab", name="Generated practice").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Two bands with a gap").first
    check_first_option(page, form, RADIO)
    settle_and_shoot(page, "s25-quiz")
