"""Layout in a real browser: the simulation on a projector's first screen, a phone layout, and a first deep link.

- Every simulation page (pages/s2*.py except the quizzes), freshly opened without scrolling at 1920×1080 and at
  1280×720, has its first simulation element (a graphviz diagram, an Altair chart, or the animation player's frame)
  on the first screen, with at least MIN_VISIBLE px of it showing. The lesson text is a collapsed expander under the
  page header (ui/content.py). Presenter mode (?presenter=1, ui/presenter.py) is checked at 1280×720 too.
- On a phone (390×844, touch): the player's five buttons in one row, diagram text at least 11 px as rendered, no
  shortcut hints, no sideways page overflow except inside a diagram's own scroller.
- A first deep link to a freshly started server opens its page and frame without "Page not found".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import StreamlitServer
from tests.test_browser import ALL_PAGES, SCREENSHOTS, TIMEOUT, assert_healthy, expect_frame, open_page, shoot
from ui.diagram import SELECTOR as DIAGRAM
from ui.navigation import PageSpec

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SIMULATION_PAGES = [s for s in ALL_PAGES if Path(s.file).name.startswith("s2") and "quiz" not in s.file]
PROJECTORS = [(1920, 1080), (1280, 720)]
MIN_VISIBLE = 100  # px of the simulation that must show on the first screen, not just its top edge
# The first of these in document order; the player's frame (ui/player.py) holds a page's animation.
SIMULATION = DIAGRAM + ', [data-testid="stVegaLiteChart"], [class*="st-key-player_frame_"]'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
MIN_PHONE_TEXT_PX = 11


def _open(browser: Browser, url: str, **context) -> Page:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(TIMEOUT)
    open_page(page, url)
    return page


def simulation_top(page: Page) -> float:
    """Document y of the page's first simulation element (the page is not scrolled). Charts mount a moment after the
    script run ends, so read until the answer has stood still for a second."""
    page.wait_for_selector(SIMULATION, timeout=TIMEOUT)
    script = """(selector) => {
         const el = [...document.querySelectorAll(selector)].find(e => e.getBoundingClientRect().height > 0);
         if (!el) return null;
         const scroller = document.querySelector('[data-testid="stMain"]');
         return Math.round(el.getBoundingClientRect().top + window.scrollY + (scroller ? scroller.scrollTop : 0));
       }"""
    readings: list[float | None] = []
    for _ in range(60):
        readings.append(page.evaluate(script, SIMULATION))
        if len(readings) >= 4 and readings[-1] is not None and len(set(readings[-4:])) == 1:
            break
        page.wait_for_timeout(300)
    top = readings[-1]
    assert top is not None, f"{page.url}: no simulation element ({SIMULATION}) with a height"
    return top


def expect_on_first_screen(page: Page, spec: PageSpec, address: str) -> None:
    """Open ``address`` (a page's path and query) in ``page`` and check its simulation shows on the first screen."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    open_page(page, address)
    assert_healthy(page)
    top = simulation_top(page)
    where = address.split("/", 3)[-1]
    print(f"first screen: {where} {width}x{height} simulation at {top:.0f} px")
    assert top <= height - MIN_VISIBLE, (
        f"{spec.title} ({where}) at {width}×{height}: the simulation starts at {top:.0f} px, "
        f"below {height - MIN_VISIBLE} px (the first screen is {height} px, of which {MIN_VISIBLE} px must show it)")


@pytest.mark.parametrize("size", PROJECTORS, ids=[f"{w}x{h}" for w, h in PROJECTORS])
@pytest.mark.parametrize("spec", SIMULATION_PAGES, ids=[s.url_path for s in SIMULATION_PAGES])
def test_simulation_is_on_the_first_screen(server, viewport, spec: PageSpec, size: tuple[int, int]):
    width, height = size
    page = viewport(width, height)
    expect_on_first_screen(page, spec, f"{server}/{spec.url_path}")
    lesson = page.locator('[data-testid="stExpander"] details').filter(has_text="Lesson").first
    if lesson.count():
        assert lesson.get_attribute("open") is None, f"{spec.url_path}: the lesson expander starts open"
    if size == PROJECTORS[-1] and spec.url_path in ("trap-and-emulate", "cpu-scheduling"):
        page.screenshot(path=str(SCREENSHOTS / f"first-screen-{spec.url_path}-{width}x{height}.png"))


@pytest.mark.skipif(not (ROOT / "ui" / "presenter.py").exists(), reason="presenter mode (ui/presenter.py) not built yet")
@pytest.mark.parametrize("spec", SIMULATION_PAGES, ids=[s.url_path for s in SIMULATION_PAGES])
def test_simulation_is_on_the_first_screen_in_presenter_mode(server, viewport, spec: PageSpec):
    expect_on_first_screen(viewport(*PROJECTORS[-1]), spec, f"{server}/{spec.url_path}?presenter=1")


PHONE_PAGES = ["trap-and-emulate", "xen"]  # a full player with a diagram; a full and two side-by-side (compact) players


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_layout(server, browser, path: str):
    page = _open(browser, f"{server}/{path}", **PHONE)
    try:
        assert_healthy(page)
        page.wait_for_selector(f"{DIAGRAM} svg text", timeout=TIMEOUT)
        page.wait_for_timeout(500)

        rows = page.evaluate(
            """() => [...document.querySelectorAll('[class*="st-key-player_controls_"]')].map(row =>
                 [...row.querySelectorAll('button')].filter(b => b.getClientRects().length)
                   .map(b => ({top: Math.round(b.getBoundingClientRect().top), name: b.innerText.trim()})))"""
        )
        assert rows, f"{path}: no player on the page"
        for buttons in rows:
            assert len(buttons) == 5, f"{path}: a player shows {len(buttons)} buttons, not 5: {buttons}"
            tops = {b["top"] for b in buttons}
            assert max(tops) - min(tops) <= 2, f"{path}: the player's buttons are not in one row: {buttons}"

        sizes = page.evaluate(
            """(diagram) => [...document.querySelectorAll(diagram + ' svg text')]
                 .filter(t => t.getClientRects().length && t.textContent.trim())
                 .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""", DIAGRAM
        )
        assert sizes, f"{path}: no diagram text"
        assert round(min(sizes), 2) >= MIN_PHONE_TEXT_PX, (  # round: 11 pt × 4/3 px × zoom 0.75 gives 10.9999996
            f"{path}: diagram text is {min(sizes):.1f} px on a phone (at least {MIN_PHONE_TEXT_PX} px wanted)")

        hints = page.evaluate("() => [...document.querySelectorAll('button kbd')].filter(k => k.getClientRects().length)"
                              ".map(k => k.innerText)")
        assert not hints, f"{path}: keyboard shortcut hints on a touch screen: {hints}"

        overflow = page.evaluate(
            """() => {
                 const width = document.documentElement.clientWidth;
                 const main = document.querySelector('[data-testid="stMain"]');
                 const wide = [...document.querySelectorAll('[data-testid="stMainBlockContainer"] *')].filter(e => {
                   const r = e.getBoundingClientRect();
                   if (r.width === 0 || r.right <= width + 1) return false;
                   for (let p = e.parentElement; p; p = p.parentElement) {  // inside its own scroller: fine
                     const o = getComputedStyle(p).overflowX;
                     if ((o === 'auto' || o === 'scroll' || o === 'hidden') && p.getBoundingClientRect().right <= width + 1)
                       return false;
                   }
                   return true;
                 });
                 return {page: document.documentElement.scrollWidth - width,
                         main: main ? main.scrollWidth - main.clientWidth : 0,
                         wide: wide.slice(0, 5).map(e => (e.dataset.testid || e.tagName) + ' ' + Math.round(e.getBoundingClientRect().right))};
               }"""
        )
        assert overflow["page"] <= 0 and overflow["main"] <= 0 and not overflow["wide"], (
            f"{path}: the page scrolls sideways on a phone: {overflow}")
        scrollers = page.evaluate(
            """(diagram) => [...document.querySelectorAll(diagram)]
                 .filter(g => g.scrollWidth > g.clientWidth + 1).map(g => getComputedStyle(g).overflowX)""", DIAGRAM
        )
        assert all(o in ("auto", "scroll") for o in scrollers), f"{path}: a wide diagram without a scroller: {scrollers}"
        shoot(page, f"phone-{path}")
    finally:
        page.context.close()


def test_first_deep_link_to_a_fresh_server_opens_that_page(browser):
    """The very first request to a just-started server is a bookmark of a frame: no "Page not found", right page, right
    frame (app.py clears Streamlit's pages/-folder mode before the first visit; streamlit#8860)."""
    fresh = StreamlitServer().start()
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        open_page(page, f"{fresh.url}/trap-and-emulate?isa=ia32&program=ia32-popf&trap-frame=6")
        page.wait_for_timeout(1000)  # the notice, when it came, came with the first messages: give it time to show
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_text("does not seem to exist")).to_have_count(0)
        expect(page.locator('[role="dialog"]')).to_have_count(0)
        assert_healthy(page)
        expect(page.locator("h1").filter(has_text="Trap and emulate").first).to_be_visible()
        expect_frame(page, 7)
        assert "trap-and-emulate" in page.url and "trap-frame=6" in page.url
        shoot(page, "first-deep-link")
        context.close()
    finally:
        fresh.stop()
