"""Spaced review with Leitner boxes, and mastery per lecture concept, from a learner's quiz history.

Leitner's scheme (S. Leitner, "So lernt man lernen", 1972), in the common form with doubling intervals: a
question answered right on the first try moves up one box, a wrong first try sends it back to box 1, and a
question in box b is due again ``INTERVAL_DAYS[b - 1]`` days after its last round. Only the first try of each
round counts, as in the quiz scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import Iterable, Sequence

from engine.core.progress import Event, Record, replay

INTERVAL_DAYS: tuple[float, ...] = (1, 2, 4, 8, 16)
DAY = 86_400.0


@dataclass(frozen=True)
class Due:
    """A question's place in the boxes: its box (1..5), when it is due (epoch seconds) and its rounds so far."""

    question_id: str
    section: str
    box: int
    due: float
    rounds: int
    last_score: float


def boxes(events: Sequence[Event]) -> dict[str, Due]:
    """Every question the learner has met, with its Leitner box and when it is next due."""
    started: dict[tuple[str, int], float] = {}
    for e in events:
        started[(e.question_id, e.round)] = min(started.get((e.question_id, e.round), e.at), e.at)
    rounds: dict[str, list[Record]] = {}
    for (qid, _), record in sorted(replay(events).items(), key=lambda kv: kv[0][1]):
        if record.counts:
            rounds.setdefault(qid, []).append(record)
    out = {}
    for qid, records in rounds.items():
        box = 0
        for r in records:
            box = min(box + 1, len(INTERVAL_DAYS)) if r.first_score >= 1.0 else 1
        last = records[-1]
        due = started[(qid, last.round)] + INTERVAL_DAYS[box - 1] * DAY
        out[qid] = Due(qid, last.section, box, due, len(records), last.first_score)
    return out


def due_now(events: Sequence[Event], now: float, available: set[str]) -> list[Due]:
    """The questions due at ``now`` that can still be asked (``available`` ids), most overdue first."""
    return sorted((d for d in boxes(events).values() if d.due <= now and d.question_id in available),
                  key=lambda d: (d.due, d.question_id))


def next_round(events: Iterable[Event], question_id: str) -> int:
    """The round number a new review of this question gets."""
    return 1 + max((e.round for e in events if e.question_id == question_id), default=0)


@dataclass(frozen=True)
class Mastery:
    """One concept: how many of its written questions were answered and the mean latest first-try score."""

    section: str
    concept: str
    questions: int
    answered: int
    score: float

    @property
    def label(self) -> str:
        if not self.answered:
            return "not started"
        return "mastered" if self.score >= 0.8 and self.answered == self.questions else (
            "getting there" if self.score >= 0.5 else "revisit")


def mastery(events: Iterable[Event], concepts: Sequence[tuple[str, str, int]]) -> list[Mastery]:
    """Per (section, concept, number of written questions tagged with it): the latest round's first-try scores."""
    latest: dict[str, tuple[int, float, str]] = {}
    for (qid, rnd), record in replay(events).items():
        if record.counts and not record.generated and rnd >= latest.get(qid, (-1, 0.0, ""))[0]:
            latest[qid] = (rnd, record.first_score, record.concept)
    by_concept: dict[str, list[float]] = {}
    for _, score, concept in latest.values():
        by_concept.setdefault(concept, []).append(score)
    return [Mastery(section, concept, total, len(by_concept.get(concept, [])),
                    round(mean(by_concept[concept]), 3) if by_concept.get(concept) else 0.0)
            for section, concept, total in concepts]
