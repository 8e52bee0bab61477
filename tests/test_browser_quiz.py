"""A student answers one written question of every kind in real Chromium: single, multiple, numeric, order, table."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from engine.core.quiz import Question, load_bank
from tests.test_browser import SCREENSHOTS, TIMEOUT, app, assert_healthy, open_page, settle_and_shoot, warm  # noqa: F401

pytestmark = pytest.mark.browser

SECTIONS = ("2.1", "2.2", "2.3", "2.4", "2.5")
MARKDOWN = re.compile(r"[`*_$\[\]<>\\]")  # options rendered from Markdown read differently on screen


def first_plain(kind: str) -> Question:
    return next(q for s in SECTIONS for q in load_bank(s)
                if q.kind == kind and not any(MARKDOWN.search(o) for o in q.choices + q.rows))


def exactly(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def pick(box: Locator, group: int, text: str) -> None:
    box.locator('[data-testid="stRadio"]').nth(group).locator("label").filter(has_text=exactly(text)).first.click()


def fill(page: Page, box: Locator, q: Question) -> None:
    if q.kind == "single":
        pick(box, 0, q.answer[0])
    elif q.kind == "multiple":
        for option in q.answer:
            box.locator('[data-testid="stCheckbox"] label').filter(has_text=exactly(option)).first.click()
    elif q.kind == "numeric":
        field = box.locator('[data-testid="stTextInput"] input').first
        field.fill(f"{q.value:,.10g}")  # with a thousands separator where the number has one
    elif q.kind == "order":
        for i, item in enumerate(q.answer):
            box.locator('[data-testid="stSelectbox"]').nth(i).click()
            page.get_by_role("option", name=item, exact=True).click()
    else:
        for i, cell in enumerate(q.answer):
            pick(box, i, cell)


@pytest.mark.parametrize("kind", ["single", "multiple", "numeric", "order", "table"])
def test_a_student_answers_each_kind_of_question(app, kind):  # noqa: F811
    base, page = app
    q = first_plain(kind)
    open_page(page, f"{base}/quiz-{q.section.replace('.', '-')}?order=3&question={q.id}")
    assert_healthy(page)
    box = page.locator(f".st-key-quiz_{q.id}")
    box.scroll_into_view_if_needed()
    fill(page, box, q)
    box.screenshot(path=str(SCREENSHOTS / f"quiz-box-{kind}-filled.png"))
    box.get_by_role("button", name="Check answer").click()
    expect(box.locator('[data-testid="stAlert"]').filter(has_text="Correct.").first).to_be_visible(timeout=TIMEOUT)
    expect(box.locator('[data-testid="stAlert"]').filter(has_text="Answer:").first).to_be_visible()
    box.scroll_into_view_if_needed()
    settle_and_shoot(page, f"quiz-answer-{kind}")
    box.screenshot(path=str(SCREENSHOTS / f"quiz-box-{kind}.png"))  # the question itself, readable


def test_a_wrong_answer_gets_a_hint_and_a_second_try(app):  # noqa: F811
    base, page = app
    q = first_plain("single")
    open_page(page, f"{base}/quiz-{q.section.replace('.', '-')}?order=3&question={q.id}")
    box = page.locator(f".st-key-quiz_{q.id}")
    pick(box, 0, next(o for o in q.options if o not in q.answer))
    box.get_by_role("button", name="Check answer").click()
    retry = box.locator('[data-testid="stAlert"]').filter(has_text="one more try").first
    expect(retry).to_be_visible(timeout=TIMEOUT)
    expect(retry).to_contain_text("Hint")
    pick(box, 0, q.answer[0])
    box.get_by_role("button", name="Check my second try").click()
    expect(box.locator('[data-testid="stAlert"]').filter(has_text="Correct on the second try").first).to_be_visible(timeout=TIMEOUT)
    settle_and_shoot(page, "quiz-second-try")
