"""Layout in a real browser: a first deep link to a fresh server opens its page without "Page not found".

Run on their own servers where a fresh process matters (StreamlitServer from conftest.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import StreamlitServer
from tests.test_browser import TIMEOUT, assert_healthy, expect_frame, open_page, shoot

pytestmark = pytest.mark.browser


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
