"""Several app processes behind nginx share one PostgreSQL database (deploy/cluster.py, as the README starts it).

Two `streamlit run app.py` processes and nginx from Debian's packages on loopback, both processes on the tests'
PostgreSQL server. A lecturer whose browser nginx routes to one process opens a room; a student whose browser it
routes to the other process joins and votes; the lecturer's count shows the vote, and the database holds it.
"""

from __future__ import annotations

import re
import urllib.request

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, expect

from deploy.cluster import Cluster
from engine.core.rooms import Rooms
from engine.core.store import Store
from tests.test_browser import TIMEOUT, open_page, shoot
from tests.test_browser_live import PHONE, first_live_question, vote

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def database_url(postgres_url):
    """A database of its own on the tests' PostgreSQL server, so the rooms opened here stay out of other tests."""
    server = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS virtlab_deploy"))
        conn.execute(sa.text("CREATE DATABASE virtlab_deploy"))
    server.dispose()
    yield postgres_url.rsplit("/", 1)[0] + "/virtlab_deploy"


@pytest.fixture(scope="module")
def cluster(database_url):
    with Cluster(database_url, processes=2) as running:
        yield running


def routes(cluster: Cluster) -> dict[str, str]:
    """A `virtlab_route` cookie value per app process, as nginx hands them out to new browsers."""
    found: dict[str, str] = {}
    for _ in range(64):
        with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=10) as response:
            cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
            cookie = re.search(r"virtlab_route=([0-9a-f]+);", cookies).group(1)
            found.setdefault(response.headers["X-VirtLab-Upstream"], cookie)
        if len(found) == len(cluster.apps):
            return found
    raise AssertionError(f"nginx sent 64 new browsers to only {sorted(found)}")


def routed(context: BrowserContext, cluster: Cluster, cookie: str) -> str:
    """Give the browser its route cookie; return the process nginx sends it to (checked over the browser's own requests)."""
    context.add_cookies([{"name": "virtlab_route", "value": cookie, "url": cluster.url}])
    upstreams = {context.request.get(f"{cluster.url}/_stcore/health").headers["x-virtlab-upstream"] for _ in range(3)}
    assert len(upstreams) == 1, f"one browser reached several processes: {upstreams}"
    return upstreams.pop()


def test_nginx_spreads_new_browsers_and_keeps_each_on_its_process(cluster):
    found = routes(cluster)
    assert sorted(found) == sorted(f"127.0.0.1:{app.port}" for app in cluster.apps)
    for upstream, cookie in found.items():
        for _ in range(5):
            request = urllib.request.Request(f"{cluster.url}/", headers={"Cookie": f"virtlab_route={cookie}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.headers["X-VirtLab-Upstream"] == upstream


def test_a_vote_through_one_process_counts_in_the_room_seen_through_the_other(cluster, browser, database_url):
    (first, lecturer_cookie), (second, student_cookie) = sorted(routes(cluster).items())
    lecturer_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    phone_context = browser.new_context(**PHONE)
    try:
        assert routed(lecturer_context, cluster, lecturer_cookie) == first
        assert routed(phone_context, cluster, student_cookie) == second
        lecturer, student = lecturer_context.new_page(), phone_context.new_page()
        for page in (lecturer, student):
            page.set_default_timeout(TIMEOUT)

        open_page(lecturer, f"{cluster.url}/live-lecturer")
        lecturer.get_by_role("button", name="Open a room").click()
        heading = lecturer.get_by_role("heading", name=re.compile(r"Room code: [A-Z2-9]{5}"))
        expect(heading).to_be_visible(timeout=TIMEOUT)
        code = re.search(r"Room code: ([A-Z2-9]{5})", heading.inner_text()).group(1)
        lecturer.get_by_role("button", name="I have noted it: hide the secret").click()
        lecturer.get_by_role("button", name="Ask this question").click()
        lecturer.get_by_role("button", name="▶ Open voting").click()
        expect(lecturer.get_by_text("voting open")).to_be_visible(timeout=TIMEOUT)

        open_page(student, f"{cluster.url}/live-join")
        student.get_by_label("Room code").fill(code)
        student.get_by_role("button", name="Join").click()
        expect(student.get_by_role("button", name="Vote")).to_be_visible(timeout=TIMEOUT)
        question = first_live_question()
        vote(student, "ABCDEF"[question.options.index(question.answer[0])])
        expect(student.get_by_text("Vote recorded")).to_be_visible(timeout=TIMEOUT)

        count = lecturer.locator(".st-key-live_count [data-testid='stMetricValue']")
        expect(count).to_have_text("1", timeout=TIMEOUT)  # the lecturer's process read the other process's vote
        shoot(lecturer, "deploy-nginx-lecturer")
        store = Store(database_url)
        assert Rooms(store, lambda ref: None).count(code) == 1
        store.engine.dispose()
    finally:
        lecturer_context.close()
        phone_context.close()
