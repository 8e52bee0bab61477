"""Real inputs in Chromium (issue 14): a program in assembler spelling on Trap and emulate shows its own
classification and the "you wrote -> catalogue entry" table; AWS timestamps on the pricing timeline are billed.
Screenshots: tests/screenshots/trap-asm-mapping.png, pricing-iso-timeline.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import SCREENSHOTS, TIMEOUT, app, assert_healthy, open_page, shoot, wait_idle, warm  # noqa: F401

pytestmark = pytest.mark.browser


def _type(page, editor, text: str) -> None:
    editor.fill(text)
    editor.press("Control+Enter")
    wait_idle(page)


def test_pasted_assembly_shows_its_mapping_and_classification(app):
    base, page = app
    open_page(page, f"{base}/trap-and-emulate?isa=ia32&program=custom")
    box = page.locator('[data-testid="stExpander"]').filter(has_text="Program (edit it").first
    editor = box.locator("textarea").first
    expect(editor).to_be_visible()
    _type(page, editor, "start:  pushfd          ; save EFLAGS\n        cli\n        mov eax, cr0\n"
                        "        mov ax, cs      ; which ring?\n        popfd\n        hlt")
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)
    expect(box.get_by_text("How your spellings were read")).to_be_visible(timeout=TIMEOUT)
    listing = page.locator(".st-key-player_frame_trap pre").filter(has_text="MOV Sreg").first  # the player's listing
    for entry in ("PUSHF", "MOV r32, CR0", "MOV Sreg", "POPF"):
        expect(listing).to_contain_text(entry)
    box.screenshot(path=str(SCREENSHOTS / "trap-asm-mapping.png"))


def test_aws_timestamps_are_billed_in_the_browser(app):
    base, page = app
    open_page(page, f"{base}/pricing?timeline=aws-timestamps")
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)
    table = page.locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible(timeout=TIMEOUT)
    shoot(page, "pricing-iso-timeline")


def test_overnight_timeline_chart_starts_at_the_first_start(app):
    base, page = app
    open_page(page, f"{base}/pricing?timeline=overnight")
    assert_healthy(page)
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible(timeout=TIMEOUT)
    charts.first.screenshot(path=str(SCREENSHOTS / "pricing-overnight-chart.png"))
