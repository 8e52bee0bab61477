"""Quiz questions, their validation on load, and grading.

Questions come from two places: banks written by lecturers in ``lessons/<section>/quiz.toml``
and generators in :mod:`engine.quizgen` that compute the answer from the engine itself, so a
generated answer is right by construction. Both produce the same :class:`Question`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

from engine.core.lessons import LESSONS_DIR, LessonError, Reader, load_toml

Kind = Literal["single", "multiple", "numeric"]
KINDS: tuple[str, ...] = ("single", "multiple", "numeric")


@dataclass(frozen=True)
class Question:
    """One question. For choice questions ``answer`` holds the right option texts."""

    id: str
    section: str
    kind: Kind
    prompt: str
    explanation: str
    slide: str
    options: tuple[str, ...] = ()
    answer: tuple[str, ...] = ()
    value: float = 0.0
    tolerance: float = 0.0
    unit: str = ""
    generator: str = ""

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise LessonError(f"question {self.id!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class Grade:
    correct: bool
    message: str
    given: str


def validate(q: Question) -> list[str]:
    """Why a question is unusable; empty when it is fine."""
    problems: list[str] = []
    if q.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, not {q.kind!r}")
        return problems
    if not q.prompt.strip():
        problems.append("the prompt is empty")
    if q.kind in ("single", "multiple"):
        if len(q.options) < 2:
            problems.append("a choice question needs at least two options")
        if len(set(q.options)) != len(q.options):
            problems.append("two options have the same text")
        missing = [a for a in q.answer if a not in q.options]
        if missing:
            problems.append(f"answer {missing} is not one of the options")
        if q.kind == "single" and len(q.answer) != 1:
            problems.append("a single-choice question needs exactly one answer")
        if q.kind == "multiple" and not q.answer:
            problems.append("a multiple-choice question needs at least one right option")
    else:
        if not math.isfinite(q.value):
            problems.append("the numeric answer must be a finite number")
        if q.tolerance < 0 or not math.isfinite(q.tolerance):
            problems.append("the tolerance must be a finite number >= 0")
    return problems


def parse_number(text: str | float | int | None) -> float | None:
    """A number typed by a student (commas as decimal marks accepted); None if it is not one."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def grade(q: Question, response: str | float | Sequence[str] | None) -> Grade:
    """Grade one response with feedback that always explains the right answer."""
    if q.kind == "numeric":
        value = parse_number(response)  # type: ignore[arg-type]
        right = _format_number(q.value) + (f" {q.unit}" if q.unit else "")
        if value is None:
            return Grade(False, f"'{response}' is not a number. The answer is {right}. {q.explanation}", str(response))
        ok = abs(value - q.value) <= q.tolerance + 1e-9
        return Grade(ok, _feedback(ok, f"The answer is {right}", q), _format_number(value))
    if q.kind == "single":
        given = (response,) if isinstance(response, str) else tuple(response or ())
    else:
        given = tuple(response or ()) if not isinstance(response, str) else (response,)
    ok = set(given) == set(q.answer)
    right = " + ".join(q.answer)
    return Grade(ok, _feedback(ok, f"The right answer: {right}", q), " + ".join(given))


def _feedback(ok: bool, right: str, q: Question) -> str:
    head = "Correct." if ok else f"Not quite. {right}."
    return f"{head} {q.explanation}"


def _format_number(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------- loading banks

def _question(r: Reader, section: str) -> Question:
    kind = r.str("kind")
    if kind not in KINDS:
        r.fail(f"'kind' must be one of {', '.join(KINDS)}, found {kind!r}")
    common = dict(
        id=r.str("id"),
        section=section,
        kind=kind,
        prompt=r.str("prompt"),
        explanation=r.str("explanation"),
        slide=r.str("slide"),
    )
    try:
        if kind == "numeric":
            return Question(**common, value=r.number("answer"), tolerance=r.number("tolerance", 0.0), unit=r.str("unit", ""))
        answer = r.get("answer")
        answers = [answer] if isinstance(answer, str) else answer
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            r.fail("'answer' must be the text of the right option, or a list of texts")
        return Question(**common, options=tuple(r.str_list("options")), answer=tuple(a.strip() for a in answers))
    except LessonError as exc:
        raise LessonError(f"{r.where}: {exc}") from exc


def parse_bank(data: dict, origin: str) -> tuple[Question, ...]:
    root = Reader(data, origin)
    section = root.sub("quiz").str("section")
    questions = tuple(_question(r, section) for r in root.subs("question"))
    root.unique((q.id for q in questions), "question id")
    return questions


def load_bank(section: str, lessons_dir: Path = LESSONS_DIR) -> tuple[Question, ...]:
    path = lessons_dir / section / "quiz.toml"
    return parse_bank(load_toml(path), f"{section}/quiz.toml")


def score(results: Iterable[bool]) -> tuple[int, int]:
    """(right, answered)."""
    values = list(results)
    return sum(values), len(values)
