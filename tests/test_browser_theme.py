"""Light, dark and projector themes in real headless Chromium at 1920×1080 (a lecture hall's projector).

A diagram page, a chart page and a quiz page (with an answer's feedback) are opened in each theme. The computed colour
of every piece of visible text in the page and the sidebar is compared with the background behind it (at least 4.5:1;
7:1 on the projector);
the Altair charts' axis labels are measured (at least 16 px, and readable on the page's background); graphviz
diagrams sit on a white card in dark. The sidebar switch is clicked and the theme follows to another page and a
reload. Screenshots: tests/screenshots/theme-<theme>-<page>.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import (RADIO, SCREENSHOTS, TIMEOUT, assert_healthy, check_first_option, open_page, shoot,
                                wait_idle)
from ui.diagram import SELECTOR as DIAGRAM

pytestmark = pytest.mark.browser

THEMES = {"light": 4.5, "dark": 4.5, "projector": 7.0}  # least contrast of text against its background
PAGES = {"trap-and-emulate": "diagram", "compare": "chart", "quiz-2-1": "quiz"}

# Contrast (WCAG 2) of every element with text of its own, against the background behind it: the nearest opaque
# background of its ancestors with any translucent ones blended over it, and the text's alpha and opacity blended in.
# Left out: what is drawn on a canvas or in an SVG (measured apart), disabled buttons (exempt), icons drawn from an
# icon font (a non-text graphic: 3:1 would do), text hidden with opacity 0 (a slider's min/max appear on hover) and a
# slider's thumb value (positioned above its blue thumb, on the page).
CONTRAST_JS = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const blend = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = [255, 255, 255, 1]; for (const c of layers.reverse()) bg = blend(c, bg); return bg; };
  const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const skip = 'DIAGRAM, [data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], svg, '
             + 'button:disabled, [aria-disabled="true"], [data-testid="stSliderThumbValue"], [data-testid="stIconEmoji"], '
             + '[data-testid="stIconMaterial"]';
  const out = [];
  for (const root of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]'))
    for (const el of root.querySelectorAll('*')) {
      if (el.closest(skip)) continue;
      if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim().length > 0)) continue;
      const box = el.getBoundingClientRect(); if (box.width < 1 || box.height < 1) continue;
      const style = getComputedStyle(el); if (style.visibility === 'hidden') continue;
      const alpha = opacity(el); if (alpha < 0.05) continue;
      const fg = parse(style.color); if (!fg) continue;
      const bg = background(el);
      out.push({text: el.textContent.trim().slice(0, 40), where: (el.closest('[data-testid]') || {dataset: {}}).dataset.testid,
                color: style.color, contrast: ratio(blend([fg[0], fg[1], fg[2], fg[3] * alpha], bg), bg)});
    }
  return out.sort((a, b) => a.contrast - b.contrast);
}""".replace("DIAGRAM", DIAGRAM)

# Each Altair axis label: its size, and its contrast against the page behind the chart (charts are transparent).
AXIS_JS = """() => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bg = [255, 255, 255];
  for (let e = document.querySelector('[data-testid="stVegaLiteChart"]'); e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] === 1) { bg = c; break; } }
  return [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg g.role-axis-label text')].map(t => {
    const s = getComputedStyle(t); const [x, y] = [lum(parse(s.fill)), lum(bg)].sort((p, q) => q - p);
    return {text: t.textContent, px: parseFloat(s.fontSize), contrast: (x + 0.05) / (y + 0.05)}; });
}"""


def background(page: Page) -> str:
    return page.evaluate("""() => getComputedStyle(document.querySelector('[data-testid="stMain"]')).backgroundColor""")


def check_contrast(page: Page, least: float) -> None:
    texts = page.evaluate(CONTRAST_JS)
    assert len(texts) > 20, "no text measured"
    low = [t for t in texts if t["contrast"] < least]
    assert not low, f"text below {least}:1 on {page.url}: {low[:8]}"


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("path", list(PAGES))
def test_text_contrast_and_chart_text_in_every_theme(server, viewport, theme, path):
    base, page = server, viewport(1920, 1080)  # a lecture hall's projector
    open_page(page, f"{base}/{path}" + ("" if theme == "light" else f"?theme={theme}"))
    assert_healthy(page)
    page.wait_for_timeout(500)  # charts draw after the run ends
    expect(page.get_by_text("Link notice")).to_have_count(0)
    dark = theme == "dark"
    assert (background(page) == "rgb(14, 17, 23)") == dark, background(page)
    if PAGES[path] == "quiz":  # answer once, so the feedback (an alert) is measured too
        form = page.locator('[data-testid="stForm"]').filter(has=page.locator(RADIO)).first
        check_first_option(page, form, RADIO)
        wait_idle(page)
        expect(page.locator('[data-testid="stAlertContainer"]').first).to_be_visible()
    check_contrast(page, THEMES[theme])
    if PAGES[path] == "chart":
        expect(page.locator('[data-testid="stVegaLiteChart"] svg g.role-axis-label text').first).to_be_visible()
        labels = page.evaluate(AXIS_JS)
        assert labels and min(label["px"] for label in labels) >= (18 if theme == "projector" else 16), labels[:3]
        assert min(label["contrast"] for label in labels) >= THEMES[theme], labels[:3]
    if PAGES[path] == "diagram":
        card = page.locator(DIAGRAM).first
        expect(card).to_be_visible()
        if dark:  # graphviz keeps its colours: black text on a white card
            assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
            grids = page.locator('[data-testid="stDataFrame"]').all()  # the frame's own table is an st.table now
            assert all("invert" in g.evaluate("e => getComputedStyle(e).filter") for g in grids)
    if theme == "projector":
        assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "21px"
    shoot(page, f"theme-{theme}-{path}")


def test_the_sidebar_switch_is_kept_by_the_next_page_and_a_reload(server, viewport):
    base, page = server, viewport(1920, 1080)  # a lecture hall's projector
    open_page(page, f"{base}/trap-and-emulate")
    switch = page.locator(".st-key-theme")
    expect(switch.get_by_role("radio", name="Light")).to_have_attribute("aria-checked", "true")
    switch.get_by_role("radio", name="Dark").click()
    page.wait_for_url(re.compile(r"[?&]theme=dark\b"), timeout=TIMEOUT)
    wait_idle(page)
    assert background(page) == "rgb(14, 17, 23)"
    switch.screenshot(path=str(SCREENSHOTS / "theme-switch-dark.png"))
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Quiz 2.1").click()
    page.wait_for_url(re.compile(r"/quiz-2-1\?(.*&)?theme=dark\b"), timeout=TIMEOUT)
    wait_idle(page)
    assert background(page) == "rgb(14, 17, 23)"
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    assert background(page) == "rgb(14, 17, 23)"
    expect(page.locator(".st-key-theme").get_by_role("radio", name="Dark")).to_have_attribute("aria-checked", "true")
    page.locator(".st-key-theme").get_by_role("radio", name="Projector").click()
    page.wait_for_url(re.compile(r"[?&]theme=projector\b"), timeout=TIMEOUT)
    wait_idle(page)
    assert background(page) == "rgb(255, 255, 255)"
    page.locator(".st-key-theme").get_by_role("radio", name="Light").click()
    wait_idle(page)
    page.wait_for_function("() => !/[?&]theme=/.test(location.search)", timeout=TIMEOUT)
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "18px"  # projector's CSS gone
    check_contrast(page, THEMES["light"])
    assert_healthy(page)
