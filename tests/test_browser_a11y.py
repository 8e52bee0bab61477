"""Accessibility: axe-core checks every page in Chromium; a "serious" or "critical" violation fails the test.

axe-core is the npm package tests/install_test_deps.sh installs, pinned, into tests/.axe/ (gitignored); it is injected
into the page under test from that file, never from a CDN. Violations that come from Streamlit's own markup, which the
app cannot change, are in ALLOWED with the reason; everything else is the app's to fix. Skipped heading levels (axe's
"heading-order", only "moderate" to axe) fail too: every page's sections are h2 under its h1 title.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_browser import ALL_PAGES, TIMEOUT, assert_healthy, open_page, wait_idle

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
ALWAYS = ("heading-order",)  # rules that fail at any impact
# Violations in markup the app does not write, each (rule id, CSS selector of the element or its container): reason.
ALLOWED: dict[tuple[str, str], str] = {
    ("list", '[data-testid="stSidebarNav"]'):
        "Streamlit's page navigation puts its section headers as <div>s straight inside its <ul>",
    ("listitem", '[data-testid="stSidebarNav"]'):
        "the same navigation: its <li> pages sit in a <div> per section, not in the <ul> itself. Streamlit 1.x has "
        "no option for this markup; the only fix is replacing its navigation with our own links (position='hidden' "
        "and st.page_link), which would lose its collapsible sections and its page-change handling",
}


@pytest.fixture(scope="module")
def axe_source() -> Path:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run tests/install_test_deps.sh (the README's test command does)")
    return AXE


def violations(page, axe: Path) -> list[dict]:
    """axe-core's violations on the page as it is, each node with its impact, target and whether ALLOWED covers it."""
    page.add_script_tag(path=str(axe))
    return page.evaluate("""async (allowed) => {
        const r = await axe.run(document, {resultTypes: ['violations'], elementRef: true});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.join(' '), html: n.html.slice(0, 160),
                                    summary: n.failureSummary,
                                    allowed: allowed.some(([rule, sel]) => rule === v.id && n.element
                                                                           && n.element.closest(sel) !== null)}))}));
    }""", [list(key) for key in ALLOWED])


def serious(page, axe: Path, name: str) -> dict[tuple[str, str], str]:
    """The serious and critical violations that ALLOWED does not cover: (rule id, target) -> a line to print."""
    found = {}
    for v in violations(page, axe):
        for node in v["nodes"]:
            impact = node["impact"] or v["impact"]
            if (impact in FAILING or v["id"] in ALWAYS) and not node["allowed"]:
                found[(v["id"], node["target"])] = (f"{name}: {v['id']} ({impact}) {node['target']}: {v['help']}\n"
                                                    f"    {node['html']}\n    {node['summary']}")
    return found


@pytest.mark.parametrize("spec", ALL_PAGES, ids=[s.url_path or "home" for s in ALL_PAGES])
def test_no_serious_accessibility_violations(server, page, axe_source, spec):
    name = f"/{spec.url_path}"
    page.set_default_timeout(TIMEOUT)
    open_page(page, f"{server}/{spec.url_path}")
    assert_healthy(page)
    page.wait_for_timeout(800)  # charts and diagrams mount after the run
    # Open every expander (lesson, editors, sources) so that their content is checked too; they are client-side only.
    page.evaluate("() => document.querySelectorAll('[data-testid=\"stExpander\"] details').forEach(d => d.open = true)")
    page.wait_for_timeout(500)
    wait_idle(page)
    found = serious(page, axe_source, name)
    if found:  # a rerun's fading of stale elements is not the page: keep what a second look, once idle, still finds
        wait_idle(page)
        page.wait_for_timeout(1000)
        again = serious(page, axe_source, name)
        found = {key: line for key, line in found.items() if key in again}
    for line in found.values():
        print(line)
    assert not found, f"{len(found)} serious or critical accessibility violation(s) on {name}:\n" + "\n".join(found.values())
