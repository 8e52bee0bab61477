"""Quiz questions, their validation on load, reading answers, and grading with partial credit.

Questions come from two places: banks written by lecturers in ``lessons/<section>/quiz.toml``
and generators in :mod:`engine.quizgen` that compute the answer from the engine itself, so a
generated answer is right by construction. Both produce the same :class:`Question`.

Grading never reveals the answer by itself: :func:`grade` says how much of a response is right and
why a chosen distractor is wrong; :func:`solution` is the full worked answer, which the attempt policy
(:mod:`engine.core.attempts`) shows only after the second try or on request.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Sequence

from engine.core.lessons import LESSONS_DIR, LessonError, Reader, load_toml

Kind = Literal["single", "multiple", "numeric", "order", "table"]
KINDS: tuple[str, ...] = ("single", "multiple", "numeric", "order", "table")
Status = Literal["graded", "empty", "unreadable"]


@dataclass(frozen=True)
class Question:
    """One question.

    ``answer`` holds, by kind: the right option(s) for single/multiple; the items in their right order for
    ``order`` (shown shuffled); the right choice per row of ``rows`` for ``table`` (each cell picks one of
    ``options``). Numeric questions accept ``value`` within ``tolerance`` (absolute) or ``rel_tolerance``
    (a fraction of the value, e.g. 0.01 for 1 %), and any of ``accepted``. ``beyond`` marks material the
    lecture does not teach; such a question names the app ``page`` that does instead of a ``slide``.
    ``solution`` holds the worked steps; ``link`` a URL path with query that opens the same scenario in
    its simulator page.
    """

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
    rel_tolerance: float = 0.0
    accepted: tuple[float, ...] = ()
    rows: tuple[str, ...] = ()
    hint: str = ""
    why_not: tuple[tuple[str, str], ...] = ()
    beyond: bool = False
    page: str = ""
    solution: tuple[str, ...] = ()
    link: str = ""
    concept: str = ""

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise LessonError(f"question {self.id!r}: " + "; ".join(problems))

    @property
    def choices(self) -> tuple[str, ...]:
        """What the student picks from: the options, or for an ordering question its items."""
        return self.answer if self.kind == "order" else self.options

    def why_not_for(self, option: str) -> str:
        return next((why for o, why in self.why_not if o == option), "")


@dataclass(frozen=True)
class Grade:
    """How a response scored. ``score`` is 0..1 (partial credit); an empty or unreadable response is not graded."""

    status: Status
    score: float
    message: str
    given: str
    wrong: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.status == "graded" and self.score >= 1.0 - 1e-9

    @property
    def graded(self) -> bool:
        return self.status == "graded"


def validate(q: Question) -> list[str]:
    """Why a question is unusable; empty when it is fine."""
    problems: list[str] = []
    if q.kind not in KINDS:
        return [f"kind must be one of {', '.join(KINDS)}, not {q.kind!r}"]
    if not q.prompt.strip():
        problems.append("the prompt is empty")
    if q.beyond and not q.page:
        problems.append("a question beyond the lecture must name the app page that teaches it ('page')")
    if not q.beyond and not q.slide:
        problems.append("a lecture question must name its lecture slide ('slide')")
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
    elif q.kind == "order":
        if len(q.answer) < 3 or len(set(q.answer)) != len(q.answer):
            problems.append("an ordering question needs at least three different items ('items', in the right order)")
    elif q.kind == "table":
        if len(q.rows) < 2 or len(set(q.rows)) != len(q.rows):
            problems.append("a table question needs at least two different rows")
        if len(q.options) < 2 or len(set(q.options)) != len(q.options):
            problems.append("a table question needs at least two different choices per cell ('options')")
        if len(q.answer) != len(q.rows):
            problems.append(f"a table question needs one right choice per row: {len(q.rows)} rows, {len(q.answer)} answers")
        missing = [a for a in q.answer if a not in q.options]
        if missing:
            problems.append(f"cell answer {missing} is not one of the options")
    else:
        values = (q.value, *q.accepted)
        if not all(math.isfinite(v) for v in values):
            problems.append("the numeric answer must be a finite number")
        for name, tol in (("tolerance", q.tolerance), ("rel_tolerance", q.rel_tolerance)):
            if tol < 0 or not math.isfinite(tol):
                problems.append(f"the {name} must be a finite number >= 0")
    unknown = [o for o, _ in q.why_not if o not in q.options]
    if unknown:
        problems.append(f"why_not names {unknown}, which are not options")
    if any(o in q.answer for o, _ in q.why_not if q.kind in ("single", "multiple")):
        problems.append("why_not explains a right option")
    return problems


# --------------------------------------------------------------------------- reading numbers

_CURRENCY = re.compile(r"^(?:USD|US\$|\$|€|£)|(?:USD|\$|€|£)$", re.IGNORECASE)
_SCI = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
_TIMES_TEN = re.compile(r"^([+-]?[\d.]+)\s*[x×*·]\s*10\^?([+-]?\d+)$")


@dataclass(frozen=True)
class Reading:
    """A number read from a student's text; ``percent`` when it was written with a % sign (value is as typed)."""

    value: float
    percent: bool = False


