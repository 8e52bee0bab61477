"""Xen's Credit (Credit1) scheduler: weighted fair share with caps, BOOST/UNDER/OVER priorities.

Numbers from xen.git credit.c (sources.toml: credit-accounting, credit-priorities): every running vCPU burns 10 credits per ms; once per
accounting period (= the 30 ms timeslice) credit is handed out in proportion to weight × active
vCPUs, bounded by one slice per vCPU and by the cap; credit is floored at −300 and a vCPU above
+300 is halved and stops earning (it counts as idle). Credit ≥ 0 is UNDER, < 0 is OVER; a vCPU
waking UNDER is BOOSTed so it preempts UNDER/OVER work (good wake-to-run latency for I/O); the
boost ends at the next tick (3 ticks per slice, every 10 ms). Unlike Xen, which sets UNDER/OVER only at
accounting, the model re-ranks at every charge; see SIMPLIFICATIONS (sources.toml: credit-priority-at-accounting). A capped vCPU below −cap credits is
parked until its credit is positive again. A higher priority preempts only after the running vCPU
had its rate limit (1 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from engine.sharing.sched_metrics import fair_shares
from engine.sharing.sched_model import Scenario
from engine.sharing.sched_policy import Policy, VCpu

CREDITS_PER_MS = 10  # CSCHED_CREDITS_PER_MSEC
TICKS_PER_SLICE = 3  # CSCHED_TICKS_PER_TSLICE
BOOST, UNDER, OVER = "BOOST", "UNDER", "OVER"
RANK = {BOOST: 0, UNDER: 1, OVER: 2}  # Xen: BOOST 0 > UNDER −1 > OVER −2
_prio = attrgetter("prio")

SIMPLIFICATIONS = [
    "One global runqueue for all pCPUs instead of one per pCPU with work stealing; migration costs nothing.",
    "All pCPUs tick together; the running vCPU is charged exactly for the time it ran (as burn_credits does).",
    "Credit is handed out by exact water-filling over weight × active vCPUs with caps, like csched_acct's "
    "redistribution of unused credit.",
    "A vCPU is 'active' (earns credit) from its first run until its credit exceeds one slice; then it is halved.",
    "Parking and unparking of capped vCPUs happen only at accounting, as in Xen, so a cap holds on average "
    "over a few periods, not in every millisecond.",
    "A boost also ends when the vCPU blocks, so every wake-up is judged afresh (Xen clears it at the next "
    "tick or accounting that sees the vCPU).",
    "No Domain 0 vCPUs, no soft affinity, no SMT or cache awareness.",
    "Priorities: Xen sets UNDER/OVER only at accounting (csched_acct, every 30 ms); burning credit at a tick "
    "(burn_credits) lowers the credit but keeps the priority, and a tick only ends a BOOST. This model re-ranks a "
    "vCPU whenever it charges it (at every 10 ms tick and decision), so two equal CPU-bound vCPUs on one pCPU "
    "first run 10 ms and 20 ms, then 30 ms turns; in Xen they take 30 ms turns from the start. Kept because "
    "ranking only at accounting, without csched_acct's credit_balance carry-over (also left out), lets a vCPU "
    "sink to the −300 floor and leaves long-run shares short of the weights when caps park VMs (0.75 instead of "
    "1 pCPU in a checked case).",
]


def priority(credit: float) -> str:
    return UNDER if credit >= 0 else OVER


class CreditPolicy(Policy):
    id = "credit"

    def __init__(self, scenario: Scenario, vcpus: list[VCpu]):
        super().__init__(scenario, vcpus)
        self.slice = scenario.timeslice_ms * 1000
        self.tick = self.slice // TICKS_PER_SLICE
        self.per_slice = CREDITS_PER_MS * scenario.timeslice_ms  # 300 credits per 30 ms
        self.ratelimit = round(scenario.ratelimit_ms * 1000)
        self.boost = scenario.boost
        self.next_tick, self.next_acct = self.tick, self.slice
        self.timer_at = min(self.next_tick, self.next_acct)
        for v in vcpus:
            v.credit, v.prio, v.active = 0.0, UNDER, True

    def key(self, v: VCpu) -> tuple:
        return (RANK[v.prio], v.seq)

    def pick(self, candidates: list[VCpu], now: int) -> VCpu:
        """The smallest key: the first of the best priority, since the runqueue is kept in queue order."""
        prios = list(map(_prio, candidates))
        for prio in (BOOST, UNDER):
            if prio in prios:
                return candidates[prios.index(prio)]
        return candidates[0]

    def reason(self, chosen: VCpu, candidates: list[VCpu]) -> str:
        same = [c for c in candidates if c.prio == chosen.prio]
        if len(same) == len(candidates):
            return f"all waiting vCPUs are {chosen.prio}, and it has waited longest (round robin)"
        return f"{chosen.prio} is the highest priority waiting" + (" (first in line)" if len(same) > 1 else "")

    def preempts(self, waker: VCpu, running: VCpu) -> bool:
        return RANK[waker.prio] < RANK[running.prio]

    def runtime(self, v: VCpu, now: int) -> int:
        return self.slice

    def charge(self, v: VCpu, us: int) -> None:
        v.credit -= us * CREDITS_PER_MS / 1000
        v.active = True
        if v.prio != BOOST:  # a simplification: Xen re-ranks only in csched_acct (see SIMPLIFICATIONS)
            v.prio = UNDER if v.credit >= 0 else OVER  # priority(), inlined: every charge

    def on_block(self, v: VCpu) -> None:
        if v.prio == BOOST:
            v.prio = priority(v.credit)

    def on_wake(self, v: VCpu, now: int) -> str:
        if v.prio == UNDER and self.boost:
            v.prio = BOOST
            self.count("boosts")
            return f"woke with credit {v.credit:.0f} ≥ 0 (UNDER), so it is BOOSTed"
        return f"woke with credit {v.credit:.0f} ({v.prio}{', boost is off' if not self.boost else ''})"

    def on_timer(self, now: int) -> list[str]:
        notes = []
        if now >= self.next_tick:
            self.next_tick += self.tick
            ended = [v.name for v in self.vcpus if v.prio == BOOST and v.state == "running"]
            for v in self.vcpus:
                if v.prio == BOOST and v.state == "running":
                    v.prio = priority(v.credit)
            if ended:
                notes.append(f"Tick: the boost of {', '.join(ended)} ends")
        if now >= self.next_acct:
            self.next_acct += self.slice
            notes.append(self.account())
        self.timer_at = min(self.next_tick, self.next_acct)
        return notes

    def account(self) -> str:
        """csched_acct: hand out one period's credit ∝ weight × active vCPUs, clamp, park and unpark.

        Returns the caption's sentence, or '' when no frame is recorded (``explain`` is False)."""
        by_vm: dict[int, list[VCpu]] = {}
        for v in self.vcpus:
            by_vm.setdefault(v.vm, [])
            if v.active:
                by_vm[v.vm].append(v)
        vms = sorted(by_vm)
        caps = {v.vm: v.cap for v in self.vcpus}
        weights = {v.vm: v.weight for v in self.vcpus}
        limits = [min(len(by_vm[m]), caps[m] / 100 if caps[m] else len(by_vm[m])) for m in vms]
        shares = fair_shares(self.scenario.pcpus, [weights[m] * len(by_vm[m]) for m in vms], limits)
        parked, unparked = [], []
        for m, share in zip(vms, shares):
            active = by_vm[m]
            if not active:
                continue
            each = share * self.per_slice / len(active)
            cap_credit = caps[m] * self.per_slice / 100 / len(active)
            for v in active:
                v.credit += each
                if v.credit < -self.per_slice:
                    v.credit = -self.per_slice
                if caps[m] and v.credit < -cap_credit and v.state != "blocked" and v.state != "parked":
                    v.state = "parked"
                    parked.append(v.name)
                    self.count("parks")
                elif v.credit > self.per_slice:
                    v.credit /= 2
                    v.active = False
        for v in self.vcpus:
            if v.state == "parked" and v.credit > 0:
                v.state = "runnable"
                unparked.append(v.name)
            if v.prio != BOOST:
                v.prio = priority(v.credit)
        if not self.explain:
            return ""
        text = "Accounting: credit ∝ weight: " + ", ".join(f"{self.vm_name(m)} +{s * self.per_slice:.0f}" for m, s in zip(vms, shares) if by_vm[m])
        if parked:
            text += f"; parked (over cap): {', '.join(parked)}"
        if unparked:
            text += f"; unparked: {', '.join(unparked)}"
        return text

    def vm_name(self, vm: int) -> str:
        return next(v.vm_name for v in self.vcpus if v.vm == vm)

    def describe(self, v: VCpu) -> str:
        return f"credit {v.credit:.0f}, {v.prio}"


