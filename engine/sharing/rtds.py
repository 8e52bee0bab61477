"""Xen's RTDS real-time scheduler: global preemptive EDF over per-vCPU (period, budget) reservations.

From xen.git rt.c (sources.toml: rtds): each vCPU gets ``budget`` of CPU in every ``period`` (defaults
10 ms and 4 ms); the budget is replenished at the start of each period and the deadline is the end
of the period; unused budget is discarded. Among runnable vCPUs with budget left, the ones with the
earliest deadlines run (global EDF on all pCPUs), preempting later deadlines at once.

A deadline miss is recorded when a period ends while the vCPU still wanted to run (runnable or
running) and had budget left: EDF did not give it its reservation in time.
"""

from __future__ import annotations

from operator import attrgetter

from engine.sharing.sched_model import Scenario
from engine.sharing.sched_policy import Policy, VCpu

SIMPLIFICATIONS = [
    "All periods start at time 0 (synchronous release); no extratime, so a vCPU never runs beyond its budget.",
    "Migration and the scheduler's own overhead cost nothing; ties in deadline go to the vCPU listed first.",
    "A miss is counted when a period ends with budget left while the vCPU wanted to run.",
]


class RTDSPolicy(Policy):
    id = "rtds"

    def __init__(self, scenario: Scenario, vcpus: list[VCpu]):
        super().__init__(scenario, vcpus)
        for v in vcpus:
            vm = scenario.vms[v.vm]
            v.period, v.budget_full = round(vm.period_ms * 1000), round(vm.budget_ms * 1000)
            v.budget, v.deadline = v.budget_full, v.period
            v.limited = True
        self.misses: list[tuple[str, int]] = []  # (vCPU, deadline µs)
        self.timer_at = min(v.deadline for v in vcpus)  # the next deadline; deadlines change only in on_timer

    key = staticmethod(attrgetter("deadline", "idx"))  # (deadline, idx), the EDF order, built in C

    def reason(self, chosen: VCpu, candidates: list[VCpu]) -> str:
        return f"its deadline {chosen.deadline / 1000:g} ms is the earliest (EDF)"

    def preempts(self, waker: VCpu, running: VCpu) -> bool:
        return waker.deadline < running.deadline

    def runtime(self, v: VCpu, now: int) -> int:
        return v.budget

    def charge(self, v: VCpu, us: int) -> None:
        v.budget -= us

    def exhausted(self, v: VCpu) -> bool:
        return v.budget <= 0

    def on_timer(self, now: int) -> list[str]:
        notes = []
        for v in self.vcpus:
            if v.deadline > now:
                continue
            if v.budget > 0 and v.state in ("runnable", "running"):
                self.misses.append((v.name, v.deadline))
                self.count("deadline misses")
                if self.explain:
                    notes.append(f"{v.name} MISSED its deadline {v.deadline / 1000:g} ms with "
                                 f"{v.budget / 1000:g} ms of budget unused")
            v.budget, v.deadline = v.budget_full, v.deadline + v.period
            if v.state == "parked":
                v.state = "runnable"
        self.timer_at = min(v.deadline for v in self.vcpus)
        return notes

    def describe(self, v: VCpu) -> str:
        return f"budget {v.budget / 1000:g} ms, deadline {v.deadline / 1000:g} ms"
