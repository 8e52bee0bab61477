"""Issue 15 (Severe): a scheduling scenario cannot pin the server. The editor's limits refuse the issue's runaway
scenarios with a message naming the limit, and the engine's own budget stops a run that gets past them."""

import time

import pytest

from engine.sharing import sched
from engine.sharing.sched_model import (MAX_EVENTS, VM, Scenario, SchedulerConfigError, Workload, estimated_events,
                                        validate)
from engine.sharing.sched_presets import PRESETS
from engine.sharing.sched_text import parse_scenario


def _big(vms: int, vcpus: int, pcpus: int = 64, duration: int = 3750) -> str:
    return f"host pcpus={pcpus} duration={duration}\n" + "\n".join(f"vm{i} vcpus={vcpus}" for i in range(vms))


@pytest.mark.parametrize("text, message", [
    (_big(32, 64), "2048 vCPUs in all; this simulator takes at most 128"),
    (_big(8, 16, duration=10_000), "must be at most 240"),  # 64 pCPUs × 10 s
    (_big(2, 64, pcpus=4, duration=60_000), "vCPUs × simulated seconds must be at most 960"),
    ("host pcpus=1 duration=3000\nweb workload=latency burst=0.001 wait=0.001", "burst and wait must each be 0.1–10000"),
    ("host pcpus=4 duration=60000\n" + "\n".join(f"w{i} workload=latency burst=0.1 wait=0.2" for i in range(8)),
     "scheduling events"),
])
def test_the_issues_runaway_scenarios_are_refused_with_the_limit(text, message):
    started = time.perf_counter()
    with pytest.raises(SchedulerConfigError, match=message):
        for scheduler in sched.SCHEDULERS:
            validate(parse_scenario(text), scheduler)
    assert time.perf_counter() - started < 0.5  # refused before any simulation


def test_every_preset_is_well_under_the_event_limit():
    for preset in PRESETS.values():
        assert estimated_events(preset.scenario, preset.scheduler) < MAX_EVENTS / 20


def test_the_estimate_is_an_upper_bound_on_the_events_of_real_runs():
    scenario = Scenario(2, (VM("a", workload=Workload("io", 2, 8)), VM("b", workload=Workload("latency", 1, 5)),
                            VM("c")), duration_ms=2000)
    for scheduler in sched.SCHEDULERS:
        sim = sched._Sim(scenario, scheduler, 0, 0)
        result = sim.go()
        assert len(result.segments) + len(result.bursts) <= estimated_events(scenario, scheduler), scheduler


@pytest.mark.parametrize("limit, value, message", [
    ("MAX_STEPS", 10_000, "more than 10,000 events"),
    ("MAX_SEGMENTS", 1_000, "more than 1,000 Gantt segments"),
    ("CPU_BUDGET_S", 0.0, "more than 0 s of computing"),
])
def test_the_engine_stops_a_run_over_its_budget(monkeypatch, limit, value, message):
    monkeypatch.setattr(sched, limit, value)
    scenario = Scenario(4, tuple(VM(f"v{i}", 2, workload=Workload("io", 0.5, 1)) for i in range(4)), duration_ms=20_000)
    validate(scenario, "credit2")
    with pytest.raises(sched.SimulationBudgetError, match=message + r" \(it stopped at [\d,]+ of 20,000 simulated ms\)"):
        sched.run(scenario, "credit2")
    with pytest.raises(sched.SimulationBudgetError):  # the animated path checks the same budget
        sched.play(scenario, "credit2")


def test_a_budget_error_is_a_value_error_the_editor_shows():
    assert issubclass(sched.SimulationBudgetError, ValueError)


