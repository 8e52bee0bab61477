"""What a VM CPU-scheduling scenario is made of, and the checks that reject a bad one.

A scenario is a host with ``pcpus`` physical CPUs and VMs with vCPUs. Every vCPU runs a workload
(CPU-bound, I/O-bound, latency-sensitive or a user-edited trace). The parameters and their legal
ranges are Xen's own (sources.toml: credit-weight-cap, credit-accounting, rtds): weight 256 in 1–65535, cap in percent of one pCPU, a 30 ms
Credit timeslice in 1–1000 ms, RTDS period 10 ms / budget 4 ms with a 10 µs minimum.

Times in the scenario are milliseconds (floats allowed); the simulator works in integer
microseconds so a 2.5 ms RTDS budget or Credit2's 0.5 ms minimum run are exact.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Iterator

WORKLOADS: tuple[str, ...] = ("cpu", "io", "latency", "trace")
WORKLOAD_LABELS = {"cpu": "CPU-bound (always runnable)", "io": "I/O-bound (bursts, then waits for I/O)",
                   "latency": "latency-sensitive (short periodic bursts)", "trace": "trace (your run/block phases)"}

DEFAULT_WEIGHT = 256  # CSCHED_DEFAULT_WEIGHT, also Credit2's default
WEIGHT_RANGE = (1, 65535)
DEFAULT_TIMESLICE_MS = 30  # CSCHED_DEFAULT_TSLICE_MS
TIMESLICE_RANGE_MS = (1, 1000)
RATELIMIT_MS = 1.0  # sched_ratelimit_us default 1000 µs
RTDS_PERIOD_MS, RTDS_BUDGET_MS = 10.0, 4.0  # RTDS_DEFAULT_PERIOD / RTDS_DEFAULT_BUDGET
RTDS_MIN_MS = 0.01  # 10 µs minimum period and budget
MAX_PCPUS, MAX_VCPUS_PER_VM, MAX_VMS = 64, 64, 32
# Bounds on the work of one run (issue 15: 64 pCPUs with 32 VMs of 64 vCPUs took a minute and 0.5 GB; 1 µs bursts
# never finished). The simulator's cost grows with its events (decisions, wake-ups, timers) and each decision looks
# at the waiting vCPUs, so the editor refuses, with a message naming the limit, a scenario over any of these:
# pCPUs × simulated seconds (the bench's host, 4 pCPUs for 60 s, takes about 2 s of CPU at worst, Credit2 with
# many wake-ups), vCPUs in all, vCPUs × simulated seconds (that host has 16 vCPUs for 60 s), the shortest burst,
# wait or trace phase, and the events estimated by estimated_events(). The simulator itself also stops a run that
# takes more steps or CPU time than engine.sharing.sched allows (SimulationBudgetError), should an estimate be off.
MAX_PCPU_SECONDS = 240
MAX_TOTAL_VCPUS = 128
MAX_VCPU_SECONDS = 960
MIN_PHASE_MS = 0.1  # 100 µs: the shortest burst, wait or trace phase (the I/O workload's draws are floored there too)
MAX_EVENTS = 1_100_000  # estimated events of one run (see estimated_events)
US = 1000  # microseconds per millisecond


class SchedulerConfigError(ValueError):
    """A scenario or scheduler parameter that Xen (or this model) would refuse, with the reason."""


@dataclass(frozen=True)
class Workload:
    """What one vCPU wants to do.

    kind:     "cpu" (always runnable), "io" (run a burst, then block waiting for I/O; lengths drawn
              uniformly in ±50 % of the means from a seeded generator), "latency" (wakes every
              ``wait_ms`` and needs ``burst_ms`` of CPU, e.g. 1 ms every 20 ms) or "trace".
    burst_ms: io: mean burst; latency: CPU needed per wake-up.
    wait_ms:  io: mean I/O wait; latency: the wake-up period.
    trace:    for "trace": phases like "run 5, block 20, run 3", repeated until the end.
    """

    kind: str = "cpu"
    burst_ms: float = 2.0
    wait_ms: float = 10.0
    trace: str = ""

    @property
    def duty(self) -> float:
        """The fraction of one pCPU this workload asks for when it never waits for the CPU."""
        if self.kind == "cpu":
            return 1.0
        if self.kind == "io":
            return self.burst_ms / (self.burst_ms + self.wait_ms)
        if self.kind == "latency":
            return min(1.0, self.burst_ms / self.wait_ms)
        phases = parse_trace(self.trace)
        run = sum(ms for what, ms in phases if what == "run")
        return run / sum(ms for _, ms in phases)


@dataclass(frozen=True)
class VM:
    """A guest: ``vcpus`` vCPUs sharing one weight, cap and workload.

    cap is in percent of one pCPU (100 = one pCPU, 0 = no cap), as for `xl sched-credit -c`.
    pins: optional pCPU per vCPU (hard affinity); the pinning scheduler fills missing pins round-robin.
    period_ms/budget_ms are the RTDS reservation of each vCPU.
    """

    name: str
    vcpus: int = 1
    weight: int = DEFAULT_WEIGHT
    cap: int = 0
    workload: Workload = field(default_factory=Workload)
    pins: tuple[int, ...] = ()
    period_ms: float = RTDS_PERIOD_MS
    budget_ms: float = RTDS_BUDGET_MS


@dataclass(frozen=True)
class SharedIO:
    """Domain 0 / the VMM processing guests' I/O on the CPU (lecture: "CPU Scheduling and Shared I/O").

    When ``enabled``, every I/O completion of an io-workload vCPU costs ``cost_ms`` of CPU on pCPU
    ``pcpu`` (where Domain 0 runs), first come first served and ahead of any guest; the guest wakes
    only when its I/O is processed. ``bursty``: each completion brings 1–8 requests (seeded) instead of 1.
    """

    enabled: bool = False
    cost_ms: float = 1.0
    bursty: bool = True
    pcpu: int = 0


@dataclass(frozen=True)
class Scenario:
    """One host and its VMs; ``timeslice_ms``, ``ratelimit_ms`` and ``boost`` tune Credit."""

    pcpus: int
    vms: tuple[VM, ...]
    duration_ms: int = 3000
    seed: int = 0
    timeslice_ms: int = DEFAULT_TIMESLICE_MS
    ratelimit_ms: float = RATELIMIT_MS
    boost: bool = True
    shared_io: SharedIO = field(default_factory=SharedIO)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vms", tuple(self.vms))

    def vcpu_names(self) -> list[str]:
        return [f"{vm.name}.v{i}" for vm in self.vms for i in range(vm.vcpus)]


_PHASE = re.compile(r"^(run|block)\s+(\d+(?:\.\d+)?)\s*(?:ms)?$")


def parse_trace(text: str) -> tuple[tuple[str, float], ...]:
    """Phases from "run 5, block 20, run 3" (commas or new lines; '#' starts a comment).

    Raises SchedulerConfigError naming the line and item of the first bad phase; never evaluates text.
    """
    phases: list[tuple[str, float]] = []
    for number, line in enumerate(text.splitlines() or [""], start=1):
        line = line.split("#", 1)[0]
        for position, item in enumerate(line.split(","), start=1):
            item = item.strip().lower()
            if not item:
                continue
            match = _PHASE.match(item)
            where = f"trace line {number}, item {position} ({item!r})"
            if not match:
                raise SchedulerConfigError(f"{where}: write 'run <ms>' or 'block <ms>', e.g. 'run 5, block 20'")
            ms = float(match.group(2))
            if ms < MIN_PHASE_MS or ms > 10_000:
                raise SchedulerConfigError(f"{where}: the length must be {MIN_PHASE_MS:g}–10000 ms (100 µs to 10 s)")
            phases.append((match.group(1), ms))
    if not any(what == "run" for what, _ in phases):
        raise SchedulerConfigError("the trace needs at least one 'run <ms>' phase, e.g. 'run 5, block 20'")
    return tuple(phases)


def validate(scenario: Scenario, scheduler: str = "credit") -> None:
    """Raise SchedulerConfigError with a clear message for the first parameter Xen would refuse."""
    s = scenario
    if not 1 <= s.pcpus <= MAX_PCPUS:
        raise SchedulerConfigError(f"the host needs 1–{MAX_PCPUS} physical CPUs, not {s.pcpus}")
    if not s.vms or len(s.vms) > MAX_VMS:
        raise SchedulerConfigError(f"the host needs 1–{MAX_VMS} VMs, not {len(s.vms)}")
    if s.duration_ms < 1:
        raise SchedulerConfigError(f"the simulated time must be at least 1 ms, not {s.duration_ms}")
    if s.pcpus * s.duration_ms > MAX_PCPU_SECONDS * 1000:
        raise SchedulerConfigError(
            f"{s.pcpus} pCPUs for {s.duration_ms / 1000:g} s is a longer run than this simulator does at once: pCPUs × "
            f"simulated seconds must be at most {MAX_PCPU_SECONDS} (for example 4 pCPUs for 60 s), so that a run takes "
            "seconds, not minutes")
    vcpus = sum(vm.vcpus for vm in s.vms)
    if vcpus > MAX_TOTAL_VCPUS:
        raise SchedulerConfigError(f"the VMs have {vcpus} vCPUs in all; this simulator takes at most {MAX_TOTAL_VCPUS} "
                                   "on one host (every decision looks at the waiting vCPUs): use fewer or smaller VMs")
    if vcpus * s.duration_ms > MAX_VCPU_SECONDS * 1000:
        raise SchedulerConfigError(
            f"{vcpus} vCPUs for {s.duration_ms / 1000:g} s is more work than this simulator does at once: vCPUs × "
            f"simulated seconds must be at most {MAX_VCPU_SECONDS} (for example 16 vCPUs for 60 s); shorten the "
            f"duration to at most {MAX_VCPU_SECONDS * 1000 // vcpus} ms or use fewer vCPUs")
    low, high = TIMESLICE_RANGE_MS
    if not low <= s.timeslice_ms <= high:
        raise SchedulerConfigError(f"the Credit timeslice must be {low}–{high} ms (Xen's range), not {s.timeslice_ms} ms")
    if not 0.1 <= s.ratelimit_ms <= 500:
        raise SchedulerConfigError(f"the rate limit must be 0.1–500 ms (100–500000 µs), not {s.ratelimit_ms} ms")
    names = [vm.name for vm in s.vms]
    if len(set(names)) != len(names):
        raise SchedulerConfigError("two VMs have the same name")
    for vm in s.vms:
        _validate_vm(vm, s.pcpus, scheduler)
    io = s.shared_io
    if io.enabled and not 0 <= io.pcpu < s.pcpus:
        raise SchedulerConfigError(f"Domain 0 runs on pCPU {io.pcpu}, but the host has pCPUs 0–{s.pcpus - 1}")
    if io.enabled and not MIN_PHASE_MS <= io.cost_ms <= 100:
        raise SchedulerConfigError(f"the CPU cost of one I/O must be {MIN_PHASE_MS:g}–100 ms, not {io.cost_ms:g}")
    events = estimated_events(s, scheduler)
    if events > MAX_EVENTS:
        raise SchedulerConfigError(
            f"this run would take about {events:,.0f} scheduling events (decisions, wake-ups, timers), more than the "
            f"{MAX_EVENTS:,} this simulator does at once: shorten the duration, or make periods, bursts and waits "
            "longer")


def estimated_events(scenario: Scenario, scheduler: str = "credit") -> float:
    """About how many events the simulator handles for ``scenario``: an upper estimate, cheap to compute.

    Per simulated millisecond: the timers (Credit: a tick every timeslice/3; Credit2: a turn of at most 1 ms on every
    busy pCPU; RTDS: a replenishment per vCPU per period), plus three events (wake-up, run, block) per burst of each
    vCPU that blocks, plus Domain 0's I/O jobs (up to 8 per I/O completion when bursty)."""
    s = scenario
    per_ms = float(s.pcpus)  # decisions: Credit2's 1 ms turns (the rate limit) on every pCPU, at worst
    if scheduler == "credit":
        per_ms += 3 / s.timeslice_ms  # Credit's ticks (3 per slice) and accounting
    for vm in s.vms:
        w = vm.workload
        cycle = {"io": w.burst_ms + w.wait_ms, "latency": w.wait_ms}.get(w.kind)
        if w.kind == "trace":
            try:
                phases = parse_trace(w.trace)
            except SchedulerConfigError:
                phases = (("run", 1.0),)
            cycle = sum(ms for _, ms in phases) / max(1, len(phases))
        rate = 3 / max(cycle, MIN_PHASE_MS) if cycle is not None else 0.0  # wake, run, block (a Gantt segment each)
        if w.kind == "io" and s.shared_io.enabled:
            rate *= 1 + (8 if s.shared_io.bursty else 1)
        if scheduler == "rtds":
            rate += 1 / max(vm.period_ms, RTDS_MIN_MS)
        per_ms += vm.vcpus * rate
    return per_ms * s.duration_ms


