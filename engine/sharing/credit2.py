"""Xen's Credit2 (the default since Xen 4.12): credit burned faster by lighter VMs, sorted runqueue.

From xen.git credit2.c (sources.toml: credit2): a vCPU burns credit at max_weight/weight per unit of time,
so the heaviest burns 1:1 and a half-weight vCPU twice as fast. The runqueue is sorted by credit and
the vCPU with the most credit runs. When the one that would run next has credit ≤ 0, every vCPU gets
+10 ms of credit (carry-over clipped to 10 ms + 500 µs). A vCPU runs at most 10 ms and at least
0.5 ms before the next decision: until its credit falls to that of the next in line. A waking vCPU
with more credit than a running one preempts it (after the 1 ms rate limit). Caps: a capped VM gets a
budget of cap % of 10 ms every 10 ms; its vCPUs are parked when it is used up.
"""

from __future__ import annotations

from operator import attrgetter

from engine.sharing.sched_model import Scenario
from engine.sharing.sched_policy import FOREVER, Policy, VCpu

CREDIT_INIT = 10_000  # µs: CSCHED2_CREDIT_INIT = 10 ms
CARRYOVER_MAX = 500  # µs
MIN_TIMER, MAX_TIMER = 500, 10_000  # µs
CAP_PERIOD = 10_000  # µs: credit2_cap_period_ms default
_credit = attrgetter("credit")
_NO_CREDIT = -float("inf")  # the runner-up's credit when there is none

SIMPLIFICATIONS = [
    "One runqueue for the whole host (Xen's default is one per socket, up to 16 pCPUs), so no load balancing.",
    "Credit is kept in µs instead of ns; tickling a pCPU compares credit only (no migrate_resist).",
    "A vCPU runs until its credit falls to the next one's, but at least the 1 ms rate limit and at most 10 ms.",
    "A reset gives +10 ms to every vCPU of the host, clipped at 10.5 ms.",
    "Caps: the VM's budget is shared by its vCPUs and refilled every 10 ms; unused budget is not carried over.",
]


