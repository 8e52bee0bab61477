"""VM CPU scheduling and Shared I/O in real headless Chromium: stepping, a bad scenario, the I/O switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401
    TIMEOUT, app, assert_healthy, expect_frame, open_page, settle_and_shoot, warm,
)

pytestmark = pytest.mark.browser


def test_scheduling_steps_and_draws_every_pcpu(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/cpu-scheduling?preset=boost&sched=credit&sched-frame=20")
    assert_healthy(page)
    expect_frame(page, 21, key="sched")
    page.locator(".st-key-sched_next button").first.click()  # the browser steps the player itself
    expect_frame(page, 22, key="sched")
    assert "sched-frame=21" in page.url
    expect(page.locator(".st-key-sched_caption").first).to_contain_text("t = ")
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible(timeout=TIMEOUT)
    expect(charts.first.locator("svg, canvas").first).to_be_visible(timeout=TIMEOUT)
    settle_and_shoot(page, "cpu-scheduling-boost")


def test_bad_scenario_message_in_the_browser(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/cpu-scheduling?preset=weights")
    page.get_by_text("Edit the scenario").click()
    box = page.locator(".st-key-scenario_weights textarea")  # by key: the scenario picker is labelled "Scenario" too
    expect(box).to_be_visible(timeout=TIMEOUT)
    box.fill("host pcpus=2\nvm1 weight=70000")
    box.press("Control+Enter")
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="weight 70000 is outside Xen's range")).to_be_visible(
        timeout=TIMEOUT)
    # the last good scenario (vm1 and vm2) still plays: its frame's vCPU table
    expect(page.locator(".vl-canvas table").filter(has_text="vm2.v1").first).to_be_visible(timeout=TIMEOUT)
    assert_healthy(page)


def test_shared_io_switch_and_screenshot(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/shared-io?io=off")
    assert_healthy(page)
    page.locator(".st-key-io_last button").first.click()
    expect(page.locator(".st-key-io_caption").first).to_contain_text("I/O jobs processed 0")
    open_page(page, f"{base}/shared-io?io=bursty&io-frame=60")
    expect_frame(page, 61, key="io")
    expect(page.get_by_text("What the other guests feel")).to_be_visible()
    expect(page.locator('[data-testid="stTable"]').filter(has_text="extra delay")).to_be_visible()
    settle_and_shoot(page, "shared-io-bursty")
