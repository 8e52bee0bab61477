"""The contract between the simulator core (engine.sharing.sched) and one scheduling policy.

The core owns time, workloads, Domain 0 I/O and the Gantt segments; a policy only answers the
questions a real scheduler answers: who runs next on this pCPU, for how long, does a waking vCPU
preempt a running one, and what happens at its periodic timers (ticks, accounting, replenishment).
Policies keep their per-vCPU numbers (credit, priority, budget) on :class:`VCpu`.
"""

from __future__ import annotations

from typing import Iterator

from engine.sharing.sched_model import Scenario

FOREVER = 1 << 62


class VCpu:
    """Mutable per-vCPU state while a simulation runs (never leaves the engine; frames copy it)."""

    __slots__ = ("idx", "vm", "vm_name", "name", "weight", "cap", "pin", "kind", "state", "pcpu", "remaining",
                 "phases", "wake_at", "wake_time", "first_run", "seq", "credit", "prio", "active", "budget",
                 "deadline", "period", "budget_full", "cpu_us", "block_after", "release", "done_at", "charged_at",
                 "limited")

    def __init__(self, idx: int, vm: int, vm_name: str, name: str, weight: int, cap: int, pin: int | None,
                 kind: str, phases: Iterator[tuple[int, int]]):
        self.idx, self.vm, self.vm_name, self.name = idx, vm, vm_name, name
        self.weight, self.cap, self.pin, self.kind, self.phases = weight, cap, pin, kind, phases
        self.state = "runnable"
        self.pcpu: int | None = None
        self.remaining = 0
        self.wake_at = FOREVER
        self.wake_time: int | None = None
        self.first_run: int | None = None
        self.seq = 0
        self.credit = 0.0
        self.prio = ""
        self.active = True
        self.budget = self.budget_full = self.period = 0
        self.deadline = FOREVER
        self.cpu_us = 0
        self.block_after = 0
        self.release = 0
        self.done_at = FOREVER  # while running: when the current burst completes (µs)
        self.charged_at = 0  # while running: up to when it has been charged (µs)
        # set by a policy that holds this vCPU to a cap or budget: only then does the core ask
        # exhausted() and call on_stop() (two calls saved at almost every event for the others)
        self.limited = False


class Policy:
    """Base policy: FIFO order, no preemption, no timers. Subclasses override what they change."""

    id = "base"
    ratelimit = 0  # µs a vCPU runs before a better one may preempt it
    filters = False  # True if allowed() can refuse an unpinned vCPU (then the core filters candidates)

    def __init__(self, scenario: Scenario, vcpus: list[VCpu]):
        self.scenario = scenario
        self.vcpus = vcpus
        self.counters: dict[str, int] = {}
        self.runq: list[VCpu] = []  # the core's runnable vCPUs that are not running, in queue order (read-only)
        self.running: list[VCpu | None] = []  # the core's vCPU per pCPU (read-only here)
        self.explain = True
        # µs of the policy's next periodic work (tick, accounting, refill, a period's end) or of a cap
        # running out; the policy keeps it up to date and may leave it in the past, meaning "due now".
        # An attribute, not a method: the core reads it at every event.
        self.timer_at = FOREVER  # the core sets False while it records no frames: on_timer then skips its sentences

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by

    def allowed(self, v: VCpu, pcpu: int) -> bool:
        return v.pin is None or v.pin == pcpu

    def key(self, v: VCpu) -> tuple:
        """Sort key among runnable vCPUs: the smallest runs first."""
        return (v.seq,)

    def pick(self, candidates: list[VCpu], now: int) -> VCpu:
        """The vCPU to run from non-empty ``candidates``."""
        return min(candidates, key=self.key)

    def reason(self, chosen: VCpu, candidates: list[VCpu]) -> str:
        """Why ``pick`` chose ``chosen`` (a clause for the caption; only asked for when frames are recorded)."""
        return "it is first in the runqueue"

    def settle(self) -> None:
        """Charge every running vCPU up to now (the core replaces this; charging is otherwise lazy)."""

    def preempts(self, waker: VCpu, running: VCpu) -> bool:
        return False

    def runtime(self, v: VCpu, now: int) -> int:
        """µs the chosen vCPU may run before the scheduler decides again (if it does not block first)."""
        return FOREVER

    def charge(self, v: VCpu, us: int) -> None:
        """Account ``us`` µs of CPU just used by running vCPU ``v``."""

    def exhausted(self, v: VCpu) -> bool:
        """True if limited ``v`` used up what it may run for now (cap or budget): the core parks it."""
        return False

    def on_stop(self, v: VCpu) -> None:
        """Called when running limited ``v`` leaves its pCPU for any reason, after it was charged up to now."""

    def on_block(self, v: VCpu) -> None:
        """Called when running vCPU ``v`` finishes its burst and blocks."""

    def on_wake(self, v: VCpu, now: int) -> str:
        """Called when ``v`` becomes runnable after blocking; returns a clause for the caption or ''."""
        return ""

    def on_timer(self, now: int) -> list[str]:
        """Periodic work due at ``now``; returns sentences for the caption (none needed unless ``explain``)."""
        return []

    def describe(self, v: VCpu) -> str:
        """The numbers that decide for ``v``, e.g. 'credit 120, UNDER'."""
        return ""