def _validate_vm(vm: VM, pcpus: int, scheduler: str) -> None:
    who = f"VM {vm.name!r}"
    if not vm.name.strip():
        raise SchedulerConfigError("every VM needs a name")
    if not 1 <= vm.vcpus <= MAX_VCPUS_PER_VM:
        raise SchedulerConfigError(f"{who}: needs 1–{MAX_VCPUS_PER_VM} vCPUs, not {vm.vcpus}")
    low, high = WEIGHT_RANGE
    if not low <= vm.weight <= high:
        raise SchedulerConfigError(f"{who}: weight {vm.weight} is outside Xen's range {low}–{high} (default {DEFAULT_WEIGHT})")
    if not 0 <= vm.cap <= 100 * vm.vcpus:
        raise SchedulerConfigError(f"{who}: cap {vm.cap} % must be 0 (no cap) to {100 * vm.vcpus} % "
                                   f"(100 % per vCPU; 100 = one whole pCPU)")
    if len(vm.pins) > vm.vcpus:
        raise SchedulerConfigError(f"{who}: {len(vm.pins)} pins given but the VM has only {vm.vcpus} vCPU(s)")
    for i, pin in enumerate(vm.pins):
        if not 0 <= pin < pcpus:
            raise SchedulerConfigError(f"{who}: vCPU {i} is pinned to pCPU {pin}, but the host has pCPUs 0–{pcpus - 1}")
    if scheduler == "rtds":
        if vm.period_ms < RTDS_MIN_MS or vm.budget_ms < RTDS_MIN_MS:
            raise SchedulerConfigError(f"{who}: RTDS period and budget must each be at least 10 µs (0.01 ms)")
        if vm.budget_ms > vm.period_ms:
            raise SchedulerConfigError(f"{who}: RTDS budget {vm.budget_ms:g} ms is above its period {vm.period_ms:g} ms")
    w = vm.workload
    if w.kind not in WORKLOADS:
        raise SchedulerConfigError(f"{who}: unknown workload {w.kind!r}; choose one of {', '.join(WORKLOADS)}")
    if w.kind in ("io", "latency") and not (MIN_PHASE_MS <= w.burst_ms <= 10_000 and MIN_PHASE_MS <= w.wait_ms <= 10_000):
        raise SchedulerConfigError(f"{who}: burst and wait must each be {MIN_PHASE_MS:g}–10000 ms (100 µs to 10 s), "
                                   f"not burst={w.burst_ms:g} wait={w.wait_ms:g}: shorter phases make more events "
                                   "than this simulator does at once")
    if w.kind == "latency" and w.burst_ms > w.wait_ms:
        raise SchedulerConfigError(f"{who}: a latency workload's burst ({w.burst_ms:g} ms) must fit in its period "
                                   f"({w.wait_ms:g} ms)")
    if w.kind == "trace":
        try:
            parse_trace(w.trace)
        except SchedulerConfigError as error:
            raise SchedulerConfigError(f"{who}: {error}") from None


