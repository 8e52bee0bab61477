"""Presenter mode in real headless Chromium: the lecture tour stepped with the keys a presenter remote sends.

PageDown / PageUp step the tour; Shift+→ / Shift+← too, while → and ← stay with the animation player. The bar shows
the step, the next step's title and a QR code of the step for phones. At 1280×720 every step's first diagram or chart
starts on the first screen. Screenshots: tests/screenshots/presenter-*.png.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from engine.core.lessons import LESSONS_DIR
from engine.core.tour import load_tour
from tests.test_browser import SCREENSHOTS, TIMEOUT, assert_healthy, expect_frame, wait_idle
from ui.diagram import SELECTOR as DIAGRAM
from ui.navigation import BY_TITLE

pytestmark = pytest.mark.browser

TOUR = load_tour(LESSONS_DIR / "tour.toml", BY_TITLE)
BAR = ".st-key-presenter_bar"
# The page's diagrams and charts (graphviz, Vega-Lite) and the tables an animation draws its frames in (st.table on
# the server's player, an HTML table in a browser player's frame: ui.canvas).
VISUALS = (DIAGRAM + ', [data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"], '
           '[data-testid="stDataFrame"], [data-testid="stTable"], .vl-canvas table')


def index_of(title: str) -> int:
    return next(i for i, s in enumerate(TOUR) if s.title == title)


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def expect_step(page: Page, index: int) -> None:
    """The browser shows step ``index``: its page in the address with the step's values, and the bar says so."""
    step = TOUR[index]
    path = BY_TITLE[step.page].url_path
    page.wait_for_url(re.compile(rf"/{re.escape(path)}\?(.*&)?tour={index}(&|$)"), timeout=TIMEOUT)
    wait_idle(page)
    expect(page.locator(BAR)).to_contain_text(f"Step {index + 1}/{len(TOUR)}: {step.title}", timeout=TIMEOUT)
    following = TOUR[index + 1].title if index + 1 < len(TOUR) else "end of the tour"
    expect(page.locator(BAR)).to_contain_text(f"Next: {following}")
    shown = query(page)
    assert shown.get("presenter") == "1"
    for name, value in step.params:
        assert shown.get(name) == value, (step.title, name, shown.get(name))
    assert_healthy(page)
    expect(page.get_by_text("Link notice")).to_have_count(0)


def first_visual_top(page: Page) -> float | None:
    """Where the page's first diagram, chart or frame table starts, from the top of the window (scrolled to the top)."""
    return page.evaluate(
        """(selector) => { const m = document.querySelector('[data-testid="stMain"]'); if (m) m.scrollTop = 0;
             const tops = [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect())
                 .filter(r => r.height > 0 && r.width > 0).map(r => r.top);
             return tops.length ? Math.min(...tops) : null; }""",
        VISUALS,
    )


def test_page_down_and_page_up_step_the_tour(server, viewport):
    base, page = server, viewport(1280, 720)  # a projector's first screen
    page.goto(f"{base}/?presenter=1&tour=0", wait_until="domcontentloaded")
    expect_step(page, 0)
    bar = page.locator(BAR)
    expect(bar.locator("details.presenter-qr summary svg")).to_be_visible()  # the QR code, drawn inline
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()  # the sidebar is collapsed
    expect(bar.get_by_role("button", name=re.compile("Prev"))).to_be_disabled()
    top = first_visual_top(page)
    assert top is not None and top < 720, f"the first diagram starts at {top} px, below the first screen"
    page.screenshot(path=str(SCREENSHOTS / "presenter-1280x720.png"))

    titles = [page.locator("h1").first.inner_text()]
    for index in (1, 2, 3):
        page.keyboard.press("PageDown")
        expect_step(page, index)
        titles.append(page.locator("h1").first.inner_text())
    assert len(set(titles)) == 4, f"each PageDown opened another page: {titles}"
    page.keyboard.press("PageUp")
    expect_step(page, 2)
    expect(page.locator("h1").first).to_have_text(titles[2])


def test_arrows_stay_with_the_player_and_shift_arrows_step_the_tour(server, viewport):
    base, page = server, viewport(1280, 720)  # a projector's first screen
    popf = index_of("POPF fails silently")
    frame = int(TOUR[popf].query()["trap-frame"])
    page.goto(f"{base}/?presenter=1&tour={popf}", wait_until="domcontentloaded")
    expect_step(page, popf)
    expect_frame(page, frame + 1)
    page.locator("h1").first.click()  # focus on the page, not on a widget
    page.keyboard.press("ArrowRight")  # the player's Next
    expect_frame(page, frame + 2)
    wait_idle(page)
    assert query(page)["tour"] == str(popf)
    page.keyboard.press("Shift+ArrowRight")
    expect_step(page, popf + 1)
    expect_frame(page, int(TOUR[popf + 1].query()["trap-frame"]) + 1)
    page.keyboard.press("Shift+ArrowLeft")
    expect_step(page, popf)
    expect_frame(page, frame + 1)  # the step's own frame again, not where the arrow key left it


