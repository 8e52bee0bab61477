"""The texts every export format shares: a question's Markdown as HTML, its feedback, and Moodle's fractions.

Questions are written in Markdown (code blocks, inline code, emphasis). The LMS shows HTML, so the prompt,
options and feedback are rendered with markdown-it-py's CommonMark preset with raw HTML switched off: a ``<`` in a
question is shown as text, never interpreted.
"""

from __future__ import annotations

import html as html_mod
import re

from engine.core.markdown import html, inline  # noqa: F401  (the formats import both from here)
from engine.core.quiz import Question, right_answer

_TAG = re.compile(r"<[^>]+>")


def plain(markdown: str) -> str:
    """The text without Markdown marks (for names and for choices an LMS shows as plain text, e.g. drop-down lists)."""
    return html_mod.unescape(_TAG.sub("", inline(markdown))).strip()


def name(q: Question, limit: int = 60) -> str:
    """A question's name in the LMS bank: its id and the start of its prompt."""
    first = plain(q.prompt.split("\n")[0])
    return f"{q.id}: {first[:limit]}{'…' if len(first) > limit else ''}"


def prompt_markdown(q: Question) -> str:
    """The prompt, with what the app shows beside it that the LMS does not: the unit, how to order, how to fill in."""
    extra = ""
    if q.kind == "numeric" and q.unit:
        extra = f"\n\nAnswer in {q.unit}."
    elif q.kind == "order":
        extra = "\n\nFor each step, choose its place in the right order (1 = first)."
    elif q.kind == "table":
        extra = "\n\nChoose one answer in every row."
    return q.prompt + extra


def source_line(q: Question, base_url: str = "") -> str:
    """Where the question is taught, as Markdown; with ``base_url`` also the link to its scenario in VirtLab."""
    line = (f"Beyond the lecture: taught on the VirtLab page *{q.page}*." if q.beyond
            else f"Lecture slide: *{q.slide}*.")
    if q.link and base_url:
        line += f" [Open this scenario in VirtLab]({base_url.rstrip('/')}{q.link})"
    return line


def solution_markdown(q: Question, base_url: str = "") -> str:
    """The worked answer (as the app shows it after the last try) and the source line."""
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(q.solution, 1))
    parts = [f"**Answer:** {right_answer(q)}", q.explanation]
    if steps:
        parts.append("**Step by step**\n\n" + steps)
    parts.append(source_line(q, base_url))
    return "\n\n".join(p for p in parts if p.strip())


def wrong_feedback(q: Question, option: str = "") -> str:
    """Feedback on a wrong choice (Markdown): why that option is wrong, then the hint."""
    parts = [q.why_not_for(option) if option else "", f"**Hint:** {q.hint}" if q.hint else ""]
    return "\n\n".join(p for p in parts if p)


def multiple_fractions(q: Question) -> dict[str, float]:
    """Per option of a multiple-choice question its fraction in percent, so that the LMS's sum (floored at 0) is the
    app's score, (right chosen - wrong chosen) / right options: each right option +100/k, each wrong one -100/k."""
    share = 100.0 / len(q.answer)
    return {o: (share if o in q.answer else -share) for o in q.options}


def percent(value: float) -> str:
    """A fraction in percent as Moodle writes it: at most 5 decimals, no trailing zeros ('33.33333', '-50', '100')."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(value: float) -> str:
    """A number as every format reads it: plain digits, no thousands separator ('0.04', '1080', '1.5e-07')."""
    return repr(float(value)).removesuffix(".0") if abs(value) < 1e16 else repr(float(value))


def tolerance(q: Question, target: float) -> float:
    """The app's acceptance window around ``target`` as one absolute tolerance (LMS numeric types know only that)."""
    return max(q.tolerance, abs(target) * q.rel_tolerance)


def places(n: int) -> tuple[str, ...]:
    """The place labels an ordering question is matched against when a format has no ordering type."""
    return tuple(f"place {i}" for i in range(1, n + 1))
