"""End-to-end tests in real headless Chromium against `streamlit run app.py` (fixtures in conftest.py).

Every page is opened and screenshotted; the trap-and-emulate player is stepped and auto-played;
a malformed link, a quiz answer (then My progress, reached through the sidebar so the session is
kept) and a bad guest program are checked. Screenshots land in tests/screenshots/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from ui.navigation import GROUPS

pytestmark = pytest.mark.browser

ALL_PAGES = [spec for specs in GROUPS.values() for spec in specs]
TIMEOUT = 30_000  # ms, for a page to finish its run on a slow 2-core machine
FRAME_RE = re.compile(r"Frame (\d+)/(\d+)")
RADIO, CHECKBOX = '[data-testid="stRadio"] [role="radiogroup"] label', '[data-testid="stCheckbox"] label'  # quiz options
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"  # as in conftest.py


def _title_of(spec) -> str:
    """The page's visible h1: pages/*.py's st.title / layout.header, falling back to the nav title."""
    source = (ROOT / spec.file).read_text(encoding="utf-8")
    m = re.search(r'(?:st\.title\(|layout\.header\("[^"]*",\s*)"([^"]+)"', source)
    return m.group(1) if m else spec.title


def wait_idle(page: Page, timeout: float = TIMEOUT) -> None:
    """Wait until the app is connected and no script run is in progress (two polls apart, to skip gaps)."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=timeout)
    js = """() => { const a = document.querySelector('[data-testid="stApp"]');
                    return !!a && a.dataset.testConnectionState === 'CONNECTED'
                           && a.dataset.testScriptState === 'notRunning'
                           && !/Running/.test((document.querySelector('[data-testid="stStatusWidget"]') || {}).innerText || ''); }"""
    try:
        for _ in range(2):
            page.wait_for_function(js, timeout=timeout)
            page.wait_for_timeout(250)
        page.wait_for_function(js, timeout=timeout)
    except Exception as exc:  # say what the app was doing
        state = page.evaluate(
            """() => { const a = document.querySelector('[data-testid="stApp"]') || {dataset: {}};
                       const w = document.querySelector('[data-testid="stStatusWidget"]');
                       return `script=${a.dataset.testScriptState} connection=${a.dataset.testConnectionState}`
                              + ` status=${w ? JSON.stringify(w.innerText) : 'none'}`; }"""
        )
        raise AssertionError(f"{page.url} did not finish running: {state}") from exc


