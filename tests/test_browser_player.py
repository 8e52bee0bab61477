"""The player that steps in the browser (ui/player.py, ``client=True``) in real headless Chromium, on Trap and emulate.

Its buttons, slider and keys change the caption and the diagram at once, without the server; keys are ignored while
the learner types; Play advances by itself at the chosen speed, turns into Pause and stops at the last frame; the frame
is kept in the address (a reopened address opens it) and across a theme switch; a new ISA restarts at frame 1. No
console error and no page error along the way. The server's player (no ``dot``) is covered under AppTest
(tests/test_pages.py). Screenshots: tests/screenshots/player-<light|dark|projector|phone>.png.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import SCREENSHOTS, TIMEOUT, assert_healthy, expect_frame, frame_number, open_page, wait_idle

pytestmark = pytest.mark.browser

KEY = "trap"
POPF = "trap-and-emulate?isa=ia32&program=ia32-popf"  # nine frames: CLI traps, POPF fails silently
FRAMES = 9
PLAYER = f".st-key-player_controls_{KEY}"
SLIDER = f".st-key-player_slider_{KEY} input[type=range]"
FRAME = f".st-key-player_frame_{KEY}"


# Streamlit's own start on a deep link: it asks /<page>/_stcore/health and host-config first (404), then the root's.
PROBE = re.compile(r"/[\w-]+/_stcore/(health|host-config)$")


def watch(page: Page) -> list[str]:
    """The console errors and page errors ``page`` will have (Streamlit's 404 probes of a deep link left out)."""
    errors: list[str] = []

    def console(message) -> None:
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not ("Failed to load resource" in message.text and PROBE.search(url)):
            errors.append(f"console: {message.text} ({url})")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    return errors


@pytest.fixture()
def watched(server, viewport):
    """(base URL, a 1440×900 page) whose console errors and page errors fail the test at its end."""
    page = viewport(1440, 900)
    errors = watch(page)
    yield server, page
    assert not errors, errors


def button(page: Page, name: str):
    return page.locator(f".st-key-{KEY}_{name} button").first


def diagram_svg(page: Page) -> str:
    """The diagram the frame shows (its SVG markup)."""
    svg = page.locator(f"{FRAME} svg").first
    expect(svg).to_be_visible(timeout=TIMEOUT)
    return svg.evaluate("e => e.outerHTML")


def address_frame(page: Page) -> str | None:
    found = re.search(rf"[?&]{KEY}-frame=(\d+)", page.url)
    return found[1] if found else None


def expect_address(page: Page, index: int) -> None:
    page.wait_for_url(re.compile(rf"[?&]{KEY}-frame={index}(&|$)"), timeout=TIMEOUT)


def focus_page(page: Page) -> None:
    """Focus the page itself (not a widget), as after a click on the title."""
    page.locator("h1").first.click()


def test_buttons_and_slider_step_the_caption_and_the_diagram(watched):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    assert_healthy(page)
    expect_frame(page, 1)
    assert frame_number(page) == (1, FRAMES)
    first = diagram_svg(page)
    expect(button(page, "first")).to_be_disabled()
    expect(button(page, "back")).to_be_disabled()

    button(page, "next").click()
    expect_frame(page, 2)
    second = diagram_svg(page)
    assert second != first, "Next did not change the diagram"
    expect(button(page, "back")).to_be_enabled()
    button(page, "next").click()
    expect_frame(page, 3)
    button(page, "back").click()
    expect_frame(page, 2)
    assert diagram_svg(page) == second
    expect_address(page, 1)

    button(page, "last").click()
    expect_frame(page, FRAMES)
    expect(page.locator(f".st-key-{KEY}_caption")).to_contain_text("Equivalence violated")
    expect(page.locator(FRAME)).to_contain_text("DIFFERS")  # POPF left the guest's IF wrong
    expect(button(page, "next")).to_be_disabled()
    expect(button(page, "last")).to_be_disabled()
    expect(page.locator(SLIDER)).to_have_value(str(FRAMES))
    button(page, "first").click()
    expect_frame(page, 1)
    assert diagram_svg(page) == first
    expect(button(page, "first")).to_be_disabled()

    page.locator(SLIDER).fill("4")  # dragging the slider
    expect_frame(page, 4)
    expect_address(page, 3)
    assert diagram_svg(page) not in (first, second)
    expect(page.locator(SLIDER)).to_have_attribute("aria-valuetext", f"Frame 4 of {FRAMES}")
    page.locator(SLIDER).focus()
    page.keyboard.press("ArrowRight")  # the slider's own key: one frame, not two (the player's keys leave it alone)
    expect_frame(page, 5)
    page.wait_for_timeout(300)
    assert frame_number(page) == (5, FRAMES)
    wait_idle(page)
    assert_healthy(page)


def test_keys_step_the_player_but_not_while_typing(watched):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    expect_frame(page, 1)
    focus_page(page)
    page.keyboard.press("ArrowRight")
    expect_frame(page, 2)
    page.keyboard.press("ArrowRight")
    expect_frame(page, 3)
    page.keyboard.press("ArrowLeft")
    expect_frame(page, 2)
    page.keyboard.press("End")
    expect_frame(page, FRAMES)
    page.keyboard.press("Home")
    expect_frame(page, 1)
    page.keyboard.press("p")
    expect(button(page, "play")).to_have_text(re.compile("Pause"))
    page.keyboard.press("p")
    expect(button(page, "play")).to_have_text(re.compile("Play"))
    stopped = frame_number(page)[0]

    page.locator('[data-testid="stExpander"] summary').filter(has_text="Program").first.click()
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    expect(editor).to_be_visible()
    typed = editor.input_value()
    editor.click()
    for key in ("End", "ArrowLeft", "ArrowRight", "Home", "p"):
        page.keyboard.press(key)
    page.wait_for_timeout(400)
    assert frame_number(page)[0] == stopped, "a key typed into the program editor stepped the player"
    expect(button(page, "play")).to_have_text(re.compile("Play"))
    assert editor.input_value() != typed  # the "p" went into the text
    page.keyboard.press("Backspace")  # the program as it was: leaving the editor changes nothing
    assert editor.input_value() == typed
    focus_page(page)
    page.keyboard.press("ArrowRight")
    expect_frame(page, stopped + 1)
    wait_idle(page)
    assert_healthy(page)


def seconds_to_frame(page: Page, number: int, limit: float) -> float:
    """Seconds until the caption shows frame ``number`` (fails after ``limit``)."""
    began = time.monotonic()
    while frame_number(page)[0] < number:
        assert time.monotonic() - began < limit, f"frame {number} not reached within {limit} s: {frame_number(page)}"
        page.wait_for_timeout(50)
    return time.monotonic() - began


def test_play_advances_at_the_chosen_speed_turns_into_pause_and_stops_at_the_last_frame(watched):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    expect_frame(page, 1)
    speed = page.locator(f"{PLAYER} select[aria-label=Speed]")
    expect(speed).to_have_value("1×")
    speed.select_option("0.5×")  # three seconds a frame
    button(page, "play").click()
    expect(button(page, "play")).to_have_text(re.compile("Pause"))
    page.wait_for_timeout(2000)
    assert frame_number(page)[0] == 1, "at 0.5× a frame stays three seconds"
    seconds_to_frame(page, 2, 4)  # and then it advances by itself

    speed.select_option("4×")  # 0.4 s a frame, taking effect while playing
    took = seconds_to_frame(page, FRAMES, 10)
    frames = FRAMES - 2
    assert 0.7 * 0.4 * frames <= took <= 2.5 * 0.4 * frames + 1, f"{frames} frames at 4× took {took:.1f} s"
    expect(button(page, "play")).to_have_text(re.compile("Play"))  # stopped at the end
    page.wait_for_timeout(1000)
    assert frame_number(page)[0] == FRAMES
    expect_address(page, FRAMES - 1)

    button(page, "play").click()  # Play at the end starts over
    expect(button(page, "play")).to_have_text(re.compile("Pause"))
    seconds_to_frame(page, 2, 3)
    button(page, "play").click()
    expect(button(page, "play")).to_have_text(re.compile("Play"))
    paused = frame_number(page)[0]
    page.wait_for_timeout(1000)
    assert frame_number(page)[0] == paused, "Pause did not stop the player"
    wait_idle(page)
    assert_healthy(page)


def test_the_address_keeps_the_frame_and_reopening_it_opens_that_frame(watched, viewport):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    expect_frame(page, 1)
    for number in (2, 3, 4):
        button(page, "next").click()
        expect_frame(page, number)
    expect_address(page, 3)
    wait_idle(page)
    assert address_frame(page) == "3"  # and a rerun of the page did not take it back
    link = page.url
    shown = diagram_svg(page)

    other = viewport(1440, 900)  # another learner opens the bookmark
    errors = watch(other)
    open_page(other, link)
    expect_frame(other, 4)
    assert diagram_svg(other) == shown
    expect(other.locator(SLIDER)).to_have_value("4")
    assert address_frame(other) == "3"
    assert_healthy(other)
    assert not errors, errors


def choose_theme(page: Page, name: str) -> None:
    page.locator(".st-key-theme").get_by_role("radio", name=name).click()
    if name == "Light":
        page.wait_for_function("() => !/[?&]theme=/.test(location.search)", timeout=TIMEOUT)
    else:
        page.wait_for_url(re.compile(rf"[?&]theme={name.lower()}\b"), timeout=TIMEOUT)
    wait_idle(page)


def shoot_player(page: Page, name: str) -> None:
    """The player, its frame and its caption, scrolled into view, as tests/screenshots/player-<name>.png."""
    page.locator(PLAYER).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"player-{name}.png"))


