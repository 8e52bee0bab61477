"""Named scenarios that make the lecture's points about VM CPU scheduling and shared I/O.

Each preset pairs a scenario with the scheduler that shows the point; several come in pairs
(boost on/off, pinning vs Credit, I/O processing on/off) so a page can put them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.sharing.sched import SCHEDULERS, SchedResult, run
from engine.sharing.sched_metrics import Spread
from engine.sharing.sched_model import VM, Scenario, SharedIO, Workload


@dataclass(frozen=True)
class Preset:
    title: str
    description: str
    scenario: Scenario
    scheduler: str


_HOGS_1_2 = Scenario(2, (VM("vm1", 2, weight=256), VM("vm2", 2, weight=512)), duration_ms=3000)
_BATCH = Workload("io", 30, 60)  # computes ~30 ms, then waits ~60 ms: a third of a pCPU, so it stays UNDER
_LATENCY = Scenario(1, (VM("batch1", workload=_BATCH), VM("batch2", workload=_BATCH),
                        VM("web", workload=Workload("latency", 1, 20))), duration_ms=3000)
_PINNING = Scenario(2, (VM("db1", workload=Workload("io", 2, 8)), VM("batch1"),
                        VM("db2", workload=Workload("io", 2, 8)), VM("batch2")), duration_ms=3000)
_RT = (VM("rt1", period_ms=10, budget_ms=4), VM("rt2", period_ms=10, budget_ms=4))
_SHARED = Scenario(2, (VM("storage", workload=Workload("io", 1, 4)), VM("web1", workload=Workload("latency", 2, 20)),
                       VM("web2", workload=Workload("latency", 2, 20)), VM("batch")),
                   duration_ms=5000, shared_io=SharedIO(True, 1.0, bursty=True, pcpu=0))

PRESETS: dict[str, Preset] = {
    "weights": Preset(
        "Fair shares by weight",
        "Two CPU-bound VMs with 2 vCPUs each on 2 pCPUs, weights 256 and 512: on a contended host the "
        "512 VM gets twice the CPU of the 256 VM (1:2, i.e. 0.67 and 1.33 pCPUs).",
        _HOGS_1_2, "credit"),
    "weights-credit2": Preset(
        "Fair shares by weight (Credit2)",
        "The same two VMs under Credit2: the 256 VM burns credit twice as fast, so it again gets 1:2.",
        _HOGS_1_2, "credit2"),
    "cap": Preset(
        "A cap limits a greedy VM",
        "A greedy 2-vCPU VM capped at 50 % (half a pCPU) next to a light I/O VM on 2 pCPUs: the greedy VM "
        "stays near 0.5 pCPU even though CPUs idle (a cap is not work-conserving).",
        Scenario(2, (VM("greedy", 2, cap=50), VM("light", workload=Workload("io", 2, 8))), duration_ms=3000),
        "credit"),
    "boost": Preset(
        "BOOST helps a latency-sensitive VM",
        "A web VM needs 1 ms every 20 ms on one pCPU with two batch VMs that compute ~30 ms and then wait "
        "~60 ms (so they stay UNDER). The web VM wakes UNDER, is BOOSTed and preempts a batch VM after at "
        "most the 1 ms rate limit.",
        _LATENCY, "credit"),
    "no-boost": Preset(
        "Without BOOST the latency VM waits",
        "The same scenario with boost switched off: the waking web VM (UNDER) cannot preempt a running "
        "UNDER batch VM and waits until its burst or 30 ms slice ends.",
        replace(_LATENCY, boost=False), "credit"),
    "long-slice": Preset(
        "A long timeslice hurts latency",
        "No boost and a 100 ms timeslice: the web VM waits even longer behind the batch VMs.",
        replace(_LATENCY, boost=False, timeslice_ms=100), "credit"),
    "pinning": Preset(
        "Pinning wastes idle CPUs",
        "Two I/O-bound VMs pinned to pCPU 0 and two CPU hogs pinned to pCPU 1: pCPU 0 idles most of the "
        "time while the hogs share pCPU 1.",
        _PINNING, "pinning"),
    "pinning-credit": Preset(
        "Scheduling uses the idle CPU",
        "The same VMs under Credit: the hogs run on whichever pCPU is free, so almost nothing idles.",
        _PINNING, "credit"),
    "rtds-ok": Preset(
        "RTDS: a schedulable set",
        "One pCPU, reservations 4/10 + 4/10 + 2/10 ms = utilisation 1.0: EDF meets every deadline.",
        Scenario(1, _RT + (VM("rt3", period_ms=10, budget_ms=2),), duration_ms=1000), "rtds"),
    "rtds-overload": Preset(
        "RTDS: an unschedulable set",
        "One pCPU, reservations 4/10 + 4/10 + 4/10 ms = utilisation 1.2 > 1: some deadlines must be missed.",
        Scenario(1, _RT + (VM("rt3", period_ms=10, budget_ms=4),), duration_ms=1000), "rtds"),
    "shared-io": Preset(
        "Shared I/O: Domain 0 steals CPU",
        "A storage VM's bursty I/O is processed by Domain 0 on pCPU 0 ahead of every guest. The web VMs' "
        "response times grow and vary, and nothing in the web guests tells them why.",
        _SHARED, "credit"),
    "shared-io-off": Preset(
        "Shared I/O: processing cost ignored",
        "The same guests with Domain 0's I/O processing switched off, for comparison.",
        replace(_SHARED, shared_io=replace(_SHARED.shared_io, enabled=False)), "credit"),
}


def with_shared_io(scenario: Scenario, enabled: bool, bursty: bool | None = None) -> Scenario:
    """The scenario with Domain 0's I/O processing switched on or off (and optionally bursty or not)."""
    io = replace(scenario.shared_io, enabled=enabled)
    return replace(scenario, shared_io=io if bursty is None else replace(io, bursty=bursty))


@dataclass(frozen=True)
class SharedIOEffect:
    """For one guest that does no I/O itself: response time (ms) without and with Domain 0's I/O work."""

    vm: str
    off: Spread
    on: Spread

    @property
    def extra_delay(self) -> float:
        return self.on.mean - self.off.mean

    @property
    def extra_jitter(self) -> float:
        return self.on.stdev - self.off.stdev


def shared_io_effect(scenario: Scenario, scheduler: str) -> tuple[list[SharedIOEffect], SchedResult, SchedResult]:
    """Run the scenario with I/O processing off and on; the effect on every VM without an io workload
    that has wake-ups (latency, trace or io-free guests). Returns (effects, result off, result on)."""
    off = run(with_shared_io(scenario, False), scheduler)
    on = run(with_shared_io(scenario, True), scheduler)
    m_off, m_on = off.metrics(), on.metrics()
    effects = [SharedIOEffect(vm.name, m_off.vm(vm.name).response, m_on.vm(vm.name).response)
               for vm in scenario.vms if vm.workload.kind != "io" and m_off.vm(vm.name).response.count]
    return effects, off, on


def compare(scenario: Scenario, schedulers: tuple[str, ...] = tuple(SCHEDULERS)) -> dict[str, SchedResult]:
    """The same scenario (same workloads, same seed) under each scheduler, for a side-by-side view."""
    return {scheduler: run(scenario, scheduler) for scheduler in schedulers}