def open_page(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def assert_healthy(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def shoot(page: Page, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside stMain, so grow the viewport to its content."""
    width = page.viewport_size["width"] if page.viewport_size else 1440
    page.set_viewport_size({"width": width, "height": 900})  # measure from the normal size, not a previous shot's
    page.wait_for_timeout(200)
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight); }"""
    )
    page.set_viewport_size({"width": width, "height": max(900, min(int(height) + 40, 8000))})
    page.wait_for_timeout(400)  # charts re-layout after a resize
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def settle_and_shoot(page: Page, name: str) -> None:
    """After the last interaction: wait for the rerun, check for exceptions, save the screenshot."""
    wait_idle(page)
    assert_healthy(page)
    shoot(page, name)


def check_first_option(page: Page, form: Locator, option: str) -> None:
    """Tick the first displayed ``option`` (a radio or checkbox selector) of a quiz form and check it: a wrong answer
    is offered one more try, a right one shows the worked solution."""
    form.locator(option).first.click()
    form.get_by_role("button", name="Check answer").click()
    feedback = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile("one more try|Answer:"))
    expect(feedback.first).to_be_visible(timeout=TIMEOUT)


def frame_number(page: Page, key: str = "trap") -> tuple[int, int]:
    text = page.locator(f".st-key-{key}_caption").first.inner_text()
    m = FRAME_RE.search(text)
    assert m, f"no 'Frame i/N' in the player caption: {text!r}"
    return int(m.group(1)), int(m.group(2))


def expect_frame(page: Page, number: int, key: str = "trap") -> None:
    expect(page.locator(f".st-key-{key}_caption").first).to_contain_text(f"Frame {number}/", timeout=TIMEOUT)


@pytest.fixture(scope="module")
def warm(server):
    """The server's base URL. It once loaded Home first, because a fresh server's first visit to another page showed
    'Page not found' (streamlit#8860); app.py fixes that now (tests/test_browser_layout.py checks it). Kept as a name
    the other browser test modules import."""
    return server


@pytest.fixture()
def app(warm, page):
    """(base URL, page)."""
    page.set_default_timeout(TIMEOUT)
    return warm, page


@pytest.mark.parametrize("spec", ALL_PAGES, ids=[s.url_path or "home" for s in ALL_PAGES])
def test_every_page_renders(app, spec):
    base, page = app
    open_page(page, f"{base}/{spec.url_path}")
    assert_healthy(page)
    title = _title_of(spec)
    expect(page.locator("h1").filter(has_text=title).first).to_be_visible()
    shoot(page, spec.url_path or "home")
    assert_healthy(page)


def test_player_steps_and_keeps_frame_in_url(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate")
    assert_healthy(page)
    expect_frame(page, 1)
    _, total = frame_number(page)
    assert total >= 3

    page.get_by_role("button", name="Next ▶").click()
    expect_frame(page, 2)
    page.get_by_role("button", name="Next ▶").click()
    expect_frame(page, 3)
    wait_idle(page)
    page.wait_for_url(re.compile(r"[?&]trap-frame=2\b"), timeout=TIMEOUT)
    page.get_by_role("button", name="◀ Back").click()
    expect_frame(page, 2)
    wait_idle(page)
    page.wait_for_url(re.compile(r"[?&]trap-frame=1\b"), timeout=TIMEOUT)
    assert "trap-frame=" in page.url
    assert_healthy(page)


def test_player_autoplay_advances(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate")
    expect_frame(page, 1)
    start, total = frame_number(page)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=TIMEOUT)
    deadline = time.monotonic() + 15
    current = start
    while time.monotonic() < deadline and current < start + 2:
        page.wait_for_timeout(500)
        current, _ = frame_number(page)
    assert current >= start + 2, f"auto-play did not advance: frame {start} -> {current} of {total}"
    shoot(page, "trap-after-play")
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible(timeout=TIMEOUT)
    assert_healthy(page)


def test_frame_link_opens_that_frame(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate?isa=ia32&program=ia32-popf&trap-frame=7")
    assert_healthy(page)
    expect_frame(page, 8)
    expect(page.get_by_text("Link notice")).to_have_count(0)
    shoot(page, "trap-frame-link")


def test_malformed_link_shows_notice(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate?isa=nonsense")
    assert_healthy(page)
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="Link notice").first
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("isa=nonsense")
    expect_frame(page, 1)  # and the page still works, with the default ISA
    shoot(page, "trap-malformed-link")


def test_bad_program_shows_error(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate")
    page.locator('[data-testid="stExpander"] summary').filter(has_text="Program").first.click()
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    expect(editor).to_be_visible()
    editor.fill("FOO")
    editor.press("Control+Enter")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="not an instruction").first
    expect(error).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    assert_healthy(page)
    expect_frame(page, 1)  # the last program that worked is still playable
    shoot(page, "trap-bad-program")


def test_quiz_feedback_then_progress(app):
    base, page = app
    open_page(page, f"{base}/quiz-2-1")
    assert_healthy(page)
    check_first_option(page, page.locator('[data-testid="stForm"]').filter(has=page.locator(RADIO)).first, RADIO)
    settle_and_shoot(page, "quiz-feedback")

    # Same session: navigate through the sidebar, not page.goto (a new URL load is a new session).
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="My progress").click()
    page.wait_for_url(re.compile(r"/progress"), timeout=TIMEOUT)
    expect(page.locator("h1").filter(has_text="My progress")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    assert_healthy(page)
    expect(page.get_by_text("No answers yet")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Download CSV"))).to_be_visible()
    lecture = page.locator('[data-testid="stDataFrame"]').first.locator('[data-testid^="glide-cell-1-"]')
    deadline = time.monotonic() + TIMEOUT / 1000
    cells: list[str] = []
    while time.monotonic() < deadline and not any("/ 1" in c for c in cells):  # the grid fills in after mounting
        page.wait_for_timeout(250)
        cells = lecture.all_inner_texts()
    assert any(re.search(r"[01] / 1", c) for c in cells), f"progress table shows no answered question: {cells}"
    shoot(page, "progress-after-quiz")


def _grid_cell(page: Page, row: int, x_offset: float = 120) -> tuple[float, float]:
    """Screen point of a data-editor cell (glide grid on a canvas: 35 px header and rows)."""
    box = page.locator('[data-testid="stDataFrame"] canvas').first.bounding_box()
    assert box, "the data editor's canvas is not on screen"
    return box["x"] + x_offset, box["y"] + 35 * row + 17


def test_isa_designer_toggle_and_duplicate_name(app):
    base, page = app
    page.set_viewport_size({"width": 1440, "height": 1400})
    open_page(page, f"{base}/isa-designer?preset=s370")
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="An efficient VMM can be built").first).to_be_visible()
    # The grid is a canvas laid out after the page settles: click its cells only once it stands still.
    expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    page.wait_for_timeout(1000)

    # Un-privilege LRA (row 3): select its name cell, step right to "Privileged", toggle with Space.
    # On a loaded machine the canvas sometimes ignores the keys after a click: try again only when the app is idle
    # and the verdict did not change, so a slow but registered toggle is never undone.
    verdict = page.locator('[data-testid="stAlert"]').filter(has_text="No efficient trap-and-emulate VMM").first
    for _ in range(3):
        page.mouse.click(*_grid_cell(page, 3))
        page.wait_for_timeout(300)  # let the grid take keyboard focus before the keys arrive
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
        page.keyboard.press("Space")
        page.wait_for_timeout(800)
        wait_idle(page)
        if verdict.is_visible():
            break
    expect(verdict).to_be_visible(timeout=TIMEOUT)
    expect(verdict).to_contain_text("(LRA)")
    wait_idle(page)

    # Rename SPT (row 2) to LPSW: a duplicate, so the last valid design stays with a clear message.
    page.mouse.dblclick(*_grid_cell(page, 2))
    editor = page.locator("textarea:focus")
    expect(editor).to_be_visible()
    editor.fill("LPSW")
    editor.press("Enter")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="is listed twice").first
    expect(error).to_be_visible(timeout=TIMEOUT)
    expect(error).to_contain_text("Showing the last valid design")
    expect(verdict).to_contain_text("(LRA)")  # the last valid design (LRA unprivileged) is still judged
    assert_healthy(page)
    shoot(page, "isa-designer-edited")


def test_binary_translation_plays_and_draws_charts(app):
    base, page = app
    open_page(page, f"{base}/binary-translation?program=loop")
    assert_healthy(page)
    expect_frame(page, 1, key="bt")
    page.get_by_role("button", name="Next ▶").click()
    expect_frame(page, 2, key="bt")
    expect(page.locator(".st-key-bt_caption").first).to_contain_text("Translate unit")
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts).to_have_count(3, timeout=TIMEOUT)  # cache hit rate, cumulative cost, loop sweep
    shoot(page, "binary-translation-step")


def test_paging_tlb_tab_shows_hit_rate_charts(app):
    base, page = app
    open_page(page, f"{base}/paging?mode=teaching")
    page.get_by_role("tab", name="TLB").click()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=TIMEOUT)
    expect(page.locator(".st-key-tlb_caption").first).to_contain_text("Empty TLB")
    assert_healthy(page)
    shoot(page, "paging-tlb")
