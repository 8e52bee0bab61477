"""Click to painted frame in a real browser: every animation player's "Next" against an empty page's button.

Run from anywhere: `python3 bench/bench_frames.py [--steps N] [--pages cpu-scheduling,paging]`. Needs Debian's
chromium (tests/install_test_deps.sh). Prints, per player, the median and slowest time from the click to the last
change the click made to the page, and the ratio of the median to the floor measured in the same run: an empty
Streamlit page with one button (bench/empty_page.py) served by its own process beside the app. Goal: every ratio
within 2. Always exits 0 (it measures, it does not gate); writes bench/results/frames.txt.

How a step is timed, in the page itself (no Playwright round trips inside the measurement): a MutationObserver
notes the time of every change to the document; the script clicks the button, waits until the frame caption shows
the next frame, then until nothing has changed for 300 ms, and reports the time of the last change after the click.
Whatever follows the caption (a server player's diagram and tables, a chart Vega redraws for the browser player's new
frame) is inside the figure; the idle wait after the last change is not.

Measured here on 2026-12-01 (idle, 2 cores), 8 clicks per player: floor 12 ms; every player 2-8 ms a step,
0.14-0.72x the floor (players step in the browser, ui/player.py; before, on the server: 57-126 ms, 4.3-9.6x).

A/B in one run: `--against DIR` also serves another checkout of the app (e.g. `git worktree add /tmp/fw_old <commit>`)
and measures its players right after this one's, page by page, so both see the same load; its medians are printed
beside (on a shared, loaded machine, runs minutes apart are not comparable).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.bench_pages import PLAYERS  # noqa: E402
from deploy.cluster import AppProcess, wait_healthy  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "frames.txt"
QUIET_MS = 300
GOAL_RATIO = 2.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

MEASURE = """async ([button, caption, quietMs]) => {
  const text = () => (document.querySelector(caption) || {}).innerText || "";
  const before = text();
  let last = performance.now();
  const seen = new MutationObserver(() => { last = performance.now(); });
  seen.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const start = performance.now();
  document.querySelector(button).click();
  while (text() === before && performance.now() - start < 30000) await new Promise(r => setTimeout(r, 2));
  const shown = performance.now();
  while (performance.now() - last < quietMs) await new Promise(r => setTimeout(r, 10));
  seen.disconnect();
  return [last - start, shown - start];
}"""


def settle(page: Page) -> None:
    """Wait until the page is idle: no script running, nothing changing for a while."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=60_000)
    page.wait_for_timeout(800)


def steps(page: Page, button: str, caption: str, count: int, rewind: str | None, captions: list[float]) -> list[float]:
    """``count`` timed clicks on ``button``; at the last frame (button disabled) ``rewind`` is clicked, untimed."""
    times: list[float] = []
    try:
        page.locator(button).first.wait_for(state="attached", timeout=30_000)
    except PlaywrightTimeout:  # a player that is not on the page's first tab
        return times
    while len(times) < count:
        if page.locator(button).first.is_disabled():
            if rewind is None:
                break
            page.locator(rewind).first.click()
            settle(page)
            continue
        painted, captioned = page.evaluate(MEASURE, [button, caption, QUIET_MS])
        times.append(painted)
        captions.append(captioned)
        page.wait_for_timeout(100)
    return times


class CheckoutApp(AppProcess):
    """The app of another checkout (``root``), served the way :class:`AppProcess` serves this one."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def start(self) -> "CheckoutApp":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=self.root, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        wait_healthy(f"{self.url}/_stcore/health", self.proc)
        return self


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed clicks per player (default 8)")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: every page with a player)")
    parser.add_argument("--against", default="", help="another checkout of the app, measured beside this one")
    args = parser.parse_args()
    wanted = [p for p in args.pages.split(",") if p] or list(PLAYERS)

    app, floor_app = AppProcess().start(), AppProcess(script="bench/empty_page.py").start()
    other = CheckoutApp(Path(args.against).resolve()).start() if args.against else None
    lines: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(60_000)

            def floor() -> list[float]:
                page.goto(floor_app.url)
                settle(page)
                return steps(page, ".st-key-floor_next button", ".st-key-floor_caption", args.steps, None, [])

            floors = floor()

            def measure(base_url: str, path: str, key: str) -> tuple[list[float], list[float]]:
                page.goto(f"{base_url}/{path}")
                settle(page)
                captions: list[float] = []
                times = steps(page, f".st-key-{key}_next button", f".st-key-{key}_caption", args.steps,
                              f".st-key-{key}_first button", captions)
                return times, captions

            rows: list[tuple[str, float, float, float, float | None]] = []
            for path in wanted:
                for key in PLAYERS[path]:
                    times, captions = measure(app.url, path, key)
                    before = measure(other.url, path, key)[0] if other else []
                    if times:
                        rows.append((f"{path} / {key}", statistics.median(times), max(times),
                                     statistics.median(captions), statistics.median(before) if before else None))
                floors += floor()  # the floor again after every page, so load changes show in both
            browser.close()
        base = statistics.median(floors)
        lines.append(f"floor: empty page with one button, median {base:.0f} ms over {len(floors)} clicks "
                     f"(max {max(floors):.0f} ms)")
        header = f"{'page / player':<34} {'caption ms':>10} {'median ms':>9} {'max ms':>8} {'× floor':>8}"
        if other:
            header += f"   {'against: median ms':>18} {'× floor':>8}"
        lines.append(header)
        for name, median, worst, captioned, against in rows:
            ratio = median / base
            line = f"{name:<34} {captioned:>10.0f} {median:>9.0f} {worst:>8.0f} {ratio:>7.2f}" + (
                "  over 2×" if ratio > GOAL_RATIO else "          ")
            if against is not None:
                line += f" {against:>18.0f} {against / base:>7.2f}"
            lines.append(line.rstrip())
        over = [r for r in rows if r[1] / base > GOAL_RATIO]
        lines.append(f"goal: every player step within {GOAL_RATIO:g}× the floor: "
                     + ("met" if not over else f"missed by {len(over)} of {len(rows)} players"))
        if other:
            lines.append(f"against: {args.against}")
    finally:
        app.stop()
        floor_app.stop()
        if other:
            other.stop()
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")


if __name__ == "__main__":
    main()