class Credit2Policy(Policy):
    id = "credit2"

    def __init__(self, scenario: Scenario, vcpus: list[VCpu]):
        super().__init__(scenario, vcpus)
        self.max_weight = max(v.weight for v in vcpus)
        self.ratelimit = round(scenario.ratelimit_ms * 1000)
        self.min_run = max(MIN_TIMER, self.ratelimit)
        self.budgets = {vm: round(vm_cfg.cap * CAP_PERIOD / 100) for vm, vm_cfg in enumerate(scenario.vms) if vm_cfg.cap}
        self.budget_left = dict(self.budgets)
        self.next_refill = self.timer_at = CAP_PERIOD if self.budgets else FOREVER
        self.was_reset = False
        self.runner_up: tuple[VCpu, float] | None = None  # pick() and the runqueue's best credit after it
        # per capped VM: [budget left + Σ charged_at of its running vCPUs, how many run], and when
        # those vCPUs use the budget up (see spend())
        self.spending = {vm: [budget, 0] for vm, budget in self.budgets.items()}
        self.runs_out = dict.fromkeys(self.budgets, FOREVER)
        for v in vcpus:
            v.credit = float(CREDIT_INIT)
            v.limited = v.vm in self.budgets

    def key(self, v: VCpu) -> tuple:
        return (-v.credit, v.seq)

    def pick(self, candidates: list[VCpu], now: int) -> VCpu:
        """The most credit; ties go to the earliest queued, since the runqueue is kept in queue order."""
        best, second = _top_two(candidates)
        self.was_reset = best.credit <= 0
        if self.was_reset:
            self.settle()  # running vCPUs are charged lazily; the clip below needs their true credit
            for v in self.vcpus:
                v.credit = min(v.credit + CREDIT_INIT, CREDIT_INIT + CARRYOVER_MAX)
            self.count("credit resets")
            best, second = _top_two(candidates)
        # the core starts the pick at once and asks runtime() for it with the pick off the runqueue
        self.runner_up = (best, second) if candidates is self.runq else None
        return best

    def reason(self, chosen: VCpu, candidates: list[VCpu]) -> str:
        most = f"it has the most credit ({chosen.credit / 1000:.1f} ms)"
        if self.was_reset:
            return "the next in line had credit ≤ 0, so every vCPU got +10 ms (credit reset); now " + most
        return most

    def preempts(self, waker: VCpu, running: VCpu) -> bool:
        return waker.credit > running.credit

    def runtime(self, v: VCpu, now: int) -> int:
        if v.limited:  # a capped vCPU starts (charged_at = now)
            self.spend(v.vm, now, 1)
        picked, self.runner_up = self.runner_up, None
        if not self.runq:
            return MAX_TIMER
        rival = picked[1] if picked is not None and picked[0] is v else max(map(_credit, self.runq))
        time = (v.credit - rival) * v.weight / self.max_weight
        run = time if time > self.min_run else self.min_run  # conditionals, not min()/max(): once per switch
        return int(run if run < MAX_TIMER else MAX_TIMER)

    def charge(self, v: VCpu, us: int) -> None:
        v.credit -= us * self.max_weight / v.weight
        left, vm = self.budget_left, v.vm
        if vm in left:
            left[vm] -= us
            if left[vm] <= 0:
                for w in [w for w in self.runq if w.vm == vm]:
                    self.park(w)

    def park(self, v: VCpu) -> None:
        """Take a runnable vCPU of a VM without cap budget off the runqueue until the refill."""
        v.state = "parked"
        self.runq.remove(v)
        self.count("parks")

    def on_wake(self, v: VCpu, now: int) -> str:
        if self.budget_left.get(v.vm, 1) <= 0:
            self.park(v)
            return "woke, but its VM has used its cap budget for this period: parked until the refill"
        return ""

    def on_stop(self, v: VCpu) -> None:
        self.spend(v.vm, -v.charged_at, -1)

    def spend(self, vm: int, charged_at: int, running: int) -> None:
        """A vCPU of capped VM ``vm`` starts (+1) or stops (-1): when does the VM's budget run out?

        A VM with budget B left and k running vCPUs last charged at c_i runs out at
        now + ceil((B - Σ(now - c_i)) / k) = ceil((B + Σ c_i) / k) (in integer µs). Charging moves
        c_i and B by the same amount, so B + Σ c_i (kept in ``spending``) only changes when a capped
        vCPU starts or stops or the budget is refilled, and the moment is recomputed only then.
        """
        spending = self.spending[vm]
        total = spending[0] = spending[0] + charged_at
        count = spending[1] = spending[1] + running
        self.runs_out[vm] = -(-total // count) if count else FOREVER
        self.retime()

    def retime(self) -> None:
        """The timer: the cap refill or, earlier, the first capped VM running out of budget."""
        end = min(self.runs_out.values())
        self.timer_at = end if end < self.next_refill else self.next_refill

    def on_timer(self, now: int) -> list[str]:
        if now < self.next_refill:
            return []  # a budget ran out: the core parks the VM's running vCPUs (exhausted)
        self.next_refill += CAP_PERIOD
        self.budget_left = dict(self.budgets)
        for vm, spending in self.spending.items():  # the core charged every running vCPU up to now
            spending[0] = self.budgets[vm] + spending[1] * now
            self.runs_out[vm] = -(-spending[0] // spending[1]) if spending[1] else FOREVER
        self.retime()
        parked = [v for v in self.vcpus if v.state == "parked"]
        for v in parked:
            v.state = "runnable"
        return [f"Cap budgets refilled; unparked {', '.join(v.name for v in parked)}"] if parked else []

    def exhausted(self, v: VCpu) -> bool:
        return self.budget_left[v.vm] <= 0

    def describe(self, v: VCpu) -> str:
        return f"credit {v.credit / 1000:.1f} ms"


def _top_two(candidates: list[VCpu]) -> tuple[VCpu, float]:
    """The first vCPU with the most credit and the best credit among the others (-inf if none), in
    one pass: runtime() needs the runner-up right after pick(), and two max() scans cost twice this."""
    it = iter(candidates)
    best = next(it)
    top, second = best.credit, _NO_CREDIT
    for v in it:
        credit = v.credit
        if credit > top:
            best, top, second = v, credit, top
        elif credit > second:
            second = credit
    return best, second
