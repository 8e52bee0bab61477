"""Generated questions for section 2.5: the Amazon EC2 case study.

Answers come from the engine (billing.bill, transfer.quote, variance.shape), so they are right
by construction; the fees and prices used are the app's data files, named with their tags.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.ec2 import billing, instance_types, regions, transfer, variance
from engine.virtualizability.isa import ISA
from engine.ec2.money import number, usd
from engine.core.quiz import Question
from engine.quizgen import Generator

SECTION = "2.5"
_DURATIONS = (30, 59 * 60, 60 * 60, 61 * 60, 20 * 60, 45 * 60, 90 * 60, 125 * 60, 200, 3 * 3600 + 5)


def bill_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    prices = instance_types.shipped().prices("lecture")
    model = rng.choice(list(billing.MODELS))
    vm_type = rng.choice(list(prices))
    lines, start = [], 0
    for n in range(rng.randrange(1, 4)):
        length = rng.choice(_DURATIONS)
        lines.append(f"vm1 {vm_type} {billing.clock(start)}-{billing.clock(start + length)}")
        start += length + rng.choice((60, 600, 1800))
    bill = billing.bill(billing.parse_timeline("\n".join(lines), prices), prices)
    total = bill.total(model)
    per_run = "; ".join(f"{billing.clock(r.run.seconds)} used → " +
                        (f"{r.billed['hour'] // billing.HOUR} h" if model == "hour" else f"{r.billed['second']} s") +
                        f" = {usd(r.cost(model))}" for r in bill.runs)
    runs_text = ", ".join(f"`{line.split(' ', 2)[2]}`" for line in lines)
    return Question(
        id=f"gen-bill-{seed}", section=SECTION, kind="numeric",
        prompt=(f"One {vm_type} VM at the lecture's example price of USD {prices[vm_type]:g} per hour is started and stopped "
                f"{len(lines)} time(s); its runs (h:mm[:ss]): {runs_text}. What is the bill in USD if it is billed "
                f"**{billing.RULES[model]}**? (4 decimal places are enough.)"),
        value=round(total, 6), tolerance=max(0.0001, 0.005 * total), unit="USD",
        explanation=f"Billed {billing.RULES[model]}: {per_run}. Total {usd(total)}.",
        slide="EC2 Per-Hour Pricing Model", generator="bill")


def transfer_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    geo, fees = regions.shipped(), transfer.shipped()
    home = rng.choice(geo.regions)
    kind = rng.choice(["same-az", "inter-az", "inter-region", "egress"])
    source = rng.choice(home.azs)
    other_region = rng.choice([r for r in geo.regions if r.id != home.id])
    destination = {"same-az": source, "inter-az": rng.choice([a for a in home.azs if a != source]),
                   "inter-region": rng.choice(other_region.azs), "egress": transfer.INTERNET}[kind]
    gb = float(rng.choice((50, 200, 750, 4000, 12000)))
    before = float(rng.choice((0, 60, 9000))) if kind == "egress" else 0.0
    lines = transfer.quote(geo, fees, source, destination, gb, before)
    total = sum(line.cost for line in lines)
    where = "the internet" if destination == transfer.INTERNET else f"an instance in {destination}"
    tiers = ", ".join(f"{t.label} ${t.per_gb:g}" for t in fees.tiers)
    return Question(
        id=f"gen-transfer-{seed}", section=SECTION, kind="numeric",
        prompt=(f"An instance in {source} sends {number(gb)} GB to {where}"
                + (f"; {number(before)} GB of internet egress were already sent this month" if before else "") + ". "
                f"Fees of the app's table (as of {fees.provenance.as_of}, {fees.provenance.meaning}): same AZ ${fees.same_az:g}/GB, between AZs "
                f"${fees.inter_az:g}/GB in each direction, between regions ${fees.inter_region:g}/GB, internet egress per "
                f"month: {tiers}. What does this one-way transfer cost, in USD?"),
        value=round(total, 6), tolerance=0.01, unit="USD",
        explanation=(f"Route {transfer.KINDS[transfer.classify(geo, source, destination)]}: "
                     + " + ".join(f"{number(line.gb)} GB × ${line.per_gb:g} ({line.what})" for line in lines)
                     + f" = {usd(total)}. The lecture: intra-AZ traffic is free, a per-GB fee applies between zones and regions."),
        slide="Geographic Distribution of EC2 Data Centers", generator="transfer")


def histogram_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    share, noise = rng.choice([(0.5, 0.02), (0.35, 0.02), (0.0, 0.02), (1.0, 0.015), (0.0, 0.12), (1.0, 0.1)])
    values = [m.runtime for m in variance.measure(60, share, seed, noise)]
    answer = variance.SHAPES[variance.shape(values)]
    s = variance.stats(values)
    return Question(
        id=f"gen-hist-{seed}", section=SECTION, kind="single",
        prompt=("60 instances of the same type each ran one benchmark. The runtimes, as a histogram:\n\n```\n"
                + variance.text_histogram(values) + "\n```\n\nWhich observation does this histogram support?"),
        options=tuple(variance.SHAPES.values()), answer=(answer,),
        explanation=(f"Mean {s.mean:.1f} s, CoV {s.cov:.1%}. Schad et al. (PVLDB 2010) saw EC2 runtimes fall into two bands "
                     "with a large gap, matching different hardware behind one instance type; one band means no visible "
                     f"split (narrow if the CoV is below {variance.NARROW_COV:.0%}, the app's threshold). This data is "
                     "simulated."),
        slide="EC2 Instance Types (2/2)", generator="histogram")


GENERATORS: tuple[Generator, ...] = (
    Generator("bill", SECTION, "The bill for a usage, per started hour or per second", bill_question),
    Generator("transfer", SECTION, "The transfer fee of a route", transfer_question),
    Generator("histogram", SECTION, "What does this runtime histogram show?", histogram_question),
)
