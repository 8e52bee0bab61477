"""Generated questions for section 2.5: the Amazon EC2 case study.

Answers come from the engine (billing.bill, transfer.simulate, variance.shape), so they are right by construction;
the fees and prices used are the app's data files, named with their date. Every variant carries a worked solution
(billed time per run, each boundary with its fee, the reading of the histogram) and a link that opens exactly its
case in the simulator page: the pricing page with the timeline, the regions page with the route and amounts, the
performance-variance page with the histogram's settings.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from typing import Mapping

from engine.core.quiz import Question
from engine.ec2 import billing, instance_types, regions, transfer, variance
from engine.ec2.money import number, usd
from engine.quizgen import Generator, simulator_link
from engine.virtualizability.isa import ISA

SECTION = "2.5"
LINKED = "custom"  # the pricing page's timeline choice for a timeline given as text in the link
# Run lengths in seconds: the classic edge cases (30 s, just under / at / just over an hour, restarts) ...
_DURATIONS = (30, 59 * 60, 60 * 60, 61 * 60, 20 * 60, 45 * 60, 90 * 60, 125 * 60, 200, 3 * 3600 + 5)


def _words(text: str) -> str:
    """Amounts as 'USD 0.04', not '$0.04': the quiz renders Markdown, where a second '$' would close a formula."""
    return re.sub(r"\$(?=[\d.])", "USD ", text)


def _question(**fields) -> Question:
    """The Question, with every amount in its prompt, explanation and solution written as 'USD ...'."""
    fields["prompt"], fields["explanation"] = _words(fields["prompt"]), _words(fields["explanation"])
    fields["solution"] = tuple(_words(step) for step in fields["solution"])
    return Question(**fields)


def _duration(rng: random.Random) -> int:
    """... or any length up to three hours, sometimes with seconds."""
    if rng.random() < 0.5:
        return rng.choice(_DURATIONS)
    return rng.randrange(1, 180) * 60 + (rng.choice((0, 0, 15, 30, 45)))


def _started_hours(seconds: int) -> str:
    hours = math.ceil(seconds / billing.HOUR)
    return f"{hours} started hour{'s' if hours > 1 else ''}"


def bill_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    prices = instance_types.shipped().prices("lecture")
    model = rng.choice(list(billing.MODELS))
    vms = {f"vm{i + 1}": rng.choice(list(prices)) for i in range(rng.choice((1, 1, 2, 3)))}
    lines: list[str] = []
    free_at = dict.fromkeys(vms, 0)
    for _ in range(rng.randrange(len(vms), len(vms) + 3)):
        vm = rng.choice(list(vms)) if len(lines) >= len(vms) else list(vms)[len(lines)]
        start = free_at[vm] + (rng.choice((0, 60, 600, 1800)) if free_at[vm] or rng.random() < 0.5 else 0)
        length = _duration(rng)
        lines.append(f"{vm} {vms[vm]} {billing.clock(start)}-{billing.clock(start + length)}")
        free_at[vm] = start + length + rng.choice((60, 600, 1800))
    text = "\n".join(lines)
    bill = billing.bill(billing.parse_timeline(text, prices), prices)
    total = bill.total(model)
    steps = []
    for r in bill.runs:
        run, price = r.run, r.price_per_hour
        head = f"{run.vm} ({run.type}, ${price:g}/h) {billing.clock(run.start)}–{billing.clock(run.stop)}: used " \
               f"{billing.clock(run.seconds)} = {run.seconds:,} s → "
        if model == "hour":
            steps.append(head + f"{_started_hours(run.seconds)} × ${price:g} = {usd(r.cost(model))}.")
        else:
            billed = r.billed["second"]
            floor = " (the 60 s minimum)" if billed > run.seconds else ""
            steps.append(head + f"{billed:,} s billed{floor} × ${price:g}/3600 s = {usd(r.cost(model))} "
                                f"({r.cost(model):.6f}).")
    steps.append(("Total: " + " + ".join(usd(r.cost(model)) for r in bill.runs) + " = " if len(bill.runs) > 1
                  else "Total (the only run): ") + f"{usd(total)} ({total:.4f} USD).")
    types = ", ".join(f"{t} ${p:g}" for t, p in prices.items())
    rule = billing.RULES[model] + ("; partial hours of different runs or VMs are never added up" if model == "hour" else "")
    return _question(
        id=f"gen-bill-{seed}", section=SECTION, kind="numeric",
        prompt=(f"At the lecture's example prices per hour ({types}), these runs are billed (one run a line: VM, "
                f"instance type, start–stop as h:mm[:ss]):\n\n```\n{text}\n```\n\nThe billing rule: **{rule}**. What "
                "is the bill in USD? (4 decimal places are enough.)"),
        value=round(total, 6), tolerance=max(0.0001, 0.005 * total), unit="USD",
        explanation=(f"The rule: {billing.RULES[model]}. Each run is billed on its own: "
                     + "; ".join(f"{billing.clock(r.run.seconds)} used → "
                                 + (f"{r.billed['hour'] // billing.HOUR} h" if model == "hour" else f"{r.billed['second']} s")
                                 + f" = {usd(r.cost(model))}" for r in bill.runs)
                     + f". Total {usd(total)}."),
        slide="EC2 Per-Hour Pricing Model", generator="bill", solution=tuple(steps),
        link=simulator_link("pricing", prices="lecture", timeline=LINKED, runs=text))


def transfer_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    geo, fees = regions.shipped(), transfer.shipped()
    home = rng.choice(geo.regions)
    kind = rng.choices(["same-az", "inter-az", "inter-region", "egress"], [1, 3, 3, 4])[0]
    source = rng.choice(home.azs)
    other_region = rng.choice([r for r in geo.regions if r.id != home.id])
    destination = {"same-az": source, "inter-az": rng.choice([a for a in home.azs if a != source]),
                   "inter-region": rng.choice(other_region.azs), "egress": transfer.INTERNET}[kind]
    gb = rng.choice((50, 80, 200, 350, 750, 1500, 4000, 12000, 60000))
    before = rng.choice((0, 0, 60, 5000, 9000, 10200, 50000)) if kind == "egress" else 0
    trace = transfer.simulate(geo, fees, source, destination, float(gb), float(before))
    lines = trace[-1].state.lines
    total = sum(line.cost for line in lines)
    where = "the internet" if destination == transfer.INTERNET else f"an instance in {destination}"
    tiers = ", ".join(f"{t.label} ${t.per_gb:g}" for t in fees.tiers)
    steps = [f"{frame.event}: {frame.explanation}" for frame in trace[1:-1]]
    steps.append("Total: " + " + ".join(f"{number(line.gb)} GB × ${line.per_gb:g}" for line in lines)
                 + f" = {usd(total)} ({total:.2f} USD).")
    return _question(
        id=f"gen-transfer-{seed}", section=SECTION, kind="numeric",
        prompt=(f"An instance in {source} sends {number(gb)} GB to {where}"
                + (f"; {number(before)} GB of internet egress were already sent this month" if before else "") + ". "
                f"Fees of the app's table (as of {fees.provenance.as_of}, {fees.provenance.meaning}): same AZ "
                f"${fees.same_az:g}/GB, between AZs ${fees.inter_az:g}/GB \"in each direction\" (out of the sending zone and "
                f"again into the receiving one), between regions "
                f"${fees.inter_region:g}/GB, internet egress per month: {tiers}. In this app's model a transfer pays "
                "only the fee of its route (an inter-region or internet transfer pays no extra inter-AZ fee on the "
                "way). What does this one-way transfer cost, in USD?"),
        value=round(total, 6), tolerance=0.01, unit="USD",
        explanation=(f"Route {transfer.KINDS[transfer.classify(geo, source, destination)]}: "
                     + " + ".join(f"{number(line.gb)} GB × ${line.per_gb:g} ({line.what})" for line in lines)
                     + f" = {usd(total)}. The lecture: intra-AZ traffic is free, a per-GB fee applies between zones and "
                       "regions." + (f" Between zones the fee is charged twice for one transfer, out and in: "
                                     f"${fees.inter_az_one_way:g}/GB one way." if kind == "inter-az" else "")),
        slide="Geographic Distribution of EC2 Data Centers", generator="transfer", solution=tuple(steps),
        link=simulator_link("regions", **{"from": source, "to": destination}, gb=gb, month=before,
                            route_frame=len(trace) - 1))


# --------------------------------------------------------------------------- histogram

_SETTINGS = {  # per answer: (shares of type B in %, noise in %), all values the variance page's sliders take
    "two": (tuple(range(25, 80, 5)), (1, 2, 3)),
    "narrow": ((0, 100), (1, 2, 3)),
    "wide": ((0,), (10, 11, 12, 13, 14, 15)),  # type A only: the band stays inside the histogram's 60–180 s axis
}
SIZES = (50, 100)  # measurements: two of the variance page's choices


def _bins(values: tuple[float, ...]) -> list[tuple[float, float, int]]:
    return variance.histogram(values, 12, *variance.TEXT_RANGE)


def _readable(shape: str, values: tuple[float, ...]) -> bool:
    """The text histogram shows what the engine's rule says: an empty bin between two bands, or one unbroken band
    that is narrow (at most 3 bins) or wide (at least 5 bins)."""
    used = [i for i, (_, _, count) in enumerate(_bins(values)) if count]
    span = used[-1] - used[0] + 1
    gaps = span - len(used)
    if shape == "two":
        return gaps > 0
    return gaps == 0 and (span <= 3 if shape == "narrow" else span >= 5)


def histogram_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    target = rng.choice(list(variance.SHAPES))
    n = rng.choice(SIZES)
    while True:
        shares, noises = _SETTINGS[target]
        share, noise, sim_seed = rng.choice(shares), rng.choice(noises), rng.randrange(10_001)
        runs = variance.measure(n, share / 100, sim_seed, noise / 100)
        values = tuple(m.runtime for m in runs)
        if variance.shape(values) == target and _readable(target, values):
            break
    answer = variance.SHAPES[target]
    s = variance.stats(values)
    bins = _bins(values)
    used = [(low, high, count) for low, high, count in bins if count]
    xs = sorted(values)
    gap, cut = max((xs[i + 1] - xs[i], i + 1) for i in range(len(xs) - 1))
    low, high = xs[:cut], xs[cut:]
    spread = max(statistics.pstdev(low), statistics.pstdev(high))
    steps = ["Bins with runs: " + ", ".join(f"{a:.0f}–{b:.0f} s ({c})" for a, b, c in used) + "."]
    empty = [(a, b) for a, b, c in bins if not c and used[0][0] < a < used[-1][0]]
    if target == "two":
        steps.append(f"Empty bins between them ({', '.join(f'{a:.0f}–{b:.0f} s' for a, b in empty)}): the runs split into "
                     f"two bands, {len(low)} runs from {low[0]:.1f} to {low[-1]:.1f} s and {len(high)} runs from "
                     f"{high[0]:.1f} to {high[-1]:.1f} s. The gap of {gap:.1f} s is more than twice the spread within "
                     f"either band ({spread:.1f} s).")
    else:
        few = min(len(low), len(high))
        why = (f"it would split off only {few} run{'s' if few > 1 else ''}, too few to be a band" if few < max(2, 0.05 * n)
               else f"no more than twice the spread on either side ({spread:.1f} s)")
        steps.append(f"No empty bin between {used[0][0]:.0f} s and {used[-1][1]:.0f} s: one band. The widest gap between "
                     f"two sorted runtimes is {gap:.1f} s: {why}.")
        steps.append(f"Its width: mean {s.mean:.1f} s, standard deviation {s.sd:.1f} s, CoV = {s.sd:.1f} / {s.mean:.1f} = "
                     f"{s.cov:.1%}, {'below' if target == 'narrow' else 'at least'} the app's threshold of "
                     f"{variance.NARROW_COV:.0%} for a narrow band ({len(used)} bins of 10 s).")
    steps.append(f"So: {answer}.")
    frames = len(variance.checkpoints(n))
    return _question(
        id=f"gen-hist-{seed}", section=SECTION, kind="single",
        prompt=(f"{n} instances of the same type each ran one benchmark. The runtimes, as a histogram:\n\n```\n"
                + variance.text_histogram(values) + "\n```\n\nWhich observation does this histogram support?"),
        options=tuple(variance.SHAPES.values()), answer=(answer,),
        explanation=(f"Mean {s.mean:.1f} s, CoV {s.cov:.1%}. Schad et al. (PVLDB 2010) saw EC2 runtimes fall into two bands "
                     "with a large gap, which the authors believe come from the different system types behind one instance "
                     "type; one band means no visible "  # "we believe" (sources.toml: schad-variance)
                     f"split (narrow if the CoV is below {variance.NARROW_COV:.0%}, the app's threshold). Here: "
                     f"{answer}. This data is simulated."),
        slide="EC2 Instance Types (2/2)", generator="histogram", solution=tuple(steps),
        link=simulator_link("performance-variance", share=share, n=n, noise=noise, seed=sim_seed,
                            variance_frame=frames - 1))


GENERATORS: tuple[Generator, ...] = (
    Generator("bill", SECTION, "The bill for a usage, per started hour or per second", bill_question),
    Generator("transfer", SECTION, "The transfer fee of a route", transfer_question),
    Generator("histogram", SECTION, "What does this runtime histogram show?", histogram_question),
)
