"""Generated questions for section 2.4: resource sharing and VM CPU scheduling.

Answers come from the engines, so every answer is right by construction:

* long-run shares from the water-filling fair-share function (engine.sharing.sched_metrics.fair_shares, the rule
  Credit's accounting follows); the premise says how many CPU-bound vCPUs share how many pCPUs, and the
  explanation whether the host is contended at all (if the VMs' vCPUs and caps add up to no more than the pCPUs,
  every VM simply gets its limit and weights do not matter);
* the next vCPU from a decision the Credit simulator (engine.sharing.sched) really made on one pCPU, cross-checked
  with Credit's pick rule (engine.sharing.credit.pick_next) on the runqueue the prompt shows; the variants are chosen
  so that the vCPU that just woke up is the answer about as often as any one option by chance;
* the CPU utilisation of a host plan from the resource-distribution engine (engine.sharing.partition).

Every variant carries a worked solution (the solver's trace) and a link that opens exactly its scenario in the
simulator page: the VM CPU scheduling page with the scenario as text, or the resource-distribution page with the plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from engine.core.quiz import Question
from engine.quizgen import Generator, simulator_link
from engine.sharing import partition, sched
from engine.sharing.credit import BOOST, OVER, UNDER, Candidate, pick_next, priority
from engine.sharing.sched_metrics import fair_shares
from engine.sharing.sched_model import VM, Scenario, Workload
from engine.sharing.sched_text import format_scenario
from engine.virtualizability.isa import ISA

SECTION = "2.4"
_WEIGHTS = (128, 256, 256, 512, 768, 1024)
LINKED = "custom"  # the scheduling and resource pages' choice for a scenario or plan given as text in the link


def _pcpus(n: float) -> str:
    return f"{n:.2f} pCPU" + ("" if abs(n - 1) < 1e-9 else "s")


def _idle(n: float) -> str:
    return f"{_pcpus(n)} {'stays' if abs(n - 1) < 1e-9 else 'stay'} idle"


def scheduling_link(scenario: Scenario, scheduler: str = "credit", frame: int | None = None) -> str:
    """The VM CPU scheduling page with ``scenario`` as editor text (and the player at ``frame``)."""
    params: dict[str, object] = {"preset": LINKED, "sched": scheduler, "scenario": format_scenario(scenario)}
    if frame is not None:
        params["sched_frame"] = frame
    return simulator_link("cpu-scheduling", **params)


# --------------------------------------------------------------------------- long-run shares


@dataclass(frozen=True)
class _ShareVM:
    name: str
    vcpus: int
    weight: int
    cap: int  # % of one pCPU, 0 = none

    @property
    def limit(self) -> float:
        return self.cap / 100 if self.cap else float(self.vcpus)

    @property
    def claim(self) -> int:
        return self.weight * self.vcpus


def _share_host(rng: random.Random, contended: bool) -> tuple[int, list[_ShareVM]]:
    """A host whose VMs' limits add up to more than its pCPUs (contended) or not; drawn until it is so."""
    while True:
        pcpus = rng.choice([1, 2, 2, 4, 4])
        vms = []
        for i in range(rng.randrange(2, 5)):
            vcpus = rng.choice([1, 1, 2, 2, 4])
            cap = rng.choice([0, 0, 0, 25, 50, 75, 100, 150])
            vms.append(_ShareVM(f"vm{i + 1}", vcpus, rng.choice(_WEIGHTS), cap if cap < 100 * vcpus else 0))
        if (sum(vm.limit for vm in vms) > pcpus + 1e-9) == contended:
            return pcpus, vms