def _plain(text: str) -> float | None:
    """Digits with at most thousands separators and one decimal mark: '1,080' = 1080, '16,6' = 16.6, '1.234,5'."""
    text = text.replace("\u2212", "-").replace("'", "").replace("_", "")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        groups = text.lstrip("+-").split(",")
        thousands = len(groups) > 1 and all(len(g) == 3 and g.isdigit() for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        text = text.replace(",", "") if thousands else (text.replace(",", ".") if len(groups) == 2 else text)
    if _SCI.match(text):
        return float(text)
    m = _TIMES_TEN.match(text)
    if m:
        return float(m.group(1)) * 10.0 ** int(m.group(2))
    return None


def read_number(text: str | float | int | None) -> Reading | None:
    """A number typed by a student, or None if it cannot be read.

    Accepts thousands separators ('1,080', '1 080'), a decimal comma ('16,6'), a sign, a percent sign
    ('40%'), a currency sign or code ('$0.04', '0.04 USD'), fractions ('2/3'), scientific notation
    ('1.5e3', '1.5×10^3'). Spaces inside the number are ignored.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return Reading(float(text)) if math.isfinite(text) else None
    cleaned = text.strip().replace("\u00a0", " ")
    if len(cleaned) > 60:
        return None
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%").strip()
    cleaned = _CURRENCY.sub("", cleaned).strip()
    cleaned = re.sub(r"(?<=\d) (?=\d)", "", cleaned).replace(" ", "")
    if not cleaned:
        return None
    if cleaned.count("/") == 1:
        num, den = (_plain(part) for part in cleaned.split("/"))
        if num is None or den is None or den == 0:
            return None
        value: float | None = float(Fraction(num).limit_denominator(10**9) / Fraction(den).limit_denominator(10**9))
    else:
        value = _plain(cleaned)
    if value is None or not math.isfinite(value):
        return None
    return Reading(value, percent)


def parse_number(text: str | float | int | None) -> float | None:
    """The value of :func:`read_number` as typed (a percent sign is dropped: '40%' is 40); None if unreadable."""
    reading = read_number(text)
    return reading.value if reading else None


def _numeric_ok(q: Question, value: float) -> bool:
    for target in (q.value, *q.accepted):
        if abs(value - target) <= max(q.tolerance, abs(target) * q.rel_tolerance) + 1e-9:
            return True
    return False


# --------------------------------------------------------------------------- grading

def _fmt(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 10_000 else f"{value:.10g}"


def right_answer(q: Question) -> str:
    """The right answer in words, for the solution."""
    if q.kind == "numeric":
        return _fmt(q.value) + (f" {q.unit}" if q.unit else "")
    if q.kind == "order":
        return " → ".join(q.answer)
    if q.kind == "table":
        return "; ".join(f"{row}: {cell}" for row, cell in zip(q.rows, q.answer))
    return " + ".join(q.answer)


def solution(q: Question) -> str:
    """The full worked answer: the right answer, the explanation, and the steps when there are any."""
    steps = "".join(f"\n{n}. {step}" for n, step in enumerate(q.solution, 1))
    return f"**Answer:** {right_answer(q)}\n\n{q.explanation}" + (f"\n\n**Step by step**\n{steps}" if steps else "")


def grade(q: Question, response: str | float | Sequence[str] | None) -> Grade:
    """Grade one response.

    Responses by kind: single, the chosen option text; multiple, the chosen option texts; numeric, the typed
    text; order, the items in the student's order; table, the chosen option per row ('' or None for a blank
    cell). Nothing chosen or typed gives status 'empty', numeric text that cannot be read 'unreadable';
    neither is a grade. Multiple choice scores (right chosen - wrong chosen) / right options, floored at 0;
    ordering the share of items in their right place; a table the share of right cells.
    """
    if q.kind == "numeric":
        return _grade_numeric(q, response)
    if q.kind == "table":
        cells = [c if isinstance(c, str) else "" for c in (response or ())] if not isinstance(response, str) else []
        if not any(cells):
            return Grade("empty", 0.0, "Choose an answer in at least one row first.", "")
        cells = (cells + [""] * len(q.rows))[: len(q.rows)]
        right = sum(c == a for c, a in zip(cells, q.answer))
        score = right / len(q.rows)
        return Grade("graded", score, f"{right} of {len(q.rows)} cells right.", "; ".join(c or "—" for c in cells))
    if q.kind == "order":
        given = [g for g in response if isinstance(g, str) and g] if response is not None and not isinstance(response, str) else []
        if len(given) < len(q.answer):
            return Grade("empty", 0.0, "Put a step in every place first.", " → ".join(given))
        if sorted(given) != sorted(q.answer):
            return Grade("empty", 0.0, "Use each step exactly once.", " → ".join(given))
        right = sum(g == a for g, a in zip(given, q.answer))
        return Grade("graded", right / len(q.answer), f"{right} of {len(q.answer)} steps in the right place.",
                     " → ".join(given))
    chosen = ((response,) if isinstance(response, str) else tuple(response or ()))
    chosen = tuple(c for c in chosen if c)
    if not chosen:
        return Grade("empty", 0.0, "Choose an answer first.", "")
    wrong = tuple(c for c in chosen if c not in q.answer)
    if q.kind == "single":
        score = 0.0 if wrong else 1.0
    else:
        score = max(0.0, (len(chosen) - len(wrong) - len(wrong)) / len(q.answer))
    if score >= 1.0:
        message = "Correct."
    elif q.kind == "multiple":
        missed = len(q.answer) - (len(chosen) - len(wrong))
        message = f"Partly right: {len(wrong)} wrong choice(s), {missed} right option(s) missed." if score > 0 else "Not quite."
    else:
        message = "Not quite."
    reasons = [f"*{w}*: {q.why_not_for(w)}" for w in wrong if q.why_not_for(w)]
    if reasons:
        message += "\n\n" + "\n\n".join(reasons)
    return Grade("graded", score, message, " + ".join(chosen), wrong)


def _grade_numeric(q: Question, response: object) -> Grade:
    text = "" if response is None else str(response).strip()
    if not text:
        return Grade("empty", 0.0, "Type a number first.", "")
    reading = read_number(response)  # type: ignore[arg-type]
    if reading is None:
        shown = text[:40] + ("…" if len(text) > 40 else "")
        return Grade("unreadable", 0.0, f"'{shown}' cannot be read as a number. Write for example 40, 0.4, 40%, "
                     "$0.04, 1,080, 2/3 or 1.5e3.", shown)
    candidates = [reading.value]
    if reading.percent and q.unit != "%":
        candidates = [reading.value / 100]
    elif not reading.percent and q.unit == "%" and abs(reading.value) <= 1:
        candidates.append(reading.value * 100)  # 0.4 for 40 %
    ok = any(_numeric_ok(q, v) for v in candidates)
    return Grade("graded", 1.0 if ok else 0.0, "Correct." if ok else "Not quite.", text[:40])


# --------------------------------------------------------------------------- display order

def display_order(q: Question, seed: int, attempt: int = 0) -> tuple[str, ...]:
    """The choices in the order one learner sees them on one attempt: shuffled, reproducible for a seed.

    The same (seed, question, attempt) always gives the same order, so links and tests are deterministic;
    different learners (seeds) see the right answer in different places. An ordering question is never
    shown in its right order.
    """
    items = list(q.choices)
    rng = random.Random(f"{seed}/{q.id}/{attempt}")
    rng.shuffle(items)
    if q.kind == "order" and tuple(items) == q.answer:
        items = items[1:] + items[:1]
    return tuple(items)


# --------------------------------------------------------------------------- loading banks

def _why_not(r: Reader) -> tuple[tuple[str, str], ...]:
    table = r.get("why_not", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        r.fail("'why_not' must be a table of option text = \"why it is wrong\"")
    return tuple((k.strip(), v.strip()) for k, v in table.items())


def _question(r: Reader, section: str) -> Question:
    kind = r.str("kind")
    if kind not in KINDS:
        r.fail(f"'kind' must be one of {', '.join(KINDS)}, found {kind!r}")
    beyond = r.bool("beyond", False)
    common = dict(
        id=r.str("id"),
        section=section,
        kind=kind,
        prompt=r.str("prompt"),
        explanation=r.str("explanation"),
        slide=r.str("slide", default="") if beyond else r.str("slide"),
        hint=r.str("hint", default=""),
        beyond=beyond,
        page=r.str("page", default=""),
        solution=tuple(r.str_list("solution", default=[])),
        concept=r.str("concept", default=""),
    )
    try:
        if kind == "numeric":
            accepted = r.get("accepted", [])
            if not isinstance(accepted, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in accepted):
                r.fail("'accepted' must be a list of numbers")
            return Question(**common, value=r.number("answer"), tolerance=r.number("tolerance", 0.0),
                            rel_tolerance=r.number("rel_tolerance", 0.0), accepted=tuple(float(v) for v in accepted),
                            unit=r.str("unit", ""))
        if kind == "order":
            return Question(**common, answer=tuple(r.str_list("items")))
        if kind == "table":
            return Question(**common, rows=tuple(r.str_list("rows")), options=tuple(r.str_list("options")),
                            answer=tuple(r.str_list("answer")))
        answer = r.get("answer")
        answers = [answer] if isinstance(answer, str) else answer
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            r.fail("'answer' must be the text of the right option, or a list of texts")
        return Question(**common, options=tuple(r.str_list("options")), answer=tuple(a.strip() for a in answers),
                        why_not=_why_not(r))
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

