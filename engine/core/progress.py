"""A student's quiz record: the attempt policy, per-section scores, and CSV/JSON export.

The policy is that of good auto-graded homework: the first graded attempt is what the score counts;
a wrong first attempt earns targeted feedback (why the chosen option is wrong, a hint) and one more try;
the full solution comes after the second try, after a right answer, or on request (which ends the
question). Empty or unreadable submissions are not attempts. Generated practice questions are kept
apart from the section score, which counts the written bank, with lecture and beyond-the-lecture
material reported separately.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, replace
from typing import Literal

from engine.core.quiz import Grade, Question

MAX_TRIES = 2
Stage = Literal["new", "retry", "done"]


@dataclass(frozen=True)
class Try:
    given: str
    score: float


@dataclass(frozen=True)
class Record:
    """Everything one student did with one question: the graded tries and whether the solution was asked for."""

    question_id: str
    section: str
    prompt: str
    generated: bool
    beyond: bool
    tries: tuple[Try, ...] = ()
    revealed: bool = False

    @property
    def first_score(self) -> float:
        """The score that counts: the first graded try's (0 when the solution was shown before any try)."""
        return self.tries[0].score if self.tries else 0.0

    @property
    def stage(self) -> Stage:
        if self.revealed or len(self.tries) >= MAX_TRIES or (self.tries and self.tries[-1].score >= 1.0):
            return "done"
        return "retry" if self.tries else "new"

    @property
    def counts(self) -> bool:
        """Whether the record enters a score: it has a try, or the solution was shown (which scores 0)."""
        return bool(self.tries) or self.revealed


def new_record(q: Question) -> Record:
    return Record(q.id, q.section, q.prompt.split("\n")[0][:120], bool(q.generator), q.beyond)


def submit(record: Record, grade: Grade) -> Record:
    """The record after a submission; an ungraded (empty, unreadable) one or one after the end changes nothing."""
    if not grade.graded or record.stage == "done":
        return record
    return replace(record, tries=record.tries + (Try(grade.given, grade.score),))


def reveal(record: Record) -> Record:
    """Show the solution: the question is done; if it had no try yet it scores 0."""
    return replace(record, revealed=True)


@dataclass(frozen=True)
class SectionScore:
    """Points (first tries, partial credit) out of questions answered, for one section and one kind of material."""

    section: str
    points: float
    answered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.answered if self.answered else 0.0


def scores(records: dict[str, Record], sections: list[str], *, beyond: bool = False,
           generated: bool = False) -> list[SectionScore]:
    """Per section, the written questions' first-try points (``generated=True``: the practice questions'),
    for lecture material (``beyond=False``) or material beyond the lecture (``beyond=True``)."""
    out = []
    for section in sections:
        mine = [r for r in records.values() if r.section == section and r.counts and r.generated == generated
                and (generated or r.beyond == beyond)]
        out.append(SectionScore(section, round(sum(r.first_score for r in mine), 3), len(mine)))
    return out


FIELDS = ("question_id", "section", "prompt", "first_answer", "first_score", "tries", "revealed", "generated", "beyond")


def _row(r: Record) -> dict[str, object]:
    return {"question_id": r.question_id, "section": r.section, "prompt": r.prompt,
            "first_answer": r.tries[0].given if r.tries else "", "first_score": r.first_score,
            "tries": len(r.tries), "revealed": r.revealed, "generated": r.generated, "beyond": r.beyond}


def to_csv(records: dict[str, Record]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for r in sorted(records.values(), key=lambda r: (r.section, r.question_id)):
        if r.counts:
            writer.writerow(_row(r))
    return buffer.getvalue()


def to_json(records: dict[str, Record], sections: list[str]) -> str:
    payload = {
        "sections": [{**asdict(s), "percent": round(s.percent, 1)} for s in scores(records, sections)],
        "beyond_the_lecture": [{**asdict(s), "percent": round(s.percent, 1)} for s in scores(records, sections, beyond=True)],
        "attempts": [{**_row(r), "all_tries": [asdict(t) for t in r.tries]}
                     for r in sorted(records.values(), key=lambda r: (r.section, r.question_id)) if r.counts],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
