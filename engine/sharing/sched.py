"""VM CPU scheduling on one host: an event-driven simulator with pluggable Xen policies.

Why event-driven: between two events (a burst ends, a vCPU wakes, a slice or budget runs out, a
tick, accounting, a Domain 0 I/O job ends) no scheduling decision can change, so the simulator
jumps from event to event in integer microseconds and the result is exact at 1 µs. It takes as
many steps as the scheduler makes decisions: a few per second for long pinned bursts, about one
per pCPU and millisecond under Credit2, whose busy vCPUs take turns at the 1 ms rate limit. The
common events (slices or bursts ending, vCPUs waking) run in one tight loop, :meth:`_Sim._advance`;
:meth:`_Sim.handle` takes the rest, and every event inside the animated window, where each
decision is explained in a sentence.

Two entry points share the same core:

* :func:`run` returns a :class:`SchedResult` (all Gantt segments, bursts, counters) for metrics and charts;
* :func:`play` / :func:`simulate` also record a :class:`engine.core.trace.Trace` of :class:`SchedState` frames,
  one per scheduling decision inside a window (at most ``max_frames``), each with a sentence saying why.

Scheduler ids: see :data:`SCHEDULERS`; what each model leaves out: :data:`SIMPLIFICATIONS`.
"""

from __future__ import annotations

import heapq
import random
import time
from operator import attrgetter
from collections import deque
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping, NamedTuple

from engine.sharing import credit, credit2, pinning, rtds
from engine.sharing.sched_metrics import Metrics, Spread, VMMetrics, fair_shares, jain
from engine.sharing.sched_model import Scenario, SchedulerConfigError, phases, validate
from engine.sharing.sched_policy import FOREVER, Policy, VCpu
from engine.core.trace import Trace, TraceBuilder

SCHEDULERS: Mapping[str, type[Policy]] = MappingProxyType({
    "pinning": pinning.PinningPolicy, "credit": credit.CreditPolicy,
    "credit2": credit2.Credit2Policy, "rtds": rtds.RTDSPolicy})
SCHEDULER_LABELS: Mapping[str, str] = MappingProxyType({
    "pinning": "Static pinning (null scheduler)", "credit": "Credit (Credit1)",
    "credit2": "Credit2 (Xen's default)", "rtds": "RTDS (real-time, EDF)"})

_COMMON = [
    "Context switches, migrations and the scheduler itself cost no CPU time.",
    "Workloads are synthetic: I/O bursts and waits are drawn uniformly within ±50 % of their means (seeded).",
]
SIMPLIFICATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "pinning": tuple(pinning.SIMPLIFICATIONS + _COMMON), "credit": tuple(credit.SIMPLIFICATIONS + _COMMON),
    "credit2": tuple(credit2.SIMPLIFICATIONS + _COMMON), "rtds": tuple(rtds.SIMPLIFICATIONS + _COMMON)})
SHARED_IO_SIMPLIFICATIONS = (
    "Domain 0 is modelled as I/O work on one pCPU that always runs ahead of guests (first come, first served).",
    "The I/O device itself is not modelled: an I/O wait ends after its drawn length, then Domain 0 processes it.",
)

DOM0 = "Domain 0"
IO_VCPU = "Dom0 I/O"
COUNTERS = ("context switches", "preemptions", "boosts", "parks", "credit resets", "deadline misses", "I/O jobs")
DEFAULT_WINDOW_MS = 600
MAX_FRAMES = 400
# The engine's own budget for one run (issue 15), checked while it runs, so that a scenario under the editor's limits
# (sched_model.validate) still cannot run away: at most MAX_STEPS events, MAX_SEGMENTS Gantt segments (about 150 bytes
# each) and CPU_BUDGET_S seconds of this thread's CPU time. The bench's heaviest accepted hosts stay well below all
# three (bench/bench_sched_worst.py). A run over budget raises SimulationBudgetError, which the editor shows as a
# message, keeping the last scenario that ran.
MAX_STEPS = 2_000_000
MAX_SEGMENTS = 600_000
CPU_BUDGET_S = 6.0
_CHECK_EVERY = 2048  # steps between two looks at the clock and the segment count


class SimulationBudgetError(SchedulerConfigError):
    """The run needed more steps, segments or CPU time than the engine's budget allows."""


class Segment(NamedTuple):
    """pCPU ``pcpu`` ran ``vcpu`` of ``vm`` from ``start`` to ``end`` ms; kind guest | io | idle.

    A NamedTuple, not a dataclass: a minute of simulated time makes hundreds of thousands of them."""

    pcpu: int
    vcpu: str
    vm: str
    start: float
    end: float
    kind: str


