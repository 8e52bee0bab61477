"""In Chromium: text from the address bar and from editors is shown as text, never as a link, an image or markup.

AppTest sees only the Markdown source of a message; these tests look at what the browser renders from it
(ui/escape.py's ``literal``): the characters a user typed are on screen, and no <a>, <img> or markup came of them.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.test_browser import TIMEOUT, app, open_page, settle_and_shoot, warm  # noqa: F401

pytestmark = pytest.mark.browser

EVIL = "evil.example"


@pytest.mark.parametrize("value, shown", [
    ("[Quiz solutions](https://evil.example/answers)", "[Quiz solutions](https://evil.example/answers)"),
    ("![x](https://evil.example/x.png)", "![x](https://evil.example/x.png)"),
    ("<img src=https://evil.example/y.png> **bold** $x$ :red[red] www.evil.example me@evil.example",
     "<img src=https://evil.example/y.png> **bold** $x$ :red[red] www.evil.example me@evil.example"),
])
def test_link_notice_renders_the_address_bar_as_plain_text(app, value, shown):  # noqa: F811
    base, page = app
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_page(page, f"{base}/trap-and-emulate?isa={quote(value)}")
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="Link notice")
    expect(notice.first).to_be_visible(timeout=TIMEOUT)
    assert shown in notice.first.inner_text().replace("\u2060", "")  # the word joiner that breaks autolinks
    main = page.locator('[data-testid="stMain"]')
    assert main.locator(f'a[href*="{EVIL}"]').count() == 0
    assert main.locator(f'img[src*="{EVIL}"]').count() == 0
    assert notice.first.locator("strong, em, code, .katex, a, img").count() == 0
    assert not [u for u in requested if urlsplit(u).hostname == EVIL], "the page asked the network for " + EVIL
    if value.startswith("<img"):
        settle_and_shoot(page, "escape-link-notice")


def test_editor_error_echoes_markup_as_text(app):  # noqa: F811
    base, page = app
    open_page(page, f"{base}/vt-x?vtx=custom")
    workload = page.locator('[data-testid="stTextArea"] textarea').nth(1)  # the VMCS, then the workload
    expect(workload).to_be_visible(timeout=TIMEOUT)
    workload.fill("[click](https://evil.example/) <b>x</b>")
    workload.press("Control+Enter")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="Showing the last VMCS and workload that worked")
    expect(error.first).to_be_visible(timeout=TIMEOUT)
    assert "[click](https://evil.example/) <b>x</b>" in error.first.inner_text().replace("\u2060", "")
    assert error.first.locator("a, b, img").count() == 0
    settle_and_shoot(page, "escape-editor-error")
