"""A self-test: a fixed set of questions drawn with a seed, one attempt each, graded only at the end.

About a third of the set are generated variants (when the section has generators), the rest written questions;
the same (bank, seed, size) always gives the same set in the same order, so a lecturer can hand out a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from statistics import mean
from typing import Callable, Mapping, Sequence

from engine.core.quiz import Grade, Question

SIZES = (5, 10, 15)
TIME_LIMITS_MIN = (0, 10, 20, 30)  # 0: no limit


def draw(written: Sequence[Question], generators: Sequence[Callable[[int], Question]], n: int, seed: int) -> tuple[Question, ...]:
    """``n`` questions (fewer if the bank is smaller): written ones sampled without repetition, generated variants
    made with seeds derived from ``seed``. Raises ValueError for n < 1."""
    if n < 1:
        raise ValueError("a self-test needs at least one question")
    rng = random.Random(f"selftest/{seed}")
    k_generated = min(len(generators), n // 3) if generators else 0
    picked = rng.sample(list(written), min(len(written), n - k_generated))
    makers = rng.sample(list(generators), k_generated)
    picked += [make(rng.randrange(10**9)) for make in makers]
    rng.shuffle(picked)
    return tuple(picked)


@dataclass(frozen=True)
class ConceptResult:
    concept: str
    questions: int
    score: float  # mean of the questions' scores, 0..1


def by_concept(questions: Sequence[Question], grades: Mapping[str, Grade]) -> list[ConceptResult]:
    """Per concept (generated questions count under 'Generated practice'), the mean score, weakest first.
    An unanswered question scores 0: a self-test has one attempt and no second chance."""
    scores: dict[str, list[float]] = {}
    for q in questions:
        g = grades.get(q.id)
        scores.setdefault(q.concept or "Generated practice", []).append(g.score if g is not None and g.graded else 0.0)
    return sorted((ConceptResult(c, len(v), round(mean(v), 3)) for c, v in scores.items()), key=lambda r: (r.score, r.concept))
