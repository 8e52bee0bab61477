"""Shared fixtures: the lesson catalogue, and a real Streamlit server for the browser tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from deploy.cluster import AppProcess, free_port
from tests.postgres import temporary_cluster

from engine.virtualizability.isa import load_catalogue
from engine.core.lessons import LESSONS_DIR

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
# Progress written by the tests (AppTest and the browser tests' server) goes to a fresh SQLite file, never to data/.
os.environ.setdefault("VIRTLAB_DATA_DIR", tempfile.mkdtemp(prefix="virtlab-test-data-"))


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(LESSONS_DIR / "isas")


class StreamlitServer(AppProcess):
    """`streamlit run app.py` on a loopback port with extra environment (deploy/cluster.py's AppProcess, which the
    nginx deployment starts too); start() waits for its health check."""

    def __init__(self, port: int | None = None, **env: str):
        super().__init__(port=port or free_port(), env=env)


@pytest.fixture(scope="session")
def server():
    """The app on a free loopback port for the whole session; yields the base URL."""
    running = StreamlitServer().start()
    yield running.url
    running.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Debian's chromium is missing: run tests/install_test_deps.sh (the README's test command does)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture()
def viewport(browser):
    """A factory of browser pages of a given size, each in a fresh context closed after the test:
    ``viewport(1280, 720)`` is a projector's first screen, ``viewport(1920, 1080)`` a lecture hall's, and context options
    pass through (``viewport(390, 844, is_mobile=True, has_touch=True)``). Pages wait up to the browser tests' TIMEOUT."""
    from tests.test_browser import TIMEOUT

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    contexts = []

    def make(width: int, height: int, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(TIMEOUT)
        return opened

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server from Debian's packages (tests/install_test_deps.sh installs it), started for the tests
    in a fresh cluster on a free loopback port, and stopped after them. Yields a SQLAlchemy URL."""
    with temporary_cluster() as url:
        yield url