class Burst(NamedTuple):
    """One wake-up of a vCPU: woke at ``wake``, first ran at ``first_run``, finished at ``finish`` (ms)."""

    vm: str
    vcpu: str
    wake: float
    first_run: float
    finish: float

    @property
    def latency(self) -> float:
        return self.first_run - self.wake

    @property
    def response(self) -> float:
        return self.finish - self.wake


@dataclass(frozen=True)
class VCpuView:
    """One vCPU in a frame. credit: Credit credits / Credit2 ms; budget and deadline (ms) for RTDS."""

    name: str
    vm: str
    state: str  # running | runnable | blocked | parked
    pcpu: int | None
    credit: float | None
    priority: str
    budget: float | None
    deadline: float | None
    cpu_ms: float


@dataclass(frozen=True)
class SchedState:
    """A frame: the time, every vCPU, the Gantt segments so far, and the Domain 0 I/O queue length."""

    time: float
    scheduler: str
    pcpus: int
    vcpus: tuple[VCpuView, ...]
    segments: tuple[Segment, ...]
    io_queue: int


@dataclass(frozen=True)
class SchedResult:
    """A whole run: every segment and burst, the counters and RTDS misses (vCPU, deadline ms)."""

    scenario: Scenario
    scheduler: str
    segments: tuple[Segment, ...]
    bursts: tuple[Burst, ...]
    counters: Mapping[str, int]
    misses: tuple[tuple[str, float], ...]
    summary: Metrics | None = None  # set by compact(): the metrics of the whole run, whose segments it dropped

    @property
    def duration(self) -> float:
        return float(self.scenario.duration_ms)

    def metrics(self) -> Metrics:
        return self.summary if self.summary is not None else metrics(self)

    def compact(self, bursts_per_vm: int) -> SchedResult:
        """This run without its segments and with at most about ``bursts_per_vm`` bursts per VM (every k-th in time
        order, plus each measure's fastest and slowest), keeping the metrics of the whole run: what charts and tables
        need, in a few hundred kB instead of up to a hundred MB (sent back from a worker process, kept in a cache)."""
        return replace(self, segments=(), bursts=thin_bursts(self.bursts, bursts_per_vm), summary=self.metrics())