def test_a_theme_switch_keeps_the_frame(watched):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    expect_frame(page, 1)
    button(page, "last").click()
    button(page, "back").click()
    expect_frame(page, FRAMES - 1)
    shoot_player(page, "light")
    for theme in ("Dark", "Projector"):
        choose_theme(page, theme)
        expect_frame(page, FRAMES - 1)
        expect(page.locator(SLIDER)).to_have_value(str(FRAMES - 1))
        expect_address(page, FRAMES - 2)
        assert diagram_svg(page)
        shoot_player(page, theme.lower())
    button(page, "next").click()  # the redrawn player steps on
    expect_frame(page, FRAMES)
    choose_theme(page, "Light")
    expect_frame(page, FRAMES)
    assert_healthy(page)


def test_a_new_isa_restarts_at_frame_1(watched):
    base, page = watched
    open_page(page, f"{base}/{POPF}")
    for _ in range(3):
        button(page, "next").click()
    expect_frame(page, 4)
    page.locator('.st-key-q_isa [data-testid="stSelectbox"]').click()
    page.get_by_role("option", name=re.compile("370")).first.click()
    page.wait_for_url(re.compile(r"[?&]isa=s370\b"), timeout=TIMEOUT)
    wait_idle(page)
    expect_frame(page, 1)
    number, total = frame_number(page)
    assert total != FRAMES, "the S/370 program's player still shows the IA-32 program's frames"
    expect_address(page, 0)
    button(page, "next").click()
    expect_frame(page, 2)
    assert_healthy(page)


def test_phone_keeps_the_player_in_one_row(server, viewport):
    page = viewport(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    errors = watch(page)
    open_page(page, f"{server}/{POPF}")
    expect_frame(page, 1)
    tops = page.locator(f"{PLAYER} button").evaluate_all("bs => bs.map(b => Math.round(b.getBoundingClientRect().top))")
    assert len(tops) == 5 and max(tops) - min(tops) <= 2, tops
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    button(page, "next").tap()
    expect_frame(page, 2)
    shoot_player(page, "phone")
    assert not errors, errors