def test_presenter_bar_on_a_1920_projector_with_note_and_large_qr(server, viewport):
    page = viewport(1920, 1080)
    step = index_of("POPF fails silently")
    page.goto(f"{server}/?presenter=1&tour={step}", wait_until="domcontentloaded")
    expect_step(page, step)
    top = first_visual_top(page)
    assert top is not None and top < 1080
    page.screenshot(path=str(SCREENSHOTS / "presenter-1920x1080.png"))
    bar = page.locator(BAR)
    bar.get_by_role("button", name=re.compile("Note")).click()
    expect(page.get_by_text("CLI trapped and was emulated")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "presenter-note.png"))
    page.keyboard.press("Escape")
    bar.locator("details.presenter-qr summary").click()
    large = bar.locator(".presenter-qr-large svg")
    expect(large).to_be_visible()
    box = large.bounding_box()
    assert box and box["width"] >= 400, box  # large enough to scan from the back of the room
    expect(bar.locator(".presenter-qr-url")).to_contain_text(f"{server}/trap-and-emulate?")
    expect(bar.locator(".presenter-qr-warn")).to_contain_text("VIRTLAB_PUBLIC_URL")  # 127.0.0.1: not for phones
    page.screenshot(path=str(SCREENSHOTS / "presenter-qr-large.png"))


def test_every_step_opens_with_its_first_diagram_on_the_first_screen(server, viewport):
    """The whole tour with PageDown at 1280×720: each step on its page without a notice, its first diagram,
    chart or frame table starting within the first 720 px."""
    base, page = server, viewport(1280, 720)  # a projector's first screen
    page.goto(f"{base}/?presenter=1&tour=0", wait_until="domcontentloaded")
    low = {}
    for index, step in enumerate(TOUR):
        if index:
            page.keyboard.press("PageDown")
        expect_step(page, index)
        page.wait_for_timeout(300)  # charts lay out after the run
        top = first_visual_top(page)
        if top is None or top >= 720:
            low[step.title] = top
            page.screenshot(path=str(SCREENSHOTS / f"presenter-low-{index:02d}.png"))
    expect(page.locator(BAR).get_by_role("button", name=re.compile("Next"))).to_be_disabled()
    assert not low, f"first diagram below the first screen at 1280×720 (px from the top): {low}"


SECTIONED = [i for i, s in enumerate(TOUR) if s.section]
_SECTION_TOP = """([text, bar]) => {
    const h = [...document.querySelectorAll('[data-testid="stHeading"] :is(h1, h2, h3)')]
        .find(e => e.textContent.trim() === text);
    const b = document.querySelector(bar);
    if (!h || !b) return null;
    return {heading: h.getBoundingClientRect().top, bar: b.getBoundingClientRect().bottom};
}"""


def expect_landed(page: Page, index: int) -> None:
    """Step ``index``'s section heading comes to rest just under the sticky bar, which stays in view."""
    text = TOUR[index].section
    page.wait_for_function(f"(args) => {{ const r = ({_SECTION_TOP})(args); "
                           "return r && r.heading >= r.bar - 2 && r.heading < r.bar + 60; }",
                           arg=[text, BAR], timeout=TIMEOUT)
    page.wait_for_timeout(600)  # and stays there while the page's diagrams settle
    where = page.evaluate(_SECTION_TOP, [text, BAR])
    assert where["bar"] > 0 and where["bar"] - 2 <= where["heading"] < where["bar"] + 60, (TOUR[index].title, where)


@pytest.mark.parametrize("index", SECTIONED, ids=[TOUR[i].title for i in SECTIONED])
def test_a_step_with_a_section_opens_scrolled_to_it(server, viewport, index):
    """A step whose part of the page is further down (tour.toml's ``section``) opens there, from a bookmark and with
    PageDown, so the lecturer never scrolls; the bar stays at the top."""
    base, page = server, viewport(1280, 720)  # a projector's first screen
    page.goto(f"{base}/?presenter=1&tour={index}", wait_until="domcontentloaded")
    expect_step(page, index)
    expect_landed(page, index)
    page.keyboard.press("PageUp")
    expect_step(page, index - 1)
    page.keyboard.press("PageDown")
    expect_step(page, index)
    expect_landed(page, index)
    page.screenshot(path=str(SCREENSHOTS / f"presenter-section-{index:02d}.png"))
