"""Moodle XML: every question kind has a Moodle question type with the app's grading.

- single: ``multichoice`` with ``<single>true``; the right option 100 %, the others 0 % with their why-not.
- multiple: ``multichoice`` with ``<single>false``; right options +100/k %, wrong ones -100/k % (k right options), so
  Moodle's sum, floored at 0, is the app's (right - wrong) / k.
- numeric: ``numerical``, the value and every accepted value at 100 % with an absolute tolerance (a relative tolerance
  becomes ``|value| x rel``: Moodle's numerical type knows absolute tolerances only). The unit is written in the text.
- order: ``ordering`` (qtype_ordering, in Moodle's own source tree) with ABSOLUTE_POSITION grading: the share of items
  in their right place, as in the app.
- table: ``matching``: one sub-question per row, options no row needs as extra answers; Moodle grades the share of
  right rows, as the app does.

Feedback: the worked solution as general feedback, why-nots per option, the hint as Moodle's hint (shown before a
retry in interactive mode) and in the incorrect and partly correct feedback. Text is rendered from Markdown to HTML
and the XML is written by ElementTree, which escapes ``& < >`` and quotes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.core.lms import Entry
from engine.core.lms.text import (html, inline, multiple_fractions, name, number, percent, plain, prompt_markdown,
                                  solution_markdown, tolerance, wrong_feedback)
from engine.core.quiz import Question


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str = "", fmt: str = "html") -> ET.Element:
    answer = ET.SubElement(parent, "answer", {"fraction": fraction, "format": fmt})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", html(feedback) if feedback else "")
    return answer


def _common(q: Question, qtype: str, base_url: str) -> ET.Element:
    element = ET.Element("question", {"type": qtype})
    name_el = ET.SubElement(element, "name")
    ET.SubElement(name_el, "text").text = name(q)
    _text(element, "questiontext", html(prompt_markdown(q)))
    _text(element, "generalfeedback", html(solution_markdown(q, base_url)))
    ET.SubElement(element, "defaultgrade").text = "1"
    ET.SubElement(element, "penalty").text = "0"  # the app counts the first try; the LMS's own policy decides retries
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = q.id
    return element


def _combined(element: ET.Element, q: Question) -> None:
    hint = html(f"**Hint:** {q.hint}") if q.hint else ""
    _text(element, "correctfeedback", html("Correct."))
    _text(element, "partiallycorrectfeedback", html("Partly right.") + hint)
    _text(element, "incorrectfeedback", html("Not quite.") + hint)


def _hints(element: ET.Element, q: Question) -> None:
    if q.hint:
        _text(element, "hint", html(q.hint))


def question(q: Question, base_url: str = "") -> ET.Element:
    """One question as a Moodle XML <question> element."""
    if q.kind in ("single", "multiple"):
        element = _common(q, "multichoice", base_url)
        ET.SubElement(element, "single").text = "true" if q.kind == "single" else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "abc"
        _combined(element, q)
        fractions = ({o: (100.0 if o in q.answer else 0.0) for o in q.options} if q.kind == "single"
                     else multiple_fractions(q))
        for option in q.options:
            right = option in q.answer
            _answer(element, percent(fractions[option]), inline(option), "" if right else wrong_feedback(q, option))
        _hints(element, q)
    elif q.kind == "numeric":
        element = _common(q, "numerical", base_url)
        for target in (q.value, *q.accepted):
            answer = _answer(element, "100", number(target), "", fmt="moodle_auto_format")
            ET.SubElement(answer, "tolerance").text = number(tolerance(q, target))
        if q.hint:
            _answer(element, "0", "*", wrong_feedback(q), fmt="moodle_auto_format").append(_tol0())
        ET.SubElement(element, "unitgradingtype").text = "0"
        ET.SubElement(element, "showunits").text = "3"  # no unit input: the unit is in the question text
        _hints(element, q)
    elif q.kind == "order":
        element = _common(q, "ordering", base_url)  # sources.toml: lms-moodle-ordering
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "ABSOLUTE_POSITION"), ("showgrading", "SHOW"), ("numberingstyle", "none")):
            ET.SubElement(element, tag).text = value
        _combined(element, q)
        for position, item in enumerate(q.answer, 1):
            _answer(element, str(position), inline(item))
        _hints(element, q)
    else:
        element = _common(q, "matching", base_url)
        ET.SubElement(element, "shuffleanswers").text = "true"
        _combined(element, q)
        for row, cell in zip(q.rows, q.answer):
            sub = _text(element, "subquestion", inline(row))
            ET.SubElement(ET.SubElement(sub, "answer"), "text").text = plain(cell)
        for option in q.options:
            if option not in q.answer:  # an extra choice: a sub-question with empty text
                sub = _text(element, "subquestion", "")
                ET.SubElement(ET.SubElement(sub, "answer"), "text").text = plain(option)
        _hints(element, q)
    return element


def _tol0() -> ET.Element:
    element = ET.Element("tolerance")
    element.text = "0"
    return element


def write(entries: list[Entry], base_url: str = "") -> str:
    """The Moodle XML file of ``entries``: a category marker before each new category, then its questions."""
    root = ET.Element("quiz")
    category = None
    for entry in entries:
        if entry.category != category:
            category = entry.category
            marker = ET.SubElement(root, "question", {"type": "category"})
            ET.SubElement(ET.SubElement(marker, "category"), "text").text = f"$course$/top/{category}"
        root.append(question(entry.question, base_url))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
