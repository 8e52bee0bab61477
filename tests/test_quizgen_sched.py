"""Quiz 2.4 generators: answers equal the scheduling engine's, deterministic per seed, valid questions."""

from __future__ import annotations

import re

from engine.sharing.credit import Candidate, pick_next
from engine.core.quiz import Question, grade
from engine.quizgen import for_section
from engine.quizgen.scheduling import GENERATORS, credit_next, long_run_share, pinning_layout
from engine.sharing import partition
from engine.sharing.sched import run
from engine.sharing.sched_metrics import fair_shares
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
    for seed in range(12):  # the Credit simulator, the scheduler the question names, reaches the quiz answer
        q = long_run_share(seed, {})
        pcpus = int(re.search(r"with (\d+) pCPU", q.prompt).group(1))
        vms = tuple(VM(n, v, weight=w, cap=c) for n, v, w, c in parse_vms(q.prompt))
        asked = re.search(r"\*\*(vm\d+)\*\*", q.prompt).group(1)
        share = run(Scenario(pcpus, vms, duration_ms=3000), "credit").metrics().vm(asked).share
        assert abs(share - q.value) <= 0.05, (seed, share, q.value)


def parse_queue(prompt: str) -> tuple[list[Candidate], bool]:
    """The runqueue (front first, then the parked vCPUs) and the boost switch, as a student reads them."""
    queue = []
    for name, rest in re.findall(r"\d\. (vm\d\.v0): ([^;]+?)(?=; \d\. |\. Not in|\. Which)", prompt):
        credit = int(re.search(r"credit (-?\d+)", rest).group(1))
        if rest.startswith("just woke"):
            queue.append(Candidate(name, credit, "", waking=True))
        else:
            queue.append(Candidate(name, credit, rest.split(",")[0]))
    for name, credit in re.findall(r"(vm\d\.v0), parked \(over its cap\), credit (-?\d+)", prompt):
        queue.append(Candidate(name, int(credit), "OVER", parked=True))
    return queue, "**on**" in prompt


def test_credit_next_answer_is_the_engine_pick():
    for seed in SEEDS:
        q = credit_next(seed, {})
        queue, boost = parse_queue(q.prompt)
        assert q.answer == (pick_next(queue, boost)[0],)
        assert sum(c.waking for c in queue) == 1 and len(queue) == len(q.options) >= 3
        assert sorted(c.name for c in queue) == sorted(q.options)


def plan_of(prompt: str) -> str:
    return re.search(r"```\n(.*?)\n```", prompt, re.S).group(1)


def test_pinning_answer_is_the_engine_utilisation():
    for seed in SEEDS:
        q = pinning_layout(seed, {})
        mode = re.search(r"The CPUs are \*\*(pinned|scheduled)\*\*", q.prompt).group(1)
        layout = partition.replay(partition.parse_plan(plan_of(q.prompt)), mode)[-1].state
        use = partition.utilisation(layout)
        share = use.wasted if "idle on pinned cores" in q.prompt else use.utilisation
        assert q.value == round(100 * share, 2)
