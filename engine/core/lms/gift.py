"""GIFT, Moodle's text import format: text marked up with ``{ } ~ = # :``, escaped everywhere else.

- single: ``{=right ~wrong#why-not}``; multiple: ``{~%50%right ~%-50%wrong#why-not}`` (weights +100/k and -100/k,
  Moodle floors the sum at 0 as the app does).
- numeric: ``{#=value:tolerance =accepted:tolerance ~#hint}`` (absolute tolerances, as in Moodle XML).
- table: a matching question, ``{=row -> choice ...}``. GIFT's matching has no extra choices, so options that no row
  needs are not offered (a student picks among the choices some row uses); the grading (share of right rows) is the
  app's.
- order: core GIFT has no ordering question, so it is a matching question too: every step is matched to its place
  (``step -> place 2``), graded per step in its right place, as in the app. (Moodle's ordering plugin has a GIFT
  extension of its own; this file keeps to the core grammar so that every Moodle imports it.)

Feedback: the worked solution as general feedback (``####``), why-nots and the hint as per-answer feedback (GIFT has
no hint field). Texts are HTML (``[html]``) rendered from the Markdown; Moodle's reserved characters
``\\ ~ = # { } :`` are escaped with a backslash and newlines written as ``\\n``, as Moodle's own GIFT export does.
Matching answers are plain text, so ``->`` in them is written as ``→``.
"""

from __future__ import annotations

from engine.core.lms import Entry
from engine.core.lms.text import (html, inline, multiple_fractions, name, number, percent, places, plain,
                                  prompt_markdown, solution_markdown, tolerance, wrong_feedback)
from engine.core.quiz import Question

RESERVED = "\\~=#{}:"  # sources.toml: lms-gift-format


def escape(text: str) -> str:
    """Text with GIFT's reserved characters escaped and newlines as ``\\n`` (one question stays one block)."""
    out = "".join("\\" + c if c in RESERVED else c for c in text.replace("\r", ""))
    return out.replace("\n", "\\n")


def _feedback(markdown: str) -> str:
    return f"#{escape(html(markdown))}" if markdown else ""


def _matching_answer(text: str) -> str:
    return escape(plain(text).replace("->", "→"))


def question(q: Question, base_url: str = "") -> str:
    """One question in GIFT (one line per answer, ended by a blank line when joined)."""
    head = f"::{escape(name(q))}::[html]{escape(html(prompt_markdown(q)))}"
    lines: list[str] = []
    if q.kind == "single":
        for option in q.options:
            mark = "=" if option in q.answer else "~"
            lines.append(f"{mark}{escape(inline(option))}" + ("" if option in q.answer else _feedback(wrong_feedback(q, option))))
    elif q.kind == "multiple":
        for option, fraction in multiple_fractions(q).items():
            right = option in q.answer
            lines.append(f"~%{percent(fraction)}%{escape(inline(option))}" + ("" if right else _feedback(wrong_feedback(q, option))))
    elif q.kind == "numeric":
        answers = [f"={number(t)}:{number(tolerance(q, t))}" for t in (q.value, *q.accepted)]
        lines.append("#" + " ".join(answers))
        if q.hint:
            lines.append("~" + _feedback(wrong_feedback(q)))
    elif q.kind == "order":
        for item, place in zip(q.answer, places(len(q.answer))):
            lines.append(f"={escape(inline(item))} -> {_matching_answer(place)}")
    else:
        for row, cell in zip(q.rows, q.answer):
            lines.append(f"={escape(inline(row))} -> {_matching_answer(cell)}")
    lines.append("####" + escape(html(solution_markdown(q, base_url))))
    comment = f"// [id:{q.id}]"
    return comment + "\n" + head + "{\n" + "\n".join("\t" + line for line in lines) + "\n}"


def write(entries: list[Entry], base_url: str = "") -> str:
    """The GIFT file of ``entries``: ``$CATEGORY:`` before each new category, a blank line between questions."""
    blocks: list[str] = []
    category = None
    for entry in entries:
        if entry.category != category:
            category = entry.category
            blocks.append(f"$CATEGORY: $course$/top/{category}")
        blocks.append(question(entry.question, base_url))
    return "\n\n".join(blocks) + "\n"