def _water_filling(pcpus: int, vms: Sequence[_ShareVM]) -> tuple[list[str], list[float]]:
    """The solver's rounds, each: what is left, who gets how much by claim, who is held at a limit; then the shares.

    Mirrors fair_shares step by step (the caller checks both agree)."""
    steps: list[str] = []
    shares = [0.0] * len(vms)
    open_ = list(range(len(vms)))
    left = float(pcpus)
    rnd = 0
    while open_ and left > 1e-12:
        rnd += 1
        total = sum(vms[i].claim for i in open_)
        parts = {i: left * vms[i].claim / total for i in open_}
        split = ", ".join(f"{vms[i].name} {vms[i].claim}/{total} × {left:.2f} = {parts[i]:.2f}" for i in open_)
        saturated = [i for i in open_ if parts[i] >= vms[i].limit - 1e-12]
        if not saturated:
            for i in open_:
                shares[i] = parts[i]
            steps.append(f"Round {rnd}: {_pcpus(left)} to share by claim: {split}. Nobody reaches a limit, so these "
                         "are the final shares.")
            left = 0.0
            break
        held = "; ".join(f"{vms[i].name} is held at its limit {_pcpus(vms[i].limit)} ("
                         + (f"cap {vms[i].cap} %" if vms[i].cap else f"{vms[i].vcpus} vCPU{'s' if vms[i].vcpus > 1 else ''}"
                            " busy all the time") + ")" for i in saturated)
        for i in saturated:
            shares[i] = vms[i].limit
            left -= vms[i].limit
        open_ = [i for i in open_ if i not in saturated]
        rest = (f"{_pcpus(max(left, 0.0))} left for {', '.join(vms[i].name for i in open_)}" if open_
                else "every VM is at its limit")
        steps.append(f"Round {rnd}: {_pcpus(left + sum(vms[i].limit for i in saturated))} to share by claim: {split}. "
                     f"{held}; {rest}.")
    if left > 1e-9:
        steps.append(f"{_idle(left)}: no VM can use more (a cap is not work-conserving, and a vCPU uses at "
                     "most one pCPU).")
    return steps, shares


def long_run_share(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    contended = rng.random() < 0.75
    pcpus, vms = _share_host(rng, contended)
    shares = fair_shares(pcpus, [vm.claim for vm in vms], [vm.limit for vm in vms])
    steps, traced = _water_filling(pcpus, vms)
    assert all(abs(a - b) < 1e-9 for a, b in zip(shares, traced)), (seed, shares, traced)
    asked = rng.randrange(len(vms))
    me, value = vms[asked], round(shares[asked], 2)
    vcpus = sum(vm.vcpus for vm in vms)
    usable = sum(vm.limit for vm in vms)
    table = "; ".join(f"{vm.name}: {vm.vcpus} vCPU{'s' if vm.vcpus > 1 else ''}, weight {vm.weight}, "
                      + (f"cap {vm.cap} %" if vm.cap else "no cap") for vm in vms)
    limits = ", ".join(f"{vm.name} {vm.limit:g}" for vm in vms)
    solution = [
        f"Limits (what each VM can use at most: its vCPUs, or its cap ÷ 100 if lower): {limits}; together "
        f"{usable:g} pCPU{'s' if usable != 1 else ''} against {pcpus} on the host.",
    ]
    if contended:
        solution.append("Claims (Credit hands out credit ∝ weight × active vCPUs): "
                        + ", ".join(f"{vm.name} {vm.weight} × {vm.vcpus} = {vm.claim}" for vm in vms) + ".")
        solution += steps
        premise = (f"The host is contended: the VMs could use {usable:g} pCPUs but there are only {pcpus}, so the pCPUs "
                   "are split in proportion to weight × vCPUs (Credit hands out credit ∝ weight × active vCPUs); a VM "
                   "never gets more than its vCPUs or its cap allow, and what it cannot use is split again among the "
                   "others (water-filling). ")
    else:
        solution.append(f"{usable:g} ≤ {pcpus}: the host is not contended, so every VM runs at its limit and the weights "
                        "do not matter (weights only divide CPU time that several VMs want at once).")
        if usable < pcpus - 1e-9:
            solution.append(f"{_idle(pcpus - usable)}: caps are not work-conserving, and a vCPU uses at most "
                            "one pCPU.")
        premise = (f"The host is not contended: all VMs together can use only {usable:g} of the {pcpus} pCPUs (their "
                   "vCPUs and caps limit them), so each VM gets its limit and the weights do not matter. ")
    solution.append(f"{me.name} gets {shares[asked]:.2f} pCPUs.")
    explanation = (premise + "Result in pCPUs: " + ", ".join(f"{vm.name} {s:.2f}" for vm, s in zip(vms, shares))
                   + f". So **{me.name} gets {shares[asked]:.2f} pCPUs**.")
    scenario = Scenario(pcpus, tuple(VM(vm.name, vm.vcpus, weight=vm.weight, cap=vm.cap) for vm in vms), duration_ms=3000)
    return Question(
        id=f"gen-shares-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A Xen host with {pcpus} pCPU{'s' if pcpus > 1 else ''} runs the Credit scheduler. {table}. Every vCPU "
                f"is CPU-bound (always runnable): {vcpus} vCPUs on {pcpus} pCPU{'s' if pcpus > 1 else ''}. Caps are in "
                f"percent of one pCPU. What long-run CPU share does **{me.name}** get, in pCPUs (1 = one whole pCPU)?"),
        value=value, tolerance=0.02, unit="pCPUs", explanation=explanation, slide="CPU Scheduling",
        generator="sched-shares", solution=tuple(solution), link=scheduling_link(scenario))