@dataclass(frozen=True)
class Candidate:
    """One vCPU in a Credit runqueue snapshot (for the "who runs next" question)."""

    name: str
    credit: int
    prio: str            # BOOST | UNDER | OVER
    parked: bool = False
    waking: bool = False  # just woke up (gets BOOST if UNDER and boost is on)


def pick_next(queue: list[Candidate], boost: bool = True) -> tuple[str, str]:
    """Which vCPU Credit runs next from ``queue`` (in runqueue order) and why.

    A waking vCPU with credit ≥ 0 is boosted first; parked vCPUs are skipped; then the highest
    priority wins and ties go to the one earliest in the queue (round robin).
    """
    effective = []
    for c in queue:
        prio = priority(c.credit) if c.waking else c.prio
        if c.waking and boost and prio == UNDER:
            prio = BOOST
        effective.append((c, prio))
    runnable = [(c, p) for c, p in effective if not c.parked]
    if not runnable:
        raise ValueError("every vCPU in the queue is parked")
    chosen, prio = min(runnable, key=lambda cp: RANK[cp[1]])
    why = f"{chosen.name} is {prio}"
    if chosen.waking and prio == BOOST:
        why += f": it woke with credit {chosen.credit} ≥ 0, so it was boosted"
    skipped = [c.name for c, _ in effective if c.parked]
    tied = [c.name for c, p in runnable if p == prio]
    if len(tied) > 1:
        why += f"; of the {prio} vCPUs {', '.join(tied)} it is first in the queue"
    if skipped:
        why += f"; {', '.join(skipped)} {'is' if len(skipped) == 1 else 'are'} parked (over cap) and cannot run"
    return chosen.name, why + "."
