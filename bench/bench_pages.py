"""Server-side timing of every page: full reruns, player steps and cold start.

Run from anywhere: `python3 bench/bench_pages.py [--runs N]`. Prints a table and budget verdicts,
writes the same text to bench/results/latest.txt, and always exits 0 (it measures, it does not gate).

- rerun: median of N `at.run()` calls on a page already open in AppTest (script time, no browser).
- step:  median of one `Next` click plus rerun for each animation player on the server's player (ui/player.py)
         on the page (when a player reaches its last frame it is reset to the first, untimed). A player that steps
         in the browser (``client=True``) has no server step: it is listed as "in browser" with its frame count, and
         bench/bench_frames.py measures its steps in Chromium; drawing all its frames is part of "first open".
- cold start: `streamlit run app.py` launch until /_stcore/health answers 200, and the
          first AppTest run of app.py in this process (imports, caches, lesson files).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from streamlit.testing.v1 import AppTest  # noqa: E402

from deploy.cluster import AppProcess  # noqa: E402
from ui.navigation import GROUPS  # noqa: E402

# AppTest's main thread has no ScriptRunContext and each run logs a harmless warning about it: keep the table clean.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True

APP = str(ROOT / "app.py")
RESULTS = ROOT / "bench" / "results" / "latest.txt"
PLAYERS: dict[str, tuple[str, ...]] = {  # url_path -> player keys on that page
    "trap-and-emulate": ("trap",),
    "vmm-types": ("type1", "type2"),
    "binary-translation": ("bt",),
    "paging": ("walk", "tlb"),
    "shadow-page-tables": ("shadow",),
    "io-virtualization": ("io",),
    "xen": ("mem", "sys", "pf"),
    "hypercalls": ("hcall", "event", "ring"),
    "vt-x": ("vtx",),
    "ept": ("nested", "dma"),
    "resource-distribution": ("plan", "fcfs"),
    "cpu-scheduling": ("sched",),
    "shared-io": ("io",),
    "regions": ("route",),
    "instance-types": ("credits",),
    "performance-variance": ("variance",),
}
RERUN_BUDGET_MS = 100.0
STEP_BUDGET_MS = 100.0
TIMEOUT = 60  # seconds per AppTest run: generous, a slow machine should be measured, not crash


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def cold_start_server() -> float | None:
    """Seconds from launching `streamlit run app.py` to /_stcore/health answering 200 (None: never), asked every 20 ms."""
    app = AppProcess()
    started = time.perf_counter()
    try:
        app.start(poll_s=0.02)
    except RuntimeError:
        return None
    finally:
        elapsed = time.perf_counter() - started
        app.stop()
    return elapsed


def _check(at: AppTest, where: str) -> str | None:
    if at.exception:
        return f"{where}: exception {at.exception[0].value[:120]!r}"
    return None


def browser_frames(at: AppTest, key: str) -> int | None:
    """The frame count of the browser player ``key`` on the page (None: no such player; it is on the server)."""
    for element in at.get("html"):
        if f'data-key="{key}"' in element.value and "vl-player" in element.value:
            found = re.search(r'type="range" min="1" max="(\d+)"', element.value)
            return int(found[1]) if found else 0
    return None


def bench_page(file: str, keys: tuple[str, ...], runs: int) -> dict:
    """Open the page in a fresh AppTest, then time reruns and player steps."""
    problems: list[str] = []
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(file)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if msg := _check(at, "open"):
        problems.append(msg)

    reruns = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    if msg := _check(at, "rerun"):
        problems.append(msg)

    steps: dict[str, list[float]] = {}
    in_browser: dict[str, int] = {}
    for key in keys:
        frames = browser_frames(at, key)
        if frames is not None:
            in_browser[key] = frames
            continue
        try:
            at.button(key=f"{key}_next")
        except KeyError:
            problems.append(f"no player {key!r} on the page (neither a browser player nor {key}_next)")
            continue
        times = []
        while len(times) < runs:
            nxt = at.button(key=f"{key}_next")
            if nxt.disabled:  # last frame: back to the start, untimed
                at.button(key=f"{key}_first").click().run()
                continue
            t0 = time.perf_counter()
            nxt.click().run()
            times.append(time.perf_counter() - t0)
            if msg := _check(at, f"step {key}"):
                problems.append(msg)
                break
        steps[key] = times
    return {"first": first, "reruns": reruns, "steps": steps, "in_browser": in_browser, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed reruns / steps per page (default 15)")
    args = parser.parse_args()

    lines: list[str] = []

    def out(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    out(f"VirtLab page benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    out(f"python {platform.python_version()}, {os.cpu_count()} CPUs, N={args.runs} timed runs per measurement")
    out()

    # Cold start first, before this process has warmed any cache.
    server = cold_start_server()
    t0 = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    first_apptest = time.perf_counter() - t0
    server_text = f"{_ms(server):.0f} ms" if server is not None else "did not answer"
    out(f"Cold start: streamlit run -> /_stcore/health 200: {server_text}")
    out(f"Cold start: first AppTest run of app.py (home):   {_ms(first_apptest):.0f} ms"
        + ("" if not at.exception else f"  (exception: {at.exception[0].value[:80]!r})"))
    out()

    header = f"{'page':<22} {'first open':>10} {'rerun med':>10} {'rerun max':>10}   {'player step median (max)':<34}"
    out(header)
    out("-" * len(header))
    rerun_medians: dict[str, float] = {}
    step_medians: dict[str, float] = {}
    problems: list[str] = []
    browser_players = 0
    for spec in (s for specs in GROUPS.values() for s in specs):
        name = spec.url_path or "home"
        result = bench_page(spec.file, PLAYERS.get(spec.url_path, ()), args.runs)
        med = _ms(statistics.median(result["reruns"]))
        rerun_medians[name] = med
        step_cells = []
        for key, times in result["steps"].items():
            if times:
                step_medians[f"{name}:{key}"] = _ms(statistics.median(times))
                step_cells.append(f"{key} {_ms(statistics.median(times)):.0f} ({_ms(max(times)):.0f}) ms")
        step_cells += [f"{key} in browser ({frames} frames)" for key, frames in result["in_browser"].items()]
        browser_players += len(result["in_browser"])
        out(f"{name:<22} {_ms(result['first']):>7.0f} ms {med:>7.1f} ms {_ms(max(result['reruns'])):>7.1f} ms   "
            + (", ".join(step_cells) or "—"))
        problems += [f"{name}: {p}" for p in result["problems"]]
    out()

    worst_rerun = max(rerun_medians, key=rerun_medians.get)
    worst_step = max(step_medians, key=step_medians.get) if step_medians else None
    slow_reruns = [n for n, v in rerun_medians.items() if v >= RERUN_BUDGET_MS]
    slow_steps = [n for n, v in step_medians.items() if v >= STEP_BUDGET_MS]
    out(f"Budget rerun median < {RERUN_BUDGET_MS:.0f} ms: "
        + ("PASS" if not slow_reruns else "FAIL (" + ", ".join(slow_reruns) + ")")
        + f"  [slowest {worst_rerun} {rerun_medians[worst_rerun]:.1f} ms]")
    if worst_step:
        out(f"Budget step median  < {STEP_BUDGET_MS:.0f} ms: "
            + ("PASS" if not slow_steps else "FAIL (" + ", ".join(slow_steps) + ")")
            + f"  [slowest {worst_step} {step_medians[worst_step]:.1f} ms]")
    if browser_players:
        out(f"{browser_players} players step in the browser (no server step): python3 bench/bench_frames.py measures them")
    if problems:
        out()
        out("Problems seen while benchmarking:")
        for p in problems:
            out(f"  - {p}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n(written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