# --------------------------------------------------------------------------- which vCPU runs next


@dataclass(frozen=True)
class CreditDecision:
    """One decision of the Credit simulator on a free pCPU, with the runqueue as the prompt shows it.

    ``queue`` is in runqueue order (the vCPU that just woke up is marked ``waking``), followed by the parked vCPUs;
    ``frame`` is the index of the frame in the page's animation that shows the pick.
    """

    frame: int
    time: float
    queue: tuple[Candidate, ...]
    chosen: str
    woken: str
    woke_at: float
    before: str  # the vCPU that ran until now
    before_state: str  # blocked | runnable | running (kept) | parked


def credit_decisions(scenario: Scenario) -> list[CreditDecision]:
    """The decisions of Credit on the scenario's single pCPU that make a question: at least three vCPUs can run, and
    exactly one of them woke up since the last accounting and has not run since.

    The runqueue order is rebuilt from the frames as the simulator keeps it (FIFO by the time a vCPU was put in:
    on waking, or on being descheduled; within one event the woken ones come first, by vCPU number; an unparked vCPU
    keeps its old place). Only decisions where Credit's rule on that queue picks what the simulator picked, and
    every priority agrees with the frame's, are returned.
    """
    trace = sched.simulate(scenario, "credit")
    names = [v.name for v in trace[0].state.vcpus]
    place: dict[str, tuple[float, int, int]] = {n: (0.0, 0, i) for i, n in enumerate(names)}
    woke: dict[str, tuple[float, bool]] = {}
    last_accounting = -1.0
    found: list[CreditDecision] = []
    prev = None
    for index, frame in enumerate(trace):
        state, now = frame.state, frame.state.time
        accounting = "Accounting:" in frame.explanation
        if accounting:
            last_accounting = now
        if prev is not None:
            for i, (v, p) in enumerate(zip(state.vcpus, prev.vcpus)):
                if p.state == "blocked" and v.state in ("runnable", "running"):
                    place[v.name], woke[v.name] = (now, 0, i), (now, accounting)
                elif p.state == "running" and v.state == "runnable":
                    place[v.name] = (now, 1, i)
        decided = ("runs on pCPU 0:" in frame.explanation or "keeps pCPU 0:" in frame.explanation) \
            and "preempts" not in frame.explanation
        running = [v for v in state.vcpus if v.state == "running"]
        before = [p for p in prev.vcpus if p.state == "running"] if prev is not None else []
        if decided and len(running) == 1 and len(before) == 1:
            candidates = [v for v in state.vcpus if v.state in ("runnable", "running")]
            fresh = [v for v in candidates if v.name in woke and woke[v.name][0] > last_accounting and not woke[v.name][1]]
            shown = [v for v in state.vcpus if v.state in ("runnable", "running", "parked")]
            if len(candidates) >= 3 and len(fresh) == 1 and not any(-0.5 < v.credit < 0 for v in shown):
                queue = [Candidate(v.name, round(v.credit), "" if v is fresh[0] else v.priority, waking=v is fresh[0])
                         for v in sorted(candidates, key=lambda v: place[v.name])]
                queue += [Candidate(v.name, round(v.credit), v.priority, parked=True)
                          for v in state.vcpus if v.state == "parked"]
                right, _ = pick_next(queue, scenario.boost)
                w = fresh[0]
                expected = BOOST if scenario.boost and w.credit >= 0 else priority(w.credit)
                if right == running[0].name and w.priority == expected:
                    after = next(v for v in state.vcpus if v.name == before[0].name)
                    found.append(CreditDecision(index, now, tuple(queue), right, w.name, woke[w.name][0],
                                                before[0].name, after.state))
        for v in state.vcpus:
            if v.state == "running":
                woke.pop(v.name, None)
        prev = state
    return found


