"""The "For lecturers" page in Chromium: download an export (and parse it), see class statistics, upload exports."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.core import progress
from engine.core.quiz import load_bank
from engine.core.store import Store
from engine.quizgen import registry
from tests.conftest import StreamlitServer
from tests.test_browser import TIMEOUT, assert_healthy, open_page, settle_and_shoot, wait_idle
from tests.test_lms_export import parse_gift, qti_items
from tests.test_store import answered

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def class_server(catalogue):
    """A server of its own over a store where eight learners answered a written question and generated variants."""
    data = tempfile.mkdtemp(prefix="virtlab-lecturers-")
    store = Store(f"sqlite:///{Path(data) / 'virtlab.db'}")
    q = next(q for q in load_bank("2.2") if q.kind == "single")
    wrong = next(o for o in q.options if o not in q.answer)
    gen = registry()["tlb-hits"]
    keys = []
    for n in range(8):
        key = store.create_learner()
        keys.append(key)
        for event in answered(q, q.answer[0] if n % 3 == 0 else wrong, at=1000.0 + n):
            store.add(key, event)
        variant = gen.make(n + 1, catalogue)
        for event in answered(variant, str(variant.value) if n % 2 else "999", at=2000.0 + n):
            store.add(key, event)
    server = StreamlitServer(VIRTLAB_DATA_DIR=data).start()
    yield server.url, q, keys
    server.stop()


def test_download_an_export_and_see_the_class(class_server, page):
    url, q, keys = class_server
    page.set_default_timeout(TIMEOUT)
    open_page(page, f"{url}/lecturers")
    assert_healthy(page)
    page.get_by_text("GIFT (Moodle)").click()
    wait_idle(page)
    button = page.get_by_role("button", name="Download").filter(has_text="GIFT")
    expect(button).to_be_visible(timeout=TIMEOUT)
    settle_and_shoot(page, "lecturers-export")
    with page.expect_download(timeout=TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "virtlab-gift.txt"
    parsed = parse_gift(Path(download.path()).read_text(encoding="utf-8"))
    total = int(button.inner_text().split("Download")[1].split()[0])
    assert len(parsed) == total > 100

    page.get_by_text("QTI 1.2 package (Canvas)").click()
    wait_idle(page)
    zipped = page.get_by_role("button", name="Download").filter(has_text="QTI")
    with page.expect_download(timeout=TIMEOUT) as info:
        zipped.click()
    items, _ = qti_items(Path(info.value.path()).read_bytes())
    assert len(items) == total

    page.get_by_role("tab", name="Class statistics").click()
    wait_idle(page)
    expect(page.get_by_text("8 learners.")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Per question (CSV)")).to_be_visible()
    settle_and_shoot(page, "lecturers-statistics")
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert not any(key in body or key in page.url for key in keys)  # aggregate only: no learner key anywhere


def test_statistics_from_uploaded_export_files(class_server, page, tmp_path):
    url, q, _ = class_server
    wrong = next(o for o in q.options if o not in q.answer)
    files = []
    for n, first in enumerate((q.answer[0], wrong, wrong, wrong)):
        path = tmp_path / f"student{n}.csv"
        path.write_text(progress.to_csv(answered(q, first)), encoding="utf-8")
        files.append(str(path))
    bad = tmp_path / "notes.csv"
    bad.write_text("name,grade\nalice,1\n", encoding="utf-8")
    huge = tmp_path / "huge.json"  # a round of 1e400: int() of infinity, refused with its event
    huge.write_text('{"format": "virtlab-progress", "events": [{"question_id": "a", "section": "2.1", "prompt": "p", '
                    '"generated": false, "beyond": false, "round": 1e400, "seq": 0, "kind": "try", "given": "", '
                    '"score": 1, "at": 0}]}', encoding="utf-8")
    page.set_default_timeout(TIMEOUT)
    open_page(page, f"{url}/lecturers")
    page.get_by_role("tab", name="Class statistics").click()
    page.get_by_text("Students' export files").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([*files, str(bad), str(huge)])
    wait_idle(page)
    expect(page.get_by_text("4 learners.")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Left out: notes.csv").first).to_be_visible()
    expect(page.get_by_text("Left out: huge.json, event 1: cannot convert float infinity to integer").first).to_be_visible()
    assert_healthy(page)
    settle_and_shoot(page, "lecturers-uploads")