def thin_bursts(bursts: tuple[Burst, ...], per_vm: int) -> tuple[Burst, ...]:
    """At most about ``per_vm`` bursts per VM for drawing: every k-th, plus the fastest and slowest of each measure
    (so a box plot's min–max whiskers stay right). Returns ``bursts`` itself when no VM has more."""
    by_vm: dict[str, list[Burst]] = {}
    for burst in bursts:
        by_vm.setdefault(burst.vm, []).append(burst)
    if all(len(group) <= per_vm for group in by_vm.values()):
        return bursts
    kept: list[Burst] = []
    for group in by_vm.values():
        if len(group) <= per_vm:
            kept += group
            continue
        step = -(-len(group) // per_vm)
        chosen = set(range(0, len(group), step))
        for measure in ("latency", "response"):
            values = [getattr(b, measure) for b in group]
            chosen |= {values.index(min(values)), values.index(max(values))}
        kept += [group[i] for i in sorted(chosen)]
    return tuple(kept)


class _Sim:
    # Slots: the event loop reads these at every step, and CPython's attribute cache for plain
    # instances gives up beyond 30 attributes (shared-key dicts), so slots keep the loads fast.
    __slots__ = ("scenario", "scheduler", "vcpus", "runq", "policy", "ratelimit", "filtered", "now", "end",
                 "running", "started", "until", "ends", "seg_who", "seg_start", "segments", "bursts", "counters",
                 "seq", "wakes", "due", "charge", "io_pcpu", "io_cost", "io_rng", "io_jobs",
                 "io_done_at", "timer_at", "window", "max_frames", "frames", "closing", "builder", "hot",
                 "steps_left", "budget")

    def __init__(self, scenario: Scenario, scheduler: str, window_us: int, max_frames: int):
        if scheduler not in SCHEDULERS:
            raise SchedulerConfigError(f"unknown scheduler {scheduler!r}; choose one of {', '.join(SCHEDULERS)}")
        validate(scenario, scheduler)
        self.scenario, self.scheduler = scenario, scheduler
        self.vcpus: list[VCpu] = []
        self.runq: list[VCpu] = []  # runnable vCPUs not running (rebuilt in place after timers, which may park)
        for m, vm in enumerate(scenario.vms):
            for c in range(vm.vcpus):
                rng = random.Random(f"{scenario.seed}:{m}:{c}")
                self.vcpus.append(VCpu(len(self.vcpus), m, vm.name, f"{vm.name}.v{c}", vm.weight, vm.cap,
                                       vm.pins[c] if c < len(vm.pins) else None, vm.workload.kind,
                                       phases(vm.workload, rng)))
        self.policy = SCHEDULERS[scheduler](scenario, self.vcpus)
        self.policy.runq, self.policy.settle = self.runq, self._settle_all
        self.ratelimit = self.policy.ratelimit
        self.filtered = self.policy.filters or any(v.pin is not None for v in self.vcpus)
        n = scenario.pcpus
        self.now, self.end = 0, scenario.duration_ms * 1000
        self.running: list[VCpu | None] = [None] * n
        self.policy.running = self.running
        self.started, self.until = [0] * n, [FOREVER] * n
        self.ends = [FOREVER] * n  # per pCPU: min(done_at, until) of its running vCPU, so next_time is one min()
        self.seg_who: list[object] = [None] * n
        self.seg_start = [0] * n
        self.segments: list[Segment] = []
        self.bursts: list[Burst] = []
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.seq = 0
        self.wakes: list[tuple[int, int]] = []  # heap of (wake time µs, vCPU index)
        self.due: list[int] | tuple[()] = ()  # pCPUs whose running vCPU's burst or slice ends at the next event
        self.charge = self.policy.charge
        io = scenario.shared_io
        self.io_pcpu = io.pcpu if io.enabled else -1
        self.io_cost = round(io.cost_ms * 1000)
        self.io_rng = random.Random(f"{scenario.seed}:dom0")
        self.io_jobs: deque[list] = deque()  # [µs of processing, vCPU to wake when done], FCFS
        self.io_done_at = FOREVER  # when Domain 0 finishes the job at the head of the queue
        self.timer_at = 0
        self.steps_left = _CHECK_EVERY  # steps until the next budget check (_advance counts down inline)
        self.budget = (MAX_STEPS, MAX_SEGMENTS, CPU_BUDGET_S)
        self.window, self.max_frames = window_us, max_frames
        self.frames = 0
        self.closing: tuple[SchedState, dict[str, int]] | None = None
        self.builder: TraceBuilder[SchedState] | None = TraceBuilder(
            f"{scheduler}", scenario.seed, self.counters) if max_frames else None
        policy = self.policy  # what _advance() reads at every call, in one load (the lists change in place)
        self.hot = (self.running, self.ends, self.wakes, self.io_jobs, self.io_pcpu, self.end, policy, policy.exhausted,
                    policy.on_stop, self.charge, policy.pick, policy.runtime, self.runq, self.until, self.started,
                    self.filtered, self.seg_who, self.seg_start, self.segments.append)
        for v in self.vcpus:
            v.remaining, v.block_after = next(v.phases)
            if v.kind == "latency":
                period = v.block_after
                v.release = random.Random(f"{scenario.seed}:{v.idx}:offset").randrange(0, period, 1000) if period > 1000 else 0
                self._block(v, v.release)
            elif v.remaining == 0:
                self._block(v, v.block_after)
                v.remaining, v.block_after = next(v.phases)
            else:
                v.wake_time = 0
                self._enqueue(v)

    # --- helpers -------------------------------------------------------------------------------
    def _enqueue(self, v: VCpu) -> None:
        self.seq += 1
        v.seq, v.state, v.pcpu = self.seq, "runnable", None
        self.runq.append(v)

    def _block(self, v: VCpu, until: int) -> None:
        v.state, v.pcpu, v.wake_at = "blocked", None, until
        heapq.heappush(self.wakes, (until, v.idx))

    def _occupy(self, p: int, who: object) -> None:
        """Close pCPU p's open Gantt segment if its occupant changes (the hot path: one call per switch)."""
        old = self.seg_who[p]
        if old is who:
            return
        start, now = self.seg_start[p], self.now
        if now > start:
            self.segments.append(_new(Segment, (p, old.name, old.vm_name, start / 1000, now / 1000, "guest"))
                                 if type(old) is VCpu else _segment(p, old, start, now))
        self.seg_who[p], self.seg_start[p] = who, now

    def _settle(self, v: VCpu) -> None:
        """Charge running ``v`` for the time since it was last charged. Charging is lazy: only when the
        vCPU stops or a decision needs its numbers, which keeps the cost per event independent of pCPUs."""
        now = self.now
        dt = now - v.charged_at
        if dt > 0:
            v.charged_at = now
            v.cpu_us += dt
            self.charge(v, dt)

    def _settle_all(self) -> None:
        for v in self.running:
            if v is not None:
                self._settle(v)

    def _start(self, v: VCpu, p: int, why: str, notes: list[tuple[str, str]] | None,
               victim: VCpu | None = None) -> None:
        previous = self.seg_who[p]
        now = self.now
        if v.first_run is None and v.wake_time is not None:
            v.first_run = now
        v.state, v.pcpu, v.charged_at = "running", p, now
        done = v.done_at = now + v.remaining
        self.runq.remove(v)
        self.running[p], self.started[p] = v, now
        until = self.until[p] = now + self.policy.runtime(v, now)
        self.ends[p] = done if done < until else until
        if previous is not v:
            self.counters["context switches"] += 1
            self._occupy(p, v)
        if notes is not None:
            sentence = f"{v.name} {'keeps' if previous is v else 'runs on'} pCPU {p}: {why}"
            if victim is not None:
                sentence += f"; it preempts {victim.name} ({self.policy.describe(victim)})"
            elif isinstance(previous, VCpu) and previous is not v and previous.state == "runnable":
                sentence += f"; {previous.name} goes back to the runqueue"
            notes.append((f"{v.name} → pCPU {p}", sentence + "."))

    def _release(self, p: int) -> VCpu | None:
        v = self.running[p]
        if v is not None:
            if v.charged_at < self.now:
                self._settle(v)
            if v.limited:
                self.policy.on_stop(v)
            v.remaining = v.done_at - self.now
        self.running[p] = None
        self.until[p] = self.ends[p] = FOREVER
        return v

    def _requeue(self, p: int, v: VCpu) -> None:
        """Running ``v``'s slice on pCPU p ran out (already charged): back to the runqueue's tail."""
        if v.limited:
            self.policy.on_stop(v)
        v.remaining = v.done_at - self.now
        self.running[p] = None
        self.until[p] = self.ends[p] = FOREVER
        self._enqueue(v)

    # --- one event --------------------------------------------------------------------------
    def next_time(self) -> int:
        now = self.now
        t = self.policy.timer_at
        if t < now:  # due now
            t = now
        self.timer_at = t
        if self.end < t:
            t = self.end
        ends = self.ends
        first = min(ends)
        if first <= t:  # the pCPUs whose burst or slice ends first: handle() looks only at them
            t = first
            self.due = [ends.index(first)] if ends.count(first) == 1 else [p for p, e in enumerate(ends) if e == first]
        else:
            self.due = ()
        if self.io_jobs and self.io_done_at < t:
            t = self.io_done_at
        if self.wakes and self.wakes[0][0] < t:
            t = self.wakes[0][0]
        if self.builder is not None and now < self.window < t:
            t = self.window
        return t

    def _advance(self) -> None:
        """Do the common events inline up to the next one that needs handle(), then stop at that one.

        The common events: either the slices or bursts of one or more pCPUs' vCPUs end at the same
        moment and nothing else is due (no wake-up, Domain 0 job, timer or other free pCPU), so each
        vCPU blocks or goes back to the runqueue and each of those pCPUs takes the policy's pick; or
        vCPUs wake up (or hand Domain 0 their I/O) and nothing else is due. This does what next_time(),
        handle() and dispatch() would, in the same order, minus their checks for everything else; on a
        busy host nineteen in twenty events are like this. No frames are recorded here. Any surprise
        (a trace running into its next phase, a vCPU out of cap or budget) is left to handle(), which
        skips what was already done; so are events at the very end of the run."""
        (running, ends, wakes, jobs, io_pcpu, end, policy, exhausted, stopped, charge, pick, runtime, runq, until,
         started, filtered, seg_who, seg_start, append) = self.hot
        now, seq, switches = self.now, self.seq, 0  # seq and the switch count stay local until the end
        left = self.steps_left
        try:
            while True:
                left -= 1
                if left <= 0:  # time for the budget check in go(): handle() takes this event
                    break
                timer = policy.timer_at
                first = min(ends)
                wake = wakes[0][0] if wakes else FOREVER
                if jobs and self.io_done_at < wake:
                    wake = self.io_done_at
                if wake < first:  # vCPUs wake (or hand Domain 0 their I/O) before any slice or burst ends
                    if wake >= timer or wake >= end:
                        break
                    self.now = now = wake
                    self.seq = seq  # the wake-up path enqueues through self.seq
                    woken = self._wake_up(None)
                    self._dom0_takes_over(None)
                    self.dispatch(woken, None)
                    seq = self.seq
                    continue
                if first >= timer or first >= end or wake == first:
                    break
                free = running.count(None)  # another free pCPU (not Domain 0's) would take its pick first
                if free and (free > 1 or not jobs or running[io_pcpu] is not None):
                    break
                due = [ends.index(first)] if ends.count(first) == 1 else [p for p, e in enumerate(ends) if e == first]
                self.now = now = first
                for p in due:  # first the vCPUs whose burst ended block, as in handle()
                    v = running[p]
                    if v.done_at <= now:
                        if v.block_after == 0:  # a trace runs on into its next phase
                            self.due, self.timer_at = due, timer
                            return
                        self._release(p)
                        self._finish(v)
                for p in due:  # then those whose slice ran out go back to the runqueue
                    v = running[p]
                    if v is None:
                        continue
                    dt = now - v.charged_at
                    if dt > 0:
                        v.charged_at = now
                        v.cpu_us += dt
                        charge(v, dt)
                    if v.state == "parked" or v.limited and exhausted(v):
                        self.due, self.timer_at = due, timer  # handle() parks it (settling again is a no-op)
                        return
                    if v.limited:
                        stopped(v)
                    v.remaining = v.done_at - now
                    seq += 1
                    v.seq, v.state, v.pcpu = seq, "runnable", None
                    runq.append(v)
                    running[p] = None
                    until[p] = ends[p] = FOREVER
                for p in due:  # and each of their pCPUs takes the policy's pick, in pCPU order
                    if filtered or not runq:
                        self._fill(p, None)
                        continue
                    w = pick(runq, now)
                    if w.first_run is None and w.wake_time is not None:
                        w.first_run = now
                    w.state, w.pcpu, w.charged_at = "running", p, now
                    done = w.done_at = now + w.remaining
                    runq.remove(w)
                    running[p], started[p] = w, now
                    t = until[p] = now + runtime(w, now)
                    ends[p] = done if done < t else t
                    old = seg_who[p]
                    if old is not w:
                        switches += 1
                        start = seg_start[p]
                        if now > start:
                            append(_new(Segment, (p, old.name, old.vm_name, start / 1000, now / 1000, "guest")))
                        seg_who[p], seg_start[p] = w, now
            self.now = self.next_time()
        finally:
            self.seq = seq
            self.steps_left = left
            self.counters["context switches"] += switches

    def handle(self, notes: list[tuple[str, str]] | None) -> None:
        now, policy, running = self.now, self.policy, self.running
        say = notes.append if notes is not None else None
        for p in self.due:
            v = running[p]
            if v is None or v.done_at > now:
                continue
            while v.done_at <= now and v.block_after == 0:  # trace: keep running into the next phase
                run, v.block_after = next(v.phases)
                v.done_at = now + run
                self.ends[p] = min(v.done_at, self.until[p])
            if v.done_at <= now:
                self._release(p)
                self._finish(v)
                if say:
                    say((f"{v.name} blocks", f"{v.name} finished its burst and blocks for "
                         f"{(v.wake_at - now) / 1000:g} ms" + (" (waiting for I/O)" if v.kind == "io" else "") + "."))
        woken = self._wake_up(notes)
        timer = self.timer_at <= now
        if timer:
            self._settle_all()
            policy.explain = say is not None
            for sentence in policy.on_timer(now):
                if say:
                    say((sentence.split(":")[0], sentence + "."))
            runq = self.runq
            runq[:] = [v for v in self.vcpus if v.state == "runnable"]
            runq.sort(key=_seq)
        until, exhausted, charge = self.until, policy.exhausted, self.charge
        for p in range(len(running)) if timer else self.due:
            v = running[p]
            if v is None or until[p] > now and not timer:
                continue
            dt = now - v.charged_at  # self._settle(v), inlined: this runs at almost every event
            if dt > 0:
                v.charged_at = now
                v.cpu_us += dt
                charge(v, dt)
            if v.state == "parked" or v.limited and exhausted(v):
                self._release(p)
                v.state, v.pcpu = "parked", None
                self.counters["parks"] += 1
                if say:
                    say((f"{v.name} parked", f"{v.name} stops on pCPU {p}: {policy.describe(v)} "
                         "(used up its cap or budget), it is parked until it gets more."))
            elif until[p] <= now:
                self._requeue(p, v)
        self._dom0_takes_over(notes)
        self.dispatch(list(self.runq) if timer else woken, notes)

    def _wake_up(self, notes: list[tuple[str, str]] | None) -> list[VCpu]:
        """The vCPUs due now wake: first those whose I/O Domain 0 finished, then those whose wait ended
        (an I/O-bound one hands its I/O to Domain 0 first, if Domain 0's processing is modelled)."""
        now, say = self.now, notes.append if notes is not None else None
        woken: list[VCpu] = []
        jobs = self.io_jobs
        while jobs and self.io_done_at <= now:
            owner = jobs.popleft()[1]
            if jobs:
                self.io_done_at = now + jobs[0][0]
            if say:
                say(("Dom0 I/O done", f"Domain 0 finished processing the I/O of {owner.name}, which can now wake up."))
            woken.append(self._wake(owner, notes))
        wakes = self.wakes
        while wakes and wakes[0][0] <= now:
            at, idx = heapq.heappop(wakes)
            v = self.vcpus[idx]
            if v.state != "blocked" or v.wake_at != at:
                continue
            if v.kind == "io" and self.io_pcpu >= 0:
                count = self.io_rng.randrange(1, 9) if self.scenario.shared_io.bursty else 1  # randint(1, 8)
                if not jobs:
                    self.io_done_at = now + count * self.io_cost
                jobs.append([count * self.io_cost, v])
                self.counters["I/O jobs"] += count
                v.wake_at = FOREVER
                if say:
                    say(("I/O completes", f"The I/O of {v.name} completed: Domain 0 must process {count} "
                         f"request(s) × {self.io_cost / 1000:g} ms on pCPU {self.io_pcpu} before the guest sees it."))
            else:
                woken.append(self._wake(v, notes))
        return woken

    def _dom0_takes_over(self, notes: list[tuple[str, str]] | None) -> None:
        """With I/O waiting, Domain 0 takes its pCPU at once, ahead of the guest running there."""
        if self.io_jobs and self.seg_who[self.io_pcpu] != IO_VCPU:
            v = self._release(self.io_pcpu)
            if v is not None:
                self._enqueue(v)
                self.counters["preemptions"] += 1
                if notes is not None:
                    notes.append(("Dom0 preempts", f"Domain 0 takes pCPU {self.io_pcpu} to process I/O; "
                                  f"{v.name} must wait — its guest OS cannot tell why."))
            self._occupy(self.io_pcpu, IO_VCPU)

    def _finish(self, v: VCpu) -> None:
        if v.wake_time is not None and v.first_run is not None:
            self.bursts.append(_new(Burst, (v.vm_name, v.name, v.wake_time / 1000, v.first_run / 1000,
                                            self.now / 1000)))
        block = v.block_after
        self.policy.on_block(v)
        if v.kind == "latency":
            v.release += block
            while v.release <= self.now:
                v.release += block
            self._block(v, v.release)
        else:
            self._block(v, self.now + block)
        v.remaining, v.block_after = next(v.phases)

    def _wake(self, v: VCpu, notes: list | None) -> VCpu:
        self._enqueue(v)
        v.wake_time, v.first_run, v.wake_at = self.now, None, FOREVER
        clause = self.policy.on_wake(v, self.now)
        if clause and notes is not None:
            notes.append((f"{v.name} wakes", f"{v.name} {clause}."))
        return v

    def _fill(self, p: int, notes: list | None) -> None:
        """Free pCPU p takes the policy's pick from the vCPUs allowed on it, or idles."""
        policy, runq = self.policy, self.runq
        candidates = [v for v in runq if policy.allowed(v, p)] if self.filtered else runq
        if candidates:
            v = policy.pick(candidates, self.now)
            self._start(v, p, policy.reason(v, candidates) if notes is not None else "", notes)
            return
        if notes is not None and runq and self.seg_who[p] is not None:
            names = ", ".join(v.name for v in runq)
            why = "it is pinned to another pCPU" if len(runq) == 1 else "they are pinned to other pCPUs"
            notes.append((f"pCPU {p} idles", f"pCPU {p} idles although {names} "
                          f"{'waits' if len(runq) == 1 else 'wait'}: {why} and cannot move here."))
        self._occupy(p, None)

    def dispatch(self, contenders: list[VCpu], notes: list | None) -> None:
        """Fill every free pCPU with the policy's pick, then let ``contenders`` (just woken, or all
        waiting after a timer changed priorities) preempt running vCPUs the policy ranks below them."""
        policy, now, running, runq = self.policy, self.now, self.running, self.runq
        io_busy = self.io_pcpu if self.io_jobs else -1
        p = -1
        for _ in range(running.count(None)):  # the free pCPUs, found in C (usually one, often none)
            p = running.index(None, p + 1)
            if p != io_busy:
                self._fill(p, notes)
        if not contenders:
            return
        contenders = [v for v in contenders if v.state == "runnable"]
        if not contenders:
            return
        ratelimit, started, until = self.ratelimit, self.started, self.until
        for p, r in enumerate(running):
            if r is not None and (now - started[p] >= ratelimit or until[p] > started[p] + ratelimit):
                break
        else:  # every running vCPU is inside its rate limit and will not run past it: nobody to preempt or cut
            return  # short, so no credit needs settling (Credit2's 1 ms turns make this the usual case)
        self._settle_all()
        taken: set[int] = set()
        allowed, preempts, key = policy.allowed if self.filtered else None, policy.preempts, policy.key
        for v in sorted(contenders, key=key) if len(contenders) > 1 else contenders:
            p, worst = -1, None  # the victim: of the running vCPUs v preempts, the one ranked lowest (first if tied)
            for q, r in enumerate(running):
                if r is not None and q not in taken and (allowed is None or allowed(v, q)) and preempts(v, r):
                    rank = key(r)
                    if p < 0 or rank > worst:
                        p, worst = q, rank
            if p < 0:
                if self.filtered:
                    continue
                break  # contenders come best first: if this one preempts nobody, neither will the rest
            taken.add(p)
            if now - started[p] >= ratelimit:
                victim = self._release(p)
                self._enqueue(victim)
                self.counters["preemptions"] += 1
                self._start(v, p, policy.describe(v) if notes is not None else "", notes, victim)
            elif until[p] > started[p] + ratelimit:
                until[p] = started[p] + ratelimit
                self.ends[p] = min(running[p].done_at, until[p])
                if notes is not None:
                    notes.append((f"{v.name} waits", f"{v.name} ({policy.describe(v)}) will preempt "
                                  f"{running[p].name} on pCPU {p} once it has run the {self.ratelimit / 1000:g} ms "
                                  "rate limit."))

    # --- frames -----------------------------------------------------------------------------
    def snapshot(self) -> SchedState:
        self._settle_all()
        policy = self.policy
        views = tuple(_view(self.scheduler, v, policy) for v in self.vcpus)
        open_ = [_segment(p, self.seg_who[p], self.seg_start[p], self.now)
                 for p in range(len(self.running)) if self.now > self.seg_start[p]]
        return SchedState(self.now / 1000, self.scheduler, self.scenario.pcpus, views,
                          tuple(self.segments) + tuple(open_), len(self.io_jobs))

    def record(self, notes: list[tuple[str, str]]) -> None:
        builder = self.builder
        if builder is None or not notes or self.now > self.window or self.frames >= self.max_frames - 1:
            return
        self.frames += 1
        builder.counters = self._all_counters()
        highlights = {v.name for v in self.vcpus if any(v.name in sentence for _, sentence in notes)}
        title = next((f" · {t}" for t, _ in notes if "→" in t), "")
        builder.add(self.snapshot(), f"t = {self.now / 1000:g} ms{title}", " ".join(s for _, s in notes), highlights)

    def _all_counters(self) -> dict[str, int]:
        merged = dict(self.counters)
        for name, value in self.policy.counters.items():
            merged[name] = merged.get(name, 0) + value
        return merged

    def go(self) -> SchedResult:
        capture = self.builder is not None
        notes: list[tuple[str, str]] | None = [] if capture else None
        if capture:
            notes.append(("Start", f"{len(self.vcpus)} vCPUs on {self.scenario.pcpus} pCPUs under "
                          f"{SCHEDULER_LABELS[self.scheduler]}."))
        self.dispatch([], notes)
        if capture:
            self.record(notes)
        max_steps, max_segments, cpu_budget = self.budget
        cpu_deadline = time.thread_time() + cpu_budget
        steps = 0
        while self.now < self.end:
            self.steps_left -= 1
            if self.steps_left <= 0:
                steps += _CHECK_EVERY
                self.steps_left = _CHECK_EVERY
                self._check_budget(steps, max_steps, max_segments, cpu_deadline, cpu_budget)
            if capture and self.now < self.window:  # next_time() stops at the window's end
                self.now = self.next_time()
                notes = []
                self.handle(notes)
                self.record(notes)
                if self.now == min(self.window, self.end):
                    self.closing = (self.snapshot(), self._all_counters())
            else:
                self._advance()
                self.handle(None)
        for p in range(len(self.running)):
            self._occupy(p, "end")
        result = SchedResult(self.scenario, self.scheduler, tuple(self.segments), tuple(self.bursts),
                             MappingProxyType(self._all_counters()),
                             tuple((name, d / 1000) for name, d in getattr(self.policy, "misses", [])))
        return result

    def _check_budget(self, steps: int, max_steps: int, max_segments: int, cpu_deadline: float,
                      cpu_budget: float) -> None:
        """Stop a run over the engine's budget with a message that names the limit and how far the run got."""
        over = None
        if steps > max_steps:
            over = f"more than {max_steps:,} events"
        elif len(self.segments) > max_segments:
            over = f"more than {max_segments:,} Gantt segments"
        elif time.thread_time() > cpu_deadline:
            over = f"more than {cpu_budget:g} s of computing"
        if over:
            raise SimulationBudgetError(
                f"this run needs {over} (it stopped at {self.now / 1000:,.0f} of {self.end / 1000:,.0f} simulated ms), "
                "the simulator's budget for one run: shorten the duration, or use fewer vCPUs or longer bursts and "
                "periods")

    def final_frame(self, result: SchedResult) -> None:
        """One closing frame at the end of the window, so the player ends on the full picture."""
        assert self.builder is not None and self.closing is not None
        m = result.metrics()
        state, self.builder.counters = self.closing
        self.builder.add(state, f"t = {state.time:g} ms · end of the animated window",
                         f"Over the whole run ({self.scenario.duration_ms} ms): utilisation {m.utilisation:.0%}, "
                         f"Jain's fairness {m.jain:.3f}.")


_seq = attrgetter("seq")
_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (one per segment or burst)


def _segment(p: int, who: object, start: int, end: int) -> Segment:
    if isinstance(who, VCpu):
        return Segment(p, who.name, who.vm_name, start / 1000, end / 1000, "guest")
    if who == IO_VCPU:
        return Segment(p, IO_VCPU, DOM0, start / 1000, end / 1000, "io")
    return Segment(p, "idle", "idle", start / 1000, end / 1000, "idle")


def _view(scheduler: str, v: VCpu, policy: Policy) -> VCpuView:
    rt = scheduler == "rtds"
    credit_value = v.credit if scheduler == "credit" else v.credit / 1000 if scheduler == "credit2" else None
    return VCpuView(v.name, v.vm_name, v.state, v.pcpu, credit_value, v.prio if scheduler == "credit" else "",
                    v.budget / 1000 if rt else None, v.deadline / 1000 if rt else None, v.cpu_us / 1000)


def run(scenario: Scenario, scheduler: str) -> SchedResult:
    """Simulate the whole scenario without frames (fast path for metrics, charts and the bench)."""
    return _Sim(scenario, scheduler, 0, 0).go()


def budget() -> tuple[int, int, float]:
    """The engine's budget for one run now: (events, segments, CPU seconds)."""
    return MAX_STEPS, MAX_SEGMENTS, CPU_BUDGET_S


def play(scenario: Scenario, scheduler: str, window_ms: int = DEFAULT_WINDOW_MS,
         max_frames: int = MAX_FRAMES, limits: tuple[int, int, float] | None = None
         ) -> tuple[Trace[SchedState], SchedResult]:
    """Simulate the whole scenario and record frames at scheduling decisions in [0, window_ms].

    At most ``max_frames`` frames (the last one closes the window); the result covers the whole run. ``limits``
    (events, segments, CPU seconds) replaces the engine's budget (:func:`budget`), e.g. the one a worker process was
    given by the server that asked for the run.
    """
    sim = _Sim(scenario, scheduler, max(1, window_ms) * 1000, max(2, max_frames))
    if limits is not None:
        sim.budget = limits
    result = sim.go()
    sim.final_frame(result)
    return sim.builder.build(), result


def simulate(scenario: Scenario, scheduler: str, window_ms: int = DEFAULT_WINDOW_MS,
             max_frames: int = MAX_FRAMES) -> Trace[SchedState]:
    """The animation of :func:`play` only."""
    return play(scenario, scheduler, window_ms, max_frames)[0]


def metrics(result: SchedResult) -> Metrics:
    """Shares, entitlements (water-filling), Jain's index, utilisation and latency per VM."""
    scenario = result.scenario
    duration = result.duration
    capacity = scenario.pcpus * duration
    used: dict[str, float] = {vm.name: 0.0 for vm in scenario.vms}
    busy = {"guest": 0.0, "io": 0.0, "idle": 0.0}
    for s in result.segments:
        busy[s.kind] += s.end - s.start
        if s.kind == "guest":
            used[s.vm] += s.end - s.start
    limits = [min(vm.vcpus * vm.workload.duty, vm.cap / 100 if vm.cap else vm.vcpus) for vm in scenario.vms]
    if result.scheduler == "rtds":  # reservations, not weights: each vCPU is entitled to budget/period
        limits = [min(lim, vm.vcpus * vm.budget_ms / vm.period_ms) for lim, vm in zip(limits, scenario.vms)]
        entitled = fair_shares(scenario.pcpus, [1.0] * len(limits), limits)
    else:
        entitled = fair_shares(scenario.pcpus, [vm.weight * vm.vcpus for vm in scenario.vms], limits)
    misses: dict[str, int] = {}
    for name, _ in result.misses:
        vm_name = name.rsplit(".", 1)[0]
        misses[vm_name] = misses.get(vm_name, 0) + 1
    rows = []
    for vm, entitlement in zip(scenario.vms, entitled):
        bursts = [b for b in result.bursts if b.vm == vm.name]
        rows.append(VMMetrics(vm.name, vm.weight, vm.cap, vm.vcpus, vm.workload.kind, used[vm.name] / duration,
                              entitlement, Spread.of([b.latency for b in bursts]),
                              Spread.of([b.response for b in bursts]), misses.get(vm.name, 0)))
    ratios = [m.ratio for m in rows if m.entitlement > 0]
    return Metrics(tuple(rows), jain(ratios), busy["guest"] / capacity, busy["io"] / capacity, busy["idle"] / capacity,
                   result.counters.get("context switches", 0), len(result.misses))