def _credit_scenario(rng: random.Random) -> Scenario:
    """One pCPU, three to six single-vCPU VMs (random names), CPU-bound or run/block traces, sometimes a cap."""
    names = rng.sample(_NAMES, rng.randrange(3, 7))
    vms = []
    for name in names:
        workload = Workload() if rng.random() < 0.25 else \
            Workload("trace", trace=f"run {rng.randrange(2, 15)}, block {rng.randrange(4, 40)}")
        cap = rng.choice([20, 30, 40]) if rng.random() < 0.25 else 0
        vms.append(VM(name, weight=rng.choice(_WEIGHTS), cap=cap, workload=workload))
    return Scenario(1, tuple(vms), duration_ms=600, seed=0, boost=rng.random() < 0.7)


# Where the answer stands in the runqueue, and whether it is the vCPU that just woke up. Drawn first, then
# simulated scenarios are searched for such a decision, so that no position and not the woken vCPU is right much more
# often than one option's chance (the simulator alone would mostly pick the front of the queue or the woken vCPU).
TARGETS: tuple[tuple[tuple[str, bool], float], ...] = (
    (("first", False), 0.25), (("first", True), 0.08), (("middle", False), 0.25), (("middle", True), 0.08),
    (("last", False), 0.20), (("last", True), 0.14))
MAX_SCENARIOS = 400


def _kind(d: CreditDecision) -> tuple[str, bool]:
    queue = [q.name for q in d.queue if not q.parked]
    at = queue.index(d.chosen)
    return ("first" if at == 0 else "last" if at == len(queue) - 1 else "middle"), d.chosen == d.woken


def _highest_credit(d: CreditDecision) -> bool:
    queue = [q for q in d.queue if not q.parked]
    return next(q.credit for q in queue if q.name == d.chosen) == max(q.credit for q in queue)


_NAMES = tuple(f"vm{i}" for i in range(1, 10))


def _renamed(seed: int, rng: random.Random, scenario: Scenario, decision: CreditDecision) -> tuple[Scenario, CreditDecision]:
    """The same scenario with new VM names (the simulation does not depend on names): the answer's VM gets the name a
    shuffled cycle of the nine names gives this seed, so every name is the answer equally often, and the others get
    random names. The decision is looked up again in the renamed run."""
    cycle = random.Random(f"credit-next/{seed // len(_NAMES)}").sample(_NAMES, len(_NAMES))
    answer_vm = decision.chosen.rsplit(".", 1)[0]
    mine = cycle[seed % len(_NAMES)]
    others = iter(rng.sample([n for n in _NAMES if n != mine], len(scenario.vms) - 1))
    names = {vm.name: mine if vm.name == answer_vm else next(others) for vm in scenario.vms}
    renamed = replace(scenario, vms=tuple(replace(vm, name=names[vm.name]) for vm in scenario.vms))
    again = next(d for d in credit_decisions(renamed) if d.frame == decision.frame)
    assert again.chosen == f"{mine}.v0", (seed, again, decision)
    return renamed, again


