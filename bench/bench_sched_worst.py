"""The worst scheduling scenarios the editor accepts, and what they do to another student's page.

Run from anywhere: `python3 bench/bench_sched_worst.py` (about a minute; starts its own app server).

Issue 15 found one student could pin the server (64 pCPUs with 32 VMs of 64 vCPUs: a minute and 0.5 GB; 1 µs
latency bursts: never finished). The editor now refuses that before running (engine.sharing.sched_model limits) and
the engine stops any run over its budget (engine.sharing.sched: 2,000,000 events, 600,000 segments, 6 s of CPU).

1. Engine: each worst accepted scenario under each scheduler, with the page's animated path (sched.play): CPU time
   against the engine's 6 s budget, segments, and the estimated bytes the shared run cache keeps for it: the compact
   form the worker sends back, beside the whole run's (ui.sched_views.run_bytes; the cache holds at most 384 MiB).
2. Server: a real `streamlit run app.py` (tests.conftest.StreamlitServer) and two sessions over Streamlit's own
   websocket protocol (bench/bench_live.py's Session). Session A pastes the worst scenario into the scheduling
   editor, which runs it under the chosen scheduler and, for the comparison, under all four; meanwhile session B
   switches the Shared I/O page's "Seen from inside the guest" between web1 and web2 again and again: each switch is
   a whole script run of that page (its scenario editor, the cached runs, the player and charts it redraws), the
   server's work behind a click there. Its player no longer asks the server for a step: the browser steps it
   (ui.player, client=True), so B measures a rerun, which costs the server more than a player step did. Reported: A's
   step, and B's rerun times while A's runs (median, slowest), against 200 ms.

Why a worker process (engine.sharing.sched_worker): run in the server's own threads, a simulation holds the
interpreter lock, and with the first version of this bench another session's step took 1.1-1.9 s (median 214-265 ms
against 122 ms alone) while the worst host ran. Large runs now go to one spawned worker and come back compact. Part 2
measures what is left: the copying back, the drawing of A's page, the garbage collector's full passes (which hold the
lock too: the server keeps a worker's frames as plain tuples, sched_worker.PackedFrames, and freezes its imports at
start-up, app.py) and the two cores the machine shares. Budgets: B's every rerun under 200 ms, A's step under 30 s.
Exit code 0 (it measures, it does not gate).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench import bench_live  # noqa: E402
from bench.bench_live import Session  # noqa: E402
from engine.sharing import sched  # noqa: E402
from engine.sharing.sched_model import VM, Scenario, Workload, estimated_events, validate  # noqa: E402
from engine.sharing.sched_text import format_scenario  # noqa: E402
from tests.conftest import StreamlitServer  # noqa: E402

STEP_BUDGET_MS = 200
# A's step runs five simulations (its scheduler, then the comparison's four), each stopped by the engine at 6 s of CPU:
# 30 s is the most the engine allows a pasting student to wait.
PASTE_BUDGET_S = 5 * sched.CPU_BUDGET_S
bench_live.RUN_TIMEOUT_S = 300  # A's step runs five simulations; the bench waits for it rather than give up


def worst() -> dict[str, Scenario]:
    """At the editor's limits: the issue's host cut to 128 vCPUs and 240 pCPU-seconds; and latency vCPUs with the
    shortest bursts under the event estimate."""
    return {
        "64 pCPUs, 8 VMs x 16 CPU-bound vCPUs, 3.75 s": Scenario(
            64, tuple(VM(f"vm{i}", 16, weight=256 * (1 + i % 2)) for i in range(8)), duration_ms=3750),
        "4 pCPUs, 16 latency vCPUs (0.1 ms every 0.5 ms), 10.8 s": Scenario(
            4, tuple(VM(f"w{i}", 2, workload=Workload("latency", 0.1, 0.5)) for i in range(8)), duration_ms=10_800),
    }


def engine_part() -> None:
    import pickle

    from engine.sharing.sched_worker import pack, unpack
    from ui.sched_views import run_bytes

    print(f"1. Engine (CPU time of this thread; the engine's budget is {sched.CPU_BUDGET_S:g} s per run)")
    for name, scenario in worst().items():
        print(f"   {name}")
        for scheduler in sched.SCHEDULERS:
            validate(scenario, scheduler)
            started = time.thread_time()
            try:
                trace, result = sched.play(scenario, scheduler)
            except sched.SimulationBudgetError as exc:
                print(f"   {scheduler:>8}: stopped by the budget after {time.thread_time() - started:.2f} s: {exc}")
                continue
            used = time.thread_time() - started
            print(f"   {scheduler:>8}: {used:5.2f} s CPU ({'within' if used < sched.CPU_BUDGET_S else 'OVER'}), "
                  f"estimated events {estimated_events(scenario, scheduler):,.0f}, segments {len(result.segments):,}, "
                  f"kept in the cache as {run_bytes(*unpack(pickle.loads(pickle.dumps(pack(trace, result))))) / 2**20:.1f}"
                  f" MiB (compact; {run_bytes(trace, result) / 2**20:.0f} MiB whole)")


async def server_part(base: str, scenario: Scenario) -> tuple[float, list[float], list[float]]:
    heavy, light = Session(base, "cpu-scheduling"), Session(base, "shared-io")
    await heavy.open()
    await light.open()
    try:
        first = await heavy.run()
        area = next(e for k, e in first.elements if k == "text_area")
        page = await light.run()
        guest = next(e for k, e in page.elements if k == "selectbox" and "inside the guest" in e.label)
        clicks = 0

        async def click() -> None:  # B picks the other guest: one script run of the Shared I/O page
            nonlocal clicks
            clicks += 1
            await light.run([WidgetState(id=guest.id, string_value=guest.options[clicks % 2])])

        for _ in range(3):  # warm: the Shared I/O page's runs and both guests' charts are cached after the first
            await click()
        alone: list[float] = []
        for _ in range(10):  # B's rerun with nobody else busy, for comparison
            started = time.perf_counter()
            await click()
            alone.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)
        steps: list[float] = []
        done = asyncio.Event()

        async def paste() -> float:
            started = time.perf_counter()
            run = await heavy.run([WidgetState(id=area.id, string_value=format_scenario(scenario))])
            errors = [e.body for k, e in run.elements if k == "alert" and "last scenario" in e.body]
            done.set()
            if errors:
                print(f"   the page refused it: {errors[0][:200]}")
            return time.perf_counter() - started

        async def step_meanwhile() -> None:
            while not done.is_set():
                started = time.perf_counter()
                await click()
                steps.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)

        heavy_s, _ = await asyncio.gather(paste(), step_meanwhile())
        return heavy_s, alone, steps
    finally:
        await heavy.close()
        await light.close()


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    engine_part()
    print(f"2. Server: session A pastes the scenario; session B reruns the Shared I/O page meanwhile (switches the "
          f"guest; budget {STEP_BUDGET_MS} ms a rerun)")
    server = StreamlitServer().start()
    try:
        for name, scenario in worst().items():
            heavy_s, alone, steps = asyncio.run(server_part(server.url, scenario))
            verdict = "within" if steps and max(steps) < STEP_BUDGET_MS else "OVER"
            print(f"   {name}: A's step {heavy_s:.1f} s (5 runs: its scheduler, then the comparison's four): "
                  f"{'within' if heavy_s < PASTE_BUDGET_S else 'OVER'} {PASTE_BUDGET_S:g} s")
            print(f"      B alone: median {statistics.median(alone):.0f} ms, slowest {max(alone):.0f} ms; "
                  + (f"B's {len(steps)} reruns meanwhile: median {statistics.median(steps):.0f} ms, slowest "
                     f"{max(steps):.0f} ms: {verdict} {STEP_BUDGET_MS} ms" if steps else "no rerun of B ran meanwhile"))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