def phases(workload: Workload, rng: random.Random) -> Iterator[tuple[int, int]]:
    """(run µs, block µs) pairs for one vCPU, forever; a CPU-bound vCPU runs without end.

    For "latency" the block length returned is the *period*: the simulator wakes the vCPU at the
    next multiple of the period after its burst, so a late burst does not shift later wake-ups.
    """
    if workload.kind == "cpu":
        while True:
            yield (1 << 62), 0
    elif workload.kind == "io":
        burst, wait, draw = workload.burst_ms * US, workload.wait_ms * US, rng.random
        while True:  # 0.5 + draw() is rng.uniform(0.5, 1.5) to the bit, without its call
            yield max(100, round((0.5 + draw()) * burst)), max(100, round((0.5 + draw()) * wait))
    elif workload.kind == "latency":
        pair = round(workload.burst_ms * US), round(workload.wait_ms * US)
        while True:
            yield pair
    else:
        yield from _trace_phases(parse_trace(workload.trace))


def _trace_phases(steps: tuple[tuple[str, float], ...]) -> Iterator[tuple[int, int]]:
    """A trace's phases as (run, block) pairs, repeated; a leading block is waited once at the start
    and again at the end of every round (the trace repeats). A (run, 0) pair means: keep running."""
    merged: list[list] = []
    for what, ms in steps:
        if merged and merged[-1][0] == what:
            merged[-1][1] += round(ms * US)
        else:
            merged.append([what, round(ms * US)])
    lead = merged.pop(0)[1] if merged[0][0] == "block" else 0
    if lead:
        yield 0, lead
    pairs = [(merged[i][1], merged[i + 1][1] if i + 1 < len(merged) else 0) for i in range(0, len(merged), 2)]
    pairs[-1] = (pairs[-1][0], pairs[-1][1] + lead)
    while True:
        yield from pairs