def _credit_decision(rng: random.Random) -> tuple[Scenario, CreditDecision]:
    target = rng.choices([t for t, _ in TARGETS], [w for _, w in TARGETS])[0]
    fallback: tuple[Scenario, CreditDecision] | None = None
    for _ in range(MAX_SCENARIOS):
        scenario = _credit_scenario(rng)
        found = credit_decisions(scenario)
        fits = [d for d in found if _kind(d) == target]
        if fits:
            # also prefer a decision where the answer is not simply the highest credit on show, when there is one
            plain = [d for d in fits if not _highest_credit(d)]
            return scenario, rng.choice(plain if plain and rng.random() < 0.8 else fits)
        if found and fallback is None:
            fallback = scenario, found[0]
    assert fallback is not None, "no Credit decision with three candidates in any scenario"
    return fallback


def _entry(c: CreditDecision, cand: Candidate) -> str:
    if cand.waking:
        return f"{cand.name}: just woke up (at t = {c.woke_at:g} ms) with credit {cand.credit}, has not run since"
    text = f"{cand.name}: {cand.prio}, credit {cand.credit}"
    if cand.name == c.before and c.before_state in ("runnable", "running"):
        text += " (just descheduled, so back at the end of the queue)"
    return text


def credit_next(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    scenario, c = _renamed(seed, rng, *_credit_decision(rng))
    boost = scenario.boost
    queue = [q for q in c.queue if not q.parked]
    parked = [q for q in c.queue if q.parked]
    right, why = pick_next(list(c.queue), boost)
    trigger = {"blocked": f"{c.before} has just blocked (it waits for I/O)",
               "parked": f"{c.before} has used up its cap and is parked",
               }.get(c.before_state, f"{c.before} is descheduled (its time slice or the rate limit is up)")
    lines = "; ".join(f"{n}. {_entry(c, q)}" for n, q in enumerate(queue, 1))
    aside = ("" if not parked else " Not in the runqueue: " + "; ".join(
        f"{q.name}, parked (over its cap), credit {q.credit}" for q in parked) + ".")
    # The solver's trace: the woken vCPU's priority, every candidate's priority in order, the best class, the pick.
    w = next(q for q in queue if q.waking)
    if boost and w.credit >= 0:
        wake = f"{w.name} woke with credit {w.credit} ≥ 0, i.e. UNDER, and boost on wake is on: it is BOOSTed."
    elif w.credit >= 0:
        wake = f"{w.name} woke with credit {w.credit} ≥ 0: UNDER; boost on wake is off, so it is not boosted."
    else:
        wake = f"{w.name} woke with credit {w.credit} < 0: OVER, and only a vCPU that wakes UNDER is boosted."
    effective = [(q.name, BOOST if q.waking and boost and q.credit >= 0 else priority(q.credit) if q.waking else q.prio)
                 for q in queue]
    best = min((p for _, p in effective), key=[BOOST, UNDER, OVER].index)
    tied = [n for n, p in effective if p == best]
    solution = [
        wake,
        "Priorities in runqueue order: " + ", ".join(f"{n} {p}" for n, p in effective) + "."
        + (" " + ", ".join(q.name for q in parked) + (" is" if len(parked) == 1 else " are")
           + " parked (over the cap) and cannot run." if parked else ""),
        f"Best priority present: {best} (BOOST > UNDER > OVER): " + (
            f"only {right}, so {right} runs next." if len(tied) == 1 else
            f"{', '.join(tied)}; within a priority the runqueue is first come, first served, so the first of them, "
            f"{right}, runs next."),
        f"The simulator made the same choice: frame {c.frame + 1} of the animation shows {right} → pCPU 0.",
    ]
    return Question(
        id=f"gen-credit-next-{seed}", section=SECTION, kind="single",
        prompt=(f"One pCPU runs Xen's Credit scheduler (30 ms time slices, 1 ms rate limit); boost on wake is "
                f"**{'on' if boost else 'off'}**. At t = {c.time:g} ms {trigger}, and the pCPU picks the next vCPU. Its "
                f"runqueue, front first: {lines}.{aside} Which vCPU runs next?"),
        options=tuple(q.name for q in c.queue), answer=(right,),
        explanation=why + " Credit orders the runqueue BOOST > UNDER (credit ≥ 0) > OVER (credit < 0), first come "
                          "first served within a priority; a vCPU that wakes UNDER is boosted when boost on wake is on "
                          "(xen.git credit.c); a parked vCPU waits for credit.",
        slide="CPU Scheduling", generator="credit-next", solution=tuple(solution),
        link=scheduling_link(scenario, "credit", c.frame))


# --------------------------------------------------------------------------- pinning and utilisation

_VM_NAMES = ("web", "db", "batch", "mail", "cache", "render", "api", "ci")
_LOADS = (5, 10, 20, 25, 30, 40, 50, 60, 75, 80, 100)
_ASK = {"used": "the host's CPU utilisation (core time in use ÷ all core time)",
        "idle": "the share of all core time that is idle on pinned cores (reserved by a VM but unused, so no other VM "
                "may take it)"}


def _plan(rng: random.Random, cores: int, refuse: bool) -> partition.Plan:
    """A plan whose VMs fit the disk and memory; with ``refuse`` the last VM asks for more cores than are left
    (refused when the CPUs are pinned, placed when they are scheduled)."""
    names = rng.sample(_VM_NAMES, min(rng.randrange(2, 6), cores + refuse))
    placed = names[:-1] if refuse else names
    lines = [f"host disk=1000 mem=64 pcpus={cores}"]
    free = cores
    for n, name in enumerate(names):
        if name in placed:
            most = free - (len(placed) - n - 1)  # leave a core for each VM still to come
            vcpus = rng.randrange(1, min(4, most) + 1)
        else:
            vcpus = rng.randrange(free + 1, free + 4)
        free -= vcpus
        loads = [rng.choice(_LOADS)] if vcpus > 4 or rng.random() < 0.7 else [rng.choice(_LOADS) for _ in range(vcpus)]
        lines.append(f"{name} disk={rng.choice((50, 100, 150, 200))} mem={rng.choice((2, 4, 8, 12))} vcpus={vcpus} "
                     f"load={','.join(map(str, loads))}")
    return partition.parse_plan("\n".join(lines))


def _core_list(cores: Sequence[int]) -> str:
    if len(cores) == 1:
        return f"core {cores[0]}"
    if list(cores) == list(range(cores[0], cores[-1] + 1)):
        return f"cores {cores[0]}–{cores[-1]}"
    return "cores " + ", ".join(map(str, cores))


def pinning_layout(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    mode, ask = rng.choice([("pinned", "used"), ("pinned", "used"), ("pinned", "idle"), ("scheduled", "used")])
    cores = rng.choice([4, 6, 8, 8, 12, 16])
    plan = _plan(rng, cores, refuse=rng.random() < 0.4)
    trace = partition.replay(plan, mode)  # type: ignore[arg-type]
    layout = trace[-1].state
    use = partition.utilisation(layout)
    percent = 100 * (use.utilisation if ask == "used" else use.wasted)
    value = round(percent, 2)
    text = partition.plan_text(plan)
    pinned_mode = mode == "pinned"
    # The solver's trace: the plan line by line (where each VM's vCPUs go, or why it is refused), each core's
    # load, then the sum over the cores.
    solution: list[str] = []
    for frame in trace[1:]:
        if frame.event.endswith("refused"):
            solution.append(f"{frame.event}: {frame.explanation}")
            continue
        name = frame.event.split()[3] if frame.event.split()[2] == "add" else frame.event.split()[2]
        vm = frame.state.vm(name)
        loads = ", ".join(f"{x} %" for x in vm.load)
        solution.append(f"{frame.event.split(': ', 1)[0]}: {name} is placed, its vCPUs "
                        + (f"pinned to {_core_list(frame.state.cores_of(name))}, each core busy {loads}" if pinned_mode
                           else f"time-share all {cores} cores and want {loads} of a core") + ".")
    demand = sum(load for vm in layout.vms for load in vm.load) / 100
    sums = " + ".join(f"{vm.load[0]} %" if len(vm.load) == 1 else f"{len(vm.load)} × {vm.load[0]} %"
                      if len(set(vm.load)) == 1 else " + ".join(f"{x} %" for x in vm.load) for vm in layout.vms)
    if pinned_mode:
        loads = partition.core_loads(layout)
        nobody = [c for c, slot in enumerate(layout.pinning()) if slot is None]
        solution.append("Load per core: " + ", ".join(f"core {c} {100 * x:g} %" for c, (x, slot)
                                                       in enumerate(zip(loads, layout.pinning())) if slot)
                        + (f"; {_core_list(nobody)} pinned to nobody, idle" if nobody else "") + ".")
        pinned = layout.used("vcpus")
        if ask == "used":
            solution.append(f"Core time in use: {sums} = {demand:g} cores of {cores} → {demand:g} / {cores} = "
                            f"{value:g} %.")
        else:
            solution.append(f"{pinned} cores are pinned; they are busy {sums} = {demand:g} cores' worth, so "
                            f"{pinned} − {demand:g} = {pinned - demand:g} cores idle although reserved → "
                            f"{pinned - demand:g} / {cores} = {value:g} %.")
    else:
        solution.append(f"Scheduled: no VM owns a core, so none is refused for cores and idle time of one VM goes to the "
                        f"others. Demand: {sums} = {demand:g} cores; in use min({demand:g}, {cores}) = {use.used:g} "
                        f"cores → {use.used:g} / {cores} = {value:g} %.")
    refused = sum(f.event.endswith("refused") for f in trace)
    how = "each vCPU gets a dedicated core of its own" if pinned_mode else "the vCPUs time-share all cores"
    explanation = (f"With the CPUs {mode} ({how}), "
                   + (f"{refused} operation{'s are' if refused > 1 else ' is'} refused for lack of free cores; "
                      if refused else "")
                   + (f"the placed VMs' vCPUs use {demand:g} cores' worth of time on {layout.used('vcpus')} pinned cores, "
                      if pinned_mode else f"the VMs want {demand:g} cores' worth of time and get {use.used:g}, ")
                   + f"so the answer is {value:g} %. "
                   + ("Pinning wastes idle CPUs: a pinned core its VM leaves idle cannot be used by any other VM."
                      if pinned_mode else "Scheduling is work-conserving: idle time of one VM goes to the others."))
    return Question(
        id=f"gen-pinning-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A host with {cores} cores receives this plan, in order (Resource distribution page format: "
                f"`load` is the share of a core each vCPU would use; one value for all vCPUs or one per vCPU):\n\n```\n"
                f"{text}\n```\n\nThe CPUs are **{mode}**: {how}. After the whole plan, what is "
                f"{_ASK[ask]}, in percent?"),
        value=value, tolerance=0.5, unit="%", explanation=explanation,
        slide="Resource Distribution Among VMs", generator="pinning-util", solution=tuple(solution),
        link=simulator_link("resource-distribution", layout=LINKED, cpus=mode, plan=text, plan_frame=len(trace) - 1))


GENERATORS: tuple[Generator, ...] = (
    Generator("sched-shares", SECTION, "Long-run CPU shares for weights and caps", long_run_share),
    Generator("credit-next", SECTION, "Which vCPU does Credit run next?", credit_next),
    Generator("pinning-util", SECTION, "Utilisation of a pinning layout", pinning_layout),
)
