"""Generated questions for section 2.4: resource sharing and VM CPU scheduling.

Answers come from the scheduling engine: long-run shares from its water-filling fair-share function
(engine.sharing.sched_metrics.fair_shares, the rule Credit's accounting follows), the next vCPU from Credit's
pick rule (engine.sharing.credit.pick_next), and the utilisation of a pinning layout from
engine.sharing.sched_metrics.pinning_utilisation, so every answer is right by construction.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.sharing.credit import BOOST, OVER, UNDER, Candidate, pick_next
from engine.virtualizability.isa import ISA
from engine.core.quiz import Question
from engine.quizgen import Generator
from engine.sharing.sched_metrics import fair_shares, pinning_utilisation

SECTION = "2.4"
_WEIGHTS = (128, 256, 256, 512, 768, 1024)


def long_run_share(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    pcpus = rng.choice([1, 2, 4])
    count = rng.randrange(2, 5)
    vms = []
    for i in range(count):
        vcpus = rng.choice([1, 2, 2, 4])
        cap = rng.choice([0, 0, 0, 25, 50, 100, 150]) if i else 0
        vms.append((f"vm{i + 1}", vcpus, rng.choice(_WEIGHTS), min(cap, 100 * vcpus)))
    limits = [cap / 100 if cap else vcpus for _, vcpus, _, cap in vms]
    shares = fair_shares(pcpus, [w * v for _, v, w, _ in vms], limits)
    asked = rng.randrange(count)
    name = vms[asked][0]
    table = "; ".join(f"{n}: {v} vCPU{'s' if v > 1 else ''}, weight {w}, " + (f"cap {c} %" if c else "no cap")
                      for n, v, w, c in vms)
    steps = [f"{n} {s:.2f}" for (n, *_), s in zip(vms, shares)]
    limited = [f"{n} (limit {lim:g} pCPU{'s' if lim != 1 else ''})" for (n, *_), lim, s in zip(vms, limits, shares)
               if abs(s - lim) < 1e-9]
    explanation = (f"Split the {pcpus} pCPU{'s' if pcpus > 1 else ''} in proportion to weight × vCPUs (Credit hands out "
                   "credit ∝ weight × active vCPUs); a VM never gets more than "
                   "its vCPUs or its cap allow, and what it cannot use is split again among the others by weight "
                   f"(water-filling). " + (f"Held at their limit: {', '.join(limited)}. " if limited else "") +
                   f"Result in pCPUs: {', '.join(steps)}.")
    return Question(
        id=f"gen-shares-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A Xen host with {pcpus} pCPU{'s' if pcpus > 1 else ''} runs the Credit scheduler; every vCPU is "
                f"CPU-bound (the host is contended). {table}. Caps are in percent of one pCPU. What long-run CPU share "
                f"does **{name}** get, in pCPUs (1 = one whole pCPU)?"),
        value=round(shares[asked], 2), tolerance=0.02, unit="pCPUs", explanation=explanation,
        slide="CPU Scheduling", generator="sched-shares")


def credit_next(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    boost = rng.random() < 0.8
    queue = []
    for i in rng.sample(range(1, 9), rng.randrange(3, 5)):
        credit = rng.choice([-250, -120, -40, -10, 0, 30, 90, 180, 260])
        prio = UNDER if credit >= 0 else OVER
        queue.append(Candidate(f"vm{i}.v0", credit, BOOST if prio == UNDER and rng.random() < 0.15 else prio,
                               parked=prio == OVER and rng.random() < 0.25))
    # the waking vCPU is inserted last, as Xen inserts at the tail of its priority class
    queue[-1] = Candidate(queue[-1].name, rng.choice([-60, 0, 40, 150]), UNDER, waking=True)
    right, why = pick_next(queue, boost)
    lines = []
    for c in queue:
        if c.waking:
            lines.append(f"{c.name}: just woke up, credit {c.credit}")
        else:
            lines.append(f"{c.name}: {c.prio}, credit {c.credit}" + (", parked (over its cap)" if c.parked else ""))
    return Question(
        id=f"gen-credit-next-{seed}", section=SECTION, kind="single",
        prompt=("A pCPU under Xen's Credit scheduler must choose the next vCPU. Its runqueue, in order, with a "
                "vCPU that just woke up inserted at the end: " + "; ".join(lines) + f". Boost on wake is **{'on' if boost else 'off'}**. Which vCPU runs next?"),
        options=tuple(c.name for c in queue), answer=(right,),
        explanation=why + " Credit orders the runqueue BOOST > UNDER (credit ≥ 0) > OVER (credit < 0), first come "
                          "first served within a priority; a waking UNDER vCPU is boosted (xen.git credit.c).",
        slide="CPU Scheduling", generator="credit-next")


def pinning_layout(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    pcpus = rng.choice([2, 3, 4])
    loads = [rng.choice([0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 1.0]) for _ in range(rng.randrange(pcpus, 2 * pcpus + 1))]
    pins = [rng.randrange(pcpus) for _ in loads]
    used, busy = pinning_utilisation(pcpus, loads, pins)
    layout = "; ".join(f"vCPU {i} wants {load:.0%} of a pCPU, pinned to pCPU {pin}"
                       for i, (load, pin) in enumerate(zip(loads, pins)))
    per_cpu = ", ".join(f"pCPU {p}: {b:.0%}" for p, b in enumerate(busy))
    return Question(
        id=f"gen-pinning-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A host with {pcpus} pCPUs uses static pinning (each vCPU only ever runs on its pCPU). {layout}. "
                "What fraction of the host's CPU time is used, in percent?"),
        value=round(100 * used, 1), tolerance=0.5, unit="%",
        explanation=(f"Each pCPU is busy with the sum of its vCPUs' demands, at most 100 %: {per_cpu}. The average over "
                     f"{pcpus} pCPUs is {used:.1%}. A pCPU whose vCPUs want less than 100 % idles even if another "
                     "pCPU is overloaded, because pinned vCPUs cannot move: pinning wastes idle CPUs."),
        slide="Resource Distribution Among VMs", generator="pinning-util")


GENERATORS: tuple[Generator, ...] = (
    Generator("sched-shares", SECTION, "Long-run CPU shares for weights and caps", long_run_share),
    Generator("credit-next", SECTION, "Which vCPU does Credit run next?", credit_next),
    Generator("pinning-util", SECTION, "Utilisation of a pinning layout", pinning_layout),
)
