"""Live class questions in real Chromium: a lecturer at 1920×1080 and a student on a phone-sized touch screen.

The student joins by typing the code, votes, cannot vote a second time (from a second tab of the same link, or by
reloading), the lecturer sees the count and then the distribution, reveals the answer after a peer-instruction
second round, and both screens are saved to tests/screenshots/ (live-*.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engine.core.quiz import load_bank
from engine.core.rooms import LIVE_KINDS
from tests.test_browser import SCREENSHOTS, TIMEOUT, assert_healthy, open_page, shoot, wait_idle, warm  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)


def first_live_question():
    """What the lecturer page offers first: the first single- or multiple-choice question of 2.1."""
    return next(q for q in load_bank("2.1") if q.kind in LIVE_KINDS)


def shoot_phone(page: Page, name: str) -> None:
    """A phone screenshot as the student sees it: the viewport at its real size, plus the full scrolled page."""
    wait_idle(page)
    assert_healthy(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def vote(page: Page, option_letter: str) -> None:
    page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(rf"^{option_letter} · ")).first.click()
    page.get_by_role("button", name="Vote").click()


@pytest.fixture()
def lecturer(browser, warm):  # noqa: F811 - the fixture imported above
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield warm, page
    context.close()


@pytest.fixture()
def phone(browser):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(TIMEOUT)
    yield context
    context.close()


def test_a_class_votes_twice_and_the_lecturer_reveals(lecturer, phone):
    base, lec = lecturer
    q = first_live_question()
    assert q.kind == "single"
    right = "ABCDEF"[q.options.index(q.answer[0])]
    wrong = "ABCDEF"[(q.options.index(q.answer[0]) + 1) % len(q.options)]

    open_page(lec, f"{base}/live-lecturer")
    lec.get_by_role("button", name="Open a room").click()
    heading = lec.get_by_role("heading", name=re.compile(r"Room code: [A-Z2-9]{5}"))
    expect(heading).to_be_visible(timeout=TIMEOUT)
    code = re.search(r"Room code: ([A-Z2-9]{5})", heading.inner_text()).group(1)
    expect(lec.get_by_text("Your lecturer secret")).to_be_visible(timeout=TIMEOUT)
    expect(lec.locator('[data-testid="stImage"] img')).to_be_visible(timeout=TIMEOUT)  # the QR code
    wait_idle(lec)
    lec.locator(".st-key-live_secret_once").screenshot(path=str(SCREENSHOTS / "live-lecturer-secret.png"))
    lec.get_by_role("button", name="I have noted it: hide the secret").click()
    expect(lec.get_by_text("Your lecturer secret")).to_have_count(0, timeout=TIMEOUT)
    lec.get_by_role("button", name="Ask this question").click()
    expect(lec.get_by_text("Question 1 · round 1 of 2 · voting not open yet")).to_be_visible(timeout=TIMEOUT)

    # the student types the code on the phone
    student = phone.new_page()
    open_page(student, f"{base}/live-join")
    student.get_by_label("Room code").fill(code.lower())
    student.get_by_role("button", name="Join").click()
    expect(student.get_by_text("voting opens when the lecturer says so")).to_be_visible(timeout=TIMEOUT)
    shoot_phone(student, "live-join-waiting")
    link = student.url
    assert f"room={code}" in link and "device=" in link

    lec.get_by_role("button", name="▶ Open voting").click()
    expect(student.get_by_role("button", name="Vote")).to_be_visible(timeout=TIMEOUT)  # the waiting page looked again by itself
    second_tab = phone.new_page()  # the same link in another tab: the same device
    open_page(second_tab, link)
    expect(second_tab.get_by_role("button", name="Vote")).to_be_visible(timeout=TIMEOUT)
    shoot_phone(student, "live-join-question")

    vote(student, wrong)
    expect(student.get_by_text("Vote recorded")).to_be_visible(timeout=TIMEOUT)
    expect(student.get_by_role("button", name="Vote")).to_have_count(0, timeout=TIMEOUT)
    shoot_phone(student, "live-join-voted")
    vote(second_tab, right)  # a second vote from the same device is refused by the database
    expect(second_tab.get_by_text("already voted in this round")).to_be_visible(timeout=TIMEOUT)
    student.reload()
    wait_idle(student)
    expect(student.get_by_text("Vote recorded")).to_be_visible(timeout=TIMEOUT)
    expect(student.get_by_role("button", name="Vote")).to_have_count(0, timeout=TIMEOUT)

    count = lec.locator(".st-key-live_count [data-testid='stMetricValue']")
    expect(count).to_have_text("1", timeout=TIMEOUT)  # refreshed by the lecturer's fragment, no click
    expect(lec.locator('[data-testid="stVegaLiteChart"]')).to_have_count(0, timeout=TIMEOUT)  # no distribution while voting
    wait_idle(lec)
    shoot(lec, "live-lecturer-voting")

    lec.get_by_role("button", name="■ Close voting").click()
    expect(lec.locator('[data-testid="stVegaLiteChart"]')).to_have_count(1, timeout=TIMEOUT)
    wait_idle(lec)
    shoot(lec, "live-lecturer-closed")

    # peer instruction: a second round, the student changes their mind
    lec.get_by_role("button", name="↻ Second round").click()
    expect(lec.get_by_text("round 2 of 2 · voting not open yet")).to_be_visible(timeout=TIMEOUT)
    lec.get_by_role("button", name="▶ Open voting").click()
    expect(student.get_by_role("button", name="Vote")).to_be_visible(timeout=TIMEOUT)
    vote(student, right)
    expect(student.get_by_text("Vote recorded")).to_be_visible(timeout=TIMEOUT)
    expect(count).to_have_text("1", timeout=TIMEOUT)
    lec.get_by_role("button", name="■ Close voting").click()
    lec.get_by_role("button", name="✓ Reveal the answer").click()
    expect(lec.get_by_text("answer revealed")).to_be_visible(timeout=TIMEOUT)
    expect(lec.locator('[data-testid="stVegaLiteChart"]')).to_have_count(3, timeout=TIMEOUT)
    expect(lec.get_by_text("of round 1's voters")).to_be_visible(timeout=TIMEOUT)
    wait_idle(lec)
    assert_healthy(lec)
    shoot(lec, "live-lecturer-revealed")

    expect(student.get_by_text("You chose the right answer")).to_be_visible(timeout=TIMEOUT)  # the phone looked again by itself
    shoot_phone(student, "live-join-revealed")
