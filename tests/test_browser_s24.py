"""Section 2.4 pages in real headless Chromium (fixtures in conftest.py, helpers from test_browser.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401
    CHECKBOX, TIMEOUT, app, assert_healthy, check_first_option, expect_frame, open_page, settle_and_shoot,
    shoot, wait_idle, warm,
)
from ui.diagram import SELECTOR as DIAGRAM

pytestmark = pytest.mark.browser


def test_resource_distribution_editor_overcommit_and_players(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/resource-distribution?layout=idle-pinned&cpus=pinned")
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Cannot add 'render'").first).to_be_visible()
    expect(page.locator(DIAGRAM).first).to_be_visible()
    shoot(page, "resource-distribution-pinned")

    editor = page.locator('[data-testid="stTextArea"] textarea').first
    editor.fill("host disk=1000 mem=64 pcpus=8\nweb disk=100 mem=8 vcpus=2\ndb disk=400 mem=80 vcpus=2\n")
    editor.press("Control+Enter")
    refusal = page.locator('[data-testid="stAlert"]').filter(has_text="Cannot add 'db': memory needs 80 GiB").first
    expect(refusal).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("After the whole plan: disk 100/1000 GB")).to_be_visible()  # web alone: the last good layout
    wait_idle(page)

    form = page.locator('[data-testid="stForm"]').first
    form.locator('[data-testid="stTextInputRootElement"] input').first.fill("cache")
    form.get_by_role("button", name="Append").click()
    expect(editor).to_have_value(re.compile(r"add cache disk=50 mem=4 vcpus=1\n$"), timeout=TIMEOUT)
    expect(page.get_by_text("After the whole plan: disk 150/1000 GB")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)

    page.locator(".st-key-fcfs_caption").first.scroll_into_view_if_needed()
    page.locator(".st-key-fcfs_next button").first.click()
    expect_frame(page, 2, key="fcfs")
    settle_and_shoot(page, "resource-distribution-edited")


def test_resource_distribution_scheduled_burst(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/resource-distribution?layout=idle-pinned&cpus=scheduled&io=greedy-burst&fcfs-frame=9")
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="refused")).to_have_count(0)
    expect_frame(page, 10, key="fcfs")
    shoot(page, "resource-distribution-scheduled")


def test_quiz_24_answers(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/quiz-2-4")
    assert_healthy(page)
    check_first_option(page, page.locator('[data-testid="stForm"]').filter(has=page.locator(CHECKBOX)).first, CHECKBOX)
    settle_and_shoot(page, "quiz-2-4")


def test_resource_distribution_lesson_is_one_click_away(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/resource-distribution")
    assert_healthy(page)
    lesson = page.locator('[data-testid="stExpander"]').filter(has_text="Lesson: Resource distribution among VMs").first
    lesson.locator("summary").click()  # collapsed so the simulation opens the page (tests/test_browser_layout.py)
    expect(lesson.get_by_text("each VM typically receives a predefined fraction of the disk")).to_be_visible()
    expect(page.locator(".st-key-plan_caption").first).to_contain_text("Frame 1/4")
    shoot(page, "resource-distribution")
