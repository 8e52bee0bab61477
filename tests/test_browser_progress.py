"""Progress lasts in a real browser: answer, restart the server, reopen the bookmarked address, see the same progress."""

from __future__ import annotations

import re
import tempfile

import pytest
from playwright.sync_api import expect

from engine.core.quiz import load_bank
from tests.conftest import StreamlitServer
from tests.test_browser import TIMEOUT, assert_healthy, open_page, settle_and_shoot

pytestmark = pytest.mark.browser


def test_progress_survives_a_server_restart(page):
    q = next(q for q in load_bank("2.1") if q.kind == "single" and not re.search(r"[`*_$\[\]]", q.answer[0]))
    data = tempfile.mkdtemp(prefix="virtlab-restart-")
    server = StreamlitServer(VIRTLAB_DATA_DIR=data).start()
    try:
        open_page(page, server.url)  # a fresh server's first deep link shows 'Page not found' (Streamlit #8860)
        open_page(page, f"{server.url}/quiz-2-1?order=5&question={q.id}")
        box = page.locator(f".st-key-quiz_{q.id}")
        box.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(rf"^\s*{re.escape(q.answer[0])}\s*$")).first.click()
        box.get_by_role("button", name="Check answer").click()
        expect(box.locator('[data-testid="stAlert"]').filter(has_text="Correct.").first).to_be_visible(timeout=TIMEOUT)
        page.wait_for_url(re.compile(r"learner=[a-z]+-[a-z]+-[a-z]+-[a-z]+"), timeout=TIMEOUT)
        bookmark = page.url.replace(server.url, "")

        server.stop()
        server.start()  # same port, same data folder: a restart
        open_page(page, server.url)
        open_page(page, server.url + bookmark.replace("/quiz-2-1", "/progress"))
        assert_healthy(page)
        key = re.search(r"learner=([a-z-]+)", bookmark).group(1)
        expect(page.get_by_text(f"Your learner key: {key}")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("No answers yet")).to_have_count(0)
        settle_and_shoot(page, "progress-after-restart")
        open_page(page, server.url + bookmark)
        done = page.locator(f".st-key-quiz_{q.id}").locator('[data-testid="stAlert"]').filter(has_text="Answer:")
        expect(done.first).to_be_visible(timeout=TIMEOUT)  # the answered question is still answered
    finally:
        server.stop()