def test_charts_get_a_thinned_copy_of_many_bursts_with_the_extremes_kept():
    from ui.sched_views import CHART_BURSTS, for_chart

    scenario = Scenario(1, (VM("web", workload=Workload("latency", 0.2, 1)), VM("hog")), duration_ms=4000)
    result = sched.run(scenario, "credit")
    assert len(result.bursts) > 2 * CHART_BURSTS
    thinned = for_chart(result)
    assert CHART_BURSTS // 2 <= len(thinned.bursts) <= CHART_BURSTS + 4
    for measure in ("latency", "response"):
        values = [getattr(b, measure) for b in result.bursts]
        kept = [getattr(b, measure) for b in thinned.bursts]
        assert (min(kept), max(kept)) == (min(values), max(values))
    assert result.metrics() == sched.run(scenario, "credit").metrics()  # the figures still use every burst
    small = sched.run(PRESETS["boost"].scenario, "credit")
    assert for_chart(small) is small


def test_the_worker_sends_back_the_same_frames_and_figures_in_a_compact_form():
    import pickle

    from engine.sharing import sched_worker

    for preset in PRESETS.values():  # pack/unpack keeps every frame equal
        trace, result = sched.play(preset.scenario, preset.scheduler)
        back, compact = sched_worker.unpack(pickle.loads(pickle.dumps(sched_worker.pack(trace, result))))
        assert back == trace and compact.metrics() == result.metrics() and compact.segments == ()
    big = Scenario(4, tuple(VM(f"v{i}", 2, workload=Workload("io", 2, 8)) for i in range(4)), duration_ms=20_000)
    assert sched_worker.estimated_events(big, "credit") >= sched_worker.IN_PROCESS_EVENTS
    trace, result = sched_worker.play(big, "credit")  # in the worker process
    here_trace, here = sched.play(big, "credit")
    assert trace == here_trace and result.metrics() == here.metrics()
    assert len(result.bursts) <= 8 * (sched_worker.CHART_BURSTS + 4)


def test_a_workers_frames_are_built_when_read_and_kept_untracked_by_the_garbage_collector():
    import gc
    import pickle

    from engine.sharing import sched_worker

    trace, result = sched.play(PRESETS["boost"].scenario, "credit2")
    back, _ = sched_worker.unpack(pickle.loads(pickle.dumps(sched_worker.pack(trace, result))))
    frames = back.frames
    assert isinstance(frames, sched_worker.PackedFrames) and len(back) == len(trace)
    assert back[-1] == trace[-1] and back[3] == trace[3] and back[1:3] == trace.frames[1:3]
    assert isinstance(back[-1].state.segments[0], sched.Segment) and back[-1].state.vcpus[0].name == trace[-1].state.vcpus[0].name
    with pytest.raises(IndexError):
        back[len(trace)]
    assert back[5] is back[5]  # a frame read again is not built again
    gc.collect()  # the collector stops tracking tuples of numbers and strings once it has looked at them
    assert not gc.is_tracked(frames._shared) and not any(gc.is_tracked(views) for _, _, _, views in frames._frames)
    assert 0 < frames.approx_bytes() < 200 * len(trace) * (len(trace[-1].state.segments) + len(trace[-1].state.vcpus))


def test_the_worker_runs_with_the_callers_budget(monkeypatch):
    from engine.sharing import sched_worker

    monkeypatch.setattr(sched, "MAX_STEPS", 5_000)
    big = Scenario(4, tuple(VM(f"v{i}", 2, workload=Workload("io", 2, 8)) for i in range(4)), duration_ms=20_000)
    with pytest.raises(sched.SimulationBudgetError, match="more than 5,000 events"):
        sched_worker.play(big, "credit")


def test_the_worker_process_ends_when_its_server_is_killed():
    import ast
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    server = f"""
import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
import multiprocessing, time
from engine.sharing import sched_worker
from engine.sharing.sched_model import VM, Scenario, Workload
big = Scenario(4, tuple(VM(f"v{{i}}", 2, workload=Workload("io", 2, 8)) for i in range(4)), duration_ms=20_000)
sched_worker.play(big, "credit")
print([p.pid for p in multiprocessing.active_children()], flush=True)
time.sleep(60)
"""
    process = subprocess.Popen([sys.executable, "-c", server], stdout=subprocess.PIPE, text=True)
    workers = ast.literal_eval(process.stdout.readline())
    assert workers
    process.send_signal(signal.SIGKILL)  # no atexit handler runs
    process.wait()

    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(alive, workers)), "the worker outlived its server"
    process.stdout.close()
