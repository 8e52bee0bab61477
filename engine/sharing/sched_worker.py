"""Heavy scheduling runs in a worker process, so that one student's run cannot slow every other student's page.

Why a process (issue 15): the app serves every session from threads of one Python process, and a simulation is pure
Python, so while one runs it holds the interpreter lock (GIL) and other sessions' steps wait for their turns: the
bench measured another session's step at 1.1-1.9 s while the worst accepted scenario ran in-process
(bench/bench_sched_worst.py). In a worker process it only competes for a core.

* Small runs (estimated under IN_PROCESS_EVENTS events: every preset and lecture scenario) run in the calling thread,
  with no start-up or copying cost.
* Larger ones go to one spawned worker (one, so that heavy runs queue instead of taking both cores), which runs
  :func:`engine.sharing.sched.play` with the caller's engine budget and sends back a compact result: the frames with
  their Gantt segments stored once (each frame otherwise repeats all segments before it: 3.4 million references and
  1.1 s to unpickle for the worst accepted host) and each vCPU's view as a plain tuple, and the run without its segments, with the whole run's metrics and
  at most CHART_BURSTS bursts per VM (:meth:`SchedResult.compact`).
* The caller waits at most TIMEOUT_S; the engine's own CPU budget ends every run well before that.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import copyreg
import multiprocessing
import threading
from dataclasses import replace
from types import MappingProxyType

from engine.sharing import sched
from engine.sharing.sched_model import Scenario, SchedulerConfigError, estimated_events

IN_PROCESS_EVENTS = 60_000
CHART_BURSTS = 1500
TIMEOUT_S = 120.0


def _proxy(values: dict) -> MappingProxyType:
    return MappingProxyType(values)


# Frames' counters and a run's counters are read-only mappings, which pickle cannot send by itself.
copyreg.pickle(MappingProxyType, lambda mapping: (_proxy, (dict(mapping),)))

_pool: cf.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shutdown() -> None:
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)


atexit.register(_shutdown)  # before the interpreter tears the pool's module down under its weakref callback


def _worker() -> cf.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # spawn, not fork: the server process has threads (and their locks) that fork would copy
            _pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def pack(trace, result: sched.SchedResult):
    """The trace and result in a form that pickles small and fast (see the module's docstring)."""
    frames = trace.frames
    shared = frames[-1].state.segments  # every frame's closed segments are a prefix of the last frame's
    packed = []
    for frame in frames:
        segments = frame.state.segments
        low, high = 0, min(len(segments), len(shared))  # the longest prefix made of the very same Segment objects
        while low < high:
            mid = (low + high + 1) // 2
            if segments[mid - 1] is shared[mid - 1]:
                low = mid
            else:
                high = mid - 1
        views = tuple(tuple(view.__dict__.values()) for view in frame.state.vcpus)  # plain tuples unpickle fast
        packed.append((replace(frame, state=replace(frame.state, segments=(), vcpus=())), low, segments[low:], views))
    return trace.scenario, trace.seed, shared, packed, result.compact(CHART_BURSTS)


def unpack(packed):
    """The inverse of :func:`pack` (with the compact result)."""
    from engine.core.trace import Trace

    name, seed, shared, frames, result = packed
    fields = tuple(sched.VCpuView.__dataclass_fields__)

    def view(values: tuple):  # a frozen dataclass without its __init__'s checks: 51,600 of them for the worst host
        made = object.__new__(sched.VCpuView)
        made.__dict__.update(zip(fields, values))
        return made

    return Trace(name, tuple(replace(frame, state=replace(frame.state, segments=shared[:n] + rest,
                                                          vcpus=tuple(map(view, views))))
                             for frame, n, rest, views in frames), seed), result


def _play_packed(scenario: Scenario, scheduler: str, limits: tuple[int, int, float]):
    return pack(*sched.play(scenario, scheduler, limits=limits))


def play(scenario: Scenario, scheduler: str):
    """:func:`engine.sharing.sched.play`, in a worker process when the run is large (then with a compact result)."""
    if estimated_events(scenario, scheduler) < IN_PROCESS_EVENTS:
        return sched.play(scenario, scheduler)
    future = _worker().submit(_play_packed, scenario, scheduler, sched.budget())
    try:
        return unpack(future.result(timeout=TIMEOUT_S))
    except cf.TimeoutError:
        raise sched.SimulationBudgetError(f"this run took more than {TIMEOUT_S:g} s: shorten the duration, or use fewer "
                                          "vCPUs or longer bursts and periods") from None
    except cf.process.BrokenProcessPool:
        global _pool
        with _pool_lock:
            _pool = None
        raise SchedulerConfigError("the simulation's worker process stopped (out of memory?); try a smaller "
                                   "scenario") from None
