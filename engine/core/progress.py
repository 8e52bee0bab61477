"""A student's quiz results: per-section scores and CSV/JSON export for the "My progress" page.

Results stay in the browser session (no accounts, no server storage); the export lets a
student keep or hand in their record.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Attempt:
    """The latest answer to one question (a retry replaces the earlier attempt)."""

    question_id: str
    section: str
    prompt: str
    given: str
    correct: bool
    generated: bool


@dataclass(frozen=True)
class SectionScore:
    section: str
    right: int
    answered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.answered if self.answered else 0.0


def record(attempts: dict[str, Attempt], attempt: Attempt) -> dict[str, Attempt]:
    """A new mapping with this attempt as the latest one for its question."""
    return {**attempts, attempt.question_id: attempt}


def scores(attempts: dict[str, Attempt], sections: list[str]) -> list[SectionScore]:
    out = []
    for section in sections:
        mine = [a for a in attempts.values() if a.section == section]
        out.append(SectionScore(section, sum(a.correct for a in mine), len(mine)))
    return out


FIELDS = ("question_id", "section", "prompt", "given", "correct", "generated")


def to_csv(attempts: dict[str, Attempt]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for attempt in sorted(attempts.values(), key=lambda a: (a.section, a.question_id)):
        writer.writerow(asdict(attempt))
    return buffer.getvalue()


def to_json(attempts: dict[str, Attempt], sections: list[str]) -> str:
    payload = {
        "sections": [{**asdict(s), "percent": round(s.percent, 1)} for s in scores(attempts, sections)],
        "attempts": [asdict(a) for a in sorted(attempts.values(), key=lambda a: (a.section, a.question_id))],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
