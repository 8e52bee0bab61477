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
  1.1 s to unpickle for the worst accepted host), segments and each vCPU's view as plain tuples, and the run without
  its segments, with the whole run's metrics and at most CHART_BURSTS bursts per VM (:meth:`SchedResult.compact`).
  The server keeps them so and builds a frame when a player reads it (:class:`PackedFrames`).
* The caller waits at most TIMEOUT_S; the engine's own CPU budget ends every run well before that.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import copyreg
import gc
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import OrderedDict
from dataclasses import replace
from types import MappingProxyType

from engine.core.trace import Frame, LazyFrames, Trace
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


def _watch_parent() -> None:
    """In the worker: exit when the server that started it is gone. A worker only waits for work on a queue whose
    pipe it holds both ends of, so it never sees its server stop and would stay behind for good (a server killed
    without running its atexit handlers, or one whose interpreter skipped them)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=wait, name="virtlab-watch-parent", daemon=True).start()


def _worker() -> cf.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # spawn, not fork: the server process has threads (and their locks) that fork would copy
            _pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_watch_parent)
        return _pool


def _plain(segments) -> tuple[tuple, ...]:
    return tuple(map(tuple, segments))


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
        views = tuple(tuple(view.__dict__.values()) for view in frame.state.vcpus)
        packed.append((replace(frame, state=replace(frame.state, segments=(), vcpus=())), low,
                       _plain(segments[low:]), views))
    return trace.scenario, trace.seed, _plain(shared), tuple(packed), result.compact(CHART_BURSTS)


class PackedFrames(LazyFrames):
    """A worker's frames, kept as it sent them and built into frames when read (:class:`LazyFrames`).

    Segments and vCPU views stay plain tuples of numbers and strings, which Python's garbage collector stops
    tracking after its first look at them; built frames hold Segment and VCpuView objects, which it tracks for as
    long as they live. The worst accepted host kept as frames added ~300,000 tracked objects to the server, and each
    full collection then held the interpreter lock for 130–630 ms while another session waited to step
    (bench/bench_sched_worst.py). The last BUILT_KEPT frames read are kept built, so a player's rerun of the same
    frame does not build it again."""

    BUILT_KEPT = 4

    def __init__(self, shared: tuple[tuple, ...], frames: tuple) -> None:
        self._shared = shared
        self._frames = frames
        self._built: OrderedDict[int, Frame] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        index = range(len(self))[index]  # negative indices, and IndexError past the end
        with self._lock:
            if index in self._built:
                self._built.move_to_end(index)
                return self._built[index]
        frame, n, rest, views = self._frames[index]
        built = replace(frame, state=replace(frame.state, segments=tuple(map(sched.Segment._make, self._shared[:n] + rest)),
                                             vcpus=tuple(map(_view, views))))
        with self._lock:
            self._built[index] = built
            while len(self._built) > self.BUILT_KEPT:
                self._built.popitem(last=False)
        return built

    def approx_bytes(self) -> int:
        """About how many bytes these frames hold: segments ~100 bytes, views ~150, frames ~1 kB each."""
        segments = len(self._shared) + sum(len(rest) for _, _, rest, _ in self._frames)
        views = sum(len(views) for _, _, _, views in self._frames)
        return segments * 100 + views * 150 + len(self._frames) * 1000


_VIEW_FIELDS = tuple(sched.VCpuView.__dataclass_fields__)


def _view(values: tuple) -> sched.VCpuView:
    """A VCpuView from its field values, without its __init__'s checks (a frame of the worst host has 128)."""
    made = object.__new__(sched.VCpuView)
    made.__dict__.update(zip(_VIEW_FIELDS, values))
    return made


def unpack(packed):
    """The inverse of :func:`pack`: a trace whose frames are built when read (:class:`PackedFrames`), and the
    compact result."""
    name, seed, shared, frames, result = packed
    return Trace(name, PackedFrames(shared, frames), seed), result


def _play_packed(scenario: Scenario, scheduler: str, limits: tuple[int, int, float]):
    # The worker does nothing else, and a run's objects all live until it ends: the collector's passes over them
    # (up to 330 ms each, several a run) would find nothing. The run's own cycles go in one pass after it.
    gc.disable()
    try:
        return pack(*sched.play(scenario, scheduler, limits=limits))
    finally:
        gc.enable()
        gc.collect()


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
