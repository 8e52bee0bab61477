"""Quiz 2.4 generators: answers equal the scheduling engine's, deterministic per seed, valid questions."""

from __future__ import annotations

import re

from engine.sharing.credit import Candidate, pick_next
from engine.core.quiz import Question, grade
from engine.quizgen import for_section
from engine.quizgen.scheduling import GENERATORS, credit_next, long_run_share, pinning_layout
from engine.sharing.sched import run
from engine.sharing.sched_metrics import fair_shares, pinning_utilisation
from engine.sharing.sched_model import VM, Scenario

SEEDS = range(40)


def test_three_generators_registered_for_2_4():
    assert {g.id for g in for_section("2.4")} >= {"sched-shares", "credit-next", "pinning-util"}
    assert len(GENERATORS) >= 3


def test_generators_are_deterministic_valid_and_varied():
    for gen in GENERATORS:
        questions = [gen.make(seed, {}) for seed in SEEDS]
        assert questions == [gen.make(seed, {}) for seed in SEEDS]
        for q in questions:
            assert isinstance(q, Question) and q.section == "2.4" and q.explanation
            assert grade(q, str(q.value) if q.kind == "numeric" else q.answer[0]).correct
        assert len({q.prompt for q in questions}) > 30


def parse_vms(prompt: str) -> list[tuple[str, int, int, int]]:
    found = re.findall(r"(vm\d+): (\d+) vCPUs?, weight (\d+), (?:cap (\d+) %|no cap)", prompt)
    return [(n, int(v), int(w), int(c or 0)) for n, v, w, c in found]


def test_share_answer_is_the_engine_fair_share_and_the_simulator_agrees():
    for seed in SEEDS:
        q = long_run_share(seed, {})
        pcpus = int(re.search(r"with (\d+) pCPU", q.prompt).group(1))
        vms = parse_vms(q.prompt)
        asked = re.search(r"\*\*(vm\d+)\*\*", q.prompt).group(1)
        shares = fair_shares(pcpus, [w * v for _, v, w, _ in vms], [c / 100 if c else v for _, v, _, c in vms])
        assert q.value == round(shares[[n for n, *_ in vms].index(asked)], 2)
    for seed in range(8):  # the Credit and Credit2 simulators reach the quiz answer
        q = long_run_share(seed, {})
        pcpus = int(re.search(r"with (\d+) pCPU", q.prompt).group(1))
        vms = tuple(VM(n, v, weight=w, cap=c) for n, v, w, c in parse_vms(q.prompt))
        asked = re.search(r"\*\*(vm\d+)\*\*", q.prompt).group(1)
        for scheduler in ("credit", "credit2"):
            share = run(Scenario(pcpus, vms, duration_ms=3000), scheduler).metrics().vm(asked).share
            assert abs(share - q.value) <= 0.05, (seed, scheduler, share, q.value)


def test_credit_next_answer_is_the_engine_pick():
    for seed in SEEDS:
        q = credit_next(seed, {})
        queue = []
        for name, rest in re.findall(r"(vm\d\.v0): ([^;]+?)(?=; vm|\. Boost)", q.prompt):
            credit = int(re.search(r"credit (-?\d+)", rest).group(1))
            if rest.startswith("just woke"):
                queue.append(Candidate(name, credit, "", waking=True))
            else:
                queue.append(Candidate(name, credit, rest.split(",")[0], parked="parked" in rest))
        boost = "**on**" in q.prompt
        assert q.answer == (pick_next(queue, boost)[0],)
        assert queue[-1].waking and len(queue) == len(q.options)


def test_pinning_answer_is_the_engine_utilisation():
    for seed in SEEDS:
        q = pinning_layout(seed, {})
        pcpus = int(re.search(r"with (\d+) pCPUs", q.prompt).group(1))
        pairs = re.findall(r"wants (\d+)% of a pCPU, pinned to pCPU (\d+)", q.prompt)
        used, _ = pinning_utilisation(pcpus, [int(a) / 100 for a, _ in pairs], [int(p) for _, p in pairs])
        assert q.value == round(100 * used, 1)
