"""Export of quiz questions to learning-management systems, and class statistics for the lecturer.

One :class:`Entry` per question (with the question-bank category it goes into); writers per format:
:mod:`.moodle_xml` (Moodle XML), :mod:`.gift` (GIFT, which Moodle imports too) and :mod:`.qti` (an IMS QTI 1.2 package
as Canvas imports it). :mod:`.stats` aggregates answers from the store or from students' export files.
What each format cannot express is said in the writer's docstring and on the "For lecturers" page.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.quiz import Question

FORMATS = {"moodle": "Moodle XML", "gift": "GIFT (Moodle)", "qti": "QTI 1.2 package (Canvas)"}


@dataclass(frozen=True)
class Entry:
    """One exported question and the bank category it goes into, e.g. 'VirtLab/2.2 Full virtualization/Written'."""

    category: str
    question: Question


def export(entries: list[Entry], fmt: str, title: str = "VirtLab", base_url: str = "") -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of ``entries`` in format ``fmt`` (a key of :data:`FORMATS`)."""
    from engine.core.lms import gift, moodle_xml, qti

    if fmt == "moodle":
        return "virtlab-moodle.xml", moodle_xml.write(entries, base_url).encode("utf-8"), "application/xml"
    if fmt == "gift":
        return "virtlab-gift.txt", gift.write(entries, base_url).encode("utf-8"), "text/plain"
    if fmt == "qti":
        return "virtlab-qti.zip", qti.package(entries, title, base_url), "application/zip"
    raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
