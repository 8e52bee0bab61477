"""An IMS QTI 1.2 package (a zip with ``imsmanifest.xml`` and one assessment file per bank category).

Why 1.2 and not 2.1: Canvas imports "QTI .zip" packages in QTI 1.2 (its own quiz exports are QTI 1.2 with Canvas
metadata), while QTI 2.1 packages are not what its classic quiz importer reads; Blackboard and others read 1.2 too.
Each item carries Canvas's ``question_type`` and ``points_possible`` metadata beside the standard QTI.

- single: ``multiple_choice_question``, ``response_lid`` with one right label (SCORE set to 100).
- multiple: ``multiple_answers_question``; partial credit is expressed in standard QTI: every chosen right label adds
  100/k to SCORE and every chosen wrong label subtracts 100/k, with SCORE floored at 0 (``decvar minvalue``).
- numeric: ``numerical_question``, ``render_fib`` with ``fibtype="Decimal"``; a value is right when it lies in
  [value - tol, value + tol] for the value or an accepted one (absolute tolerance, as in Moodle).
- table: ``matching_question``: one ``response_lid`` per row over the same choices (all options, extra ones
  included), each right row adding 100/rows.
- order: no ordering type in Canvas's QTI 1.2 (classic quizzes), so a ``matching_question`` of every step against
  its place, graded per step in its right place as in the app.

Feedback: the worked solution as ``general_fb``, a why-not per wrong option, the hint in ``general_incorrect_fb``.
Schema: the QTI 1.2.1 XSD (``ims_qtiasiv1p2p1.xsd``) is not shipped by any package on the project's package
lists, so tests check the structure the XSD requires instead of validating against it.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from engine.core.lms import Entry
from engine.core.lms.text import (html, inline, multiple_fractions, name, number, places, plain, prompt_markdown,
                                  solution_markdown, tolerance, wrong_feedback)
from engine.core.quiz import Question

NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
# sources.toml: lms-canvas-qti
CANVAS_TYPE = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
               "numeric": "numerical_question", "order": "matching_question", "table": "matching_question"}


def ident(text: str) -> str:
    """An XML NCName from a question id ('gen-walk-3' stays, other characters become '_')."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else "i_" + cleaned


def _mattext(parent: ET.Element, html_text: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = html_text


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    meta = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _feedback(item: ET.Element, fid: str, html_text: str) -> None:
    fb = ET.SubElement(item, "itemfeedback", {"ident": fid})
    flow = ET.SubElement(fb, "flow_mat")
    _mattext(flow, html_text)


def _condition(proc: ET.Element, tests: list[tuple[str, str]], action: str, value: str, feedback: str = "",
               stop: bool = False) -> None:
    """A condition on chosen labels that sets or adds to SCORE and/or shows a feedback."""
    cond = ET.SubElement(proc, "respcondition", {"continue": "No" if stop else "Yes"})
    var = ET.SubElement(cond, "conditionvar")
    for respident, label in tests:
        ET.SubElement(var, "varequal", {"respident": respident}).text = label
    if value:
        ET.SubElement(cond, "setvar", {"action": action, "varname": "SCORE"}).text = value
    if feedback:
        ET.SubElement(cond, "displayfeedback", {"feedbacktype": "Response", "linkrefid": feedback})


def _always(proc: ET.Element, feedback: str) -> None:
    """A condition that always holds (<other/>): shows ``feedback`` whatever was answered."""
    cond = ET.SubElement(proc, "respcondition", {"continue": "Yes"})
    ET.SubElement(ET.SubElement(cond, "conditionvar"), "other")
    ET.SubElement(cond, "displayfeedback", {"feedbacktype": "Response", "linkrefid": feedback})


def _choices(lid: ET.Element, labels: list[tuple[str, str]], shuffle: bool = True) -> None:
    render = ET.SubElement(lid, "render_choice", {"shuffle": "Yes" if shuffle else "No"})
    for label_id, text in labels:
        label = ET.SubElement(render, "response_label", {"ident": label_id})
        _mattext(label, text)


def item(q: Question, base_url: str = "") -> ET.Element:
    """One question as a QTI 1.2 <item>."""
    element = ET.Element("item", {"ident": ident(q.id), "title": name(q)})
    meta = ET.SubElement(element, "itemmetadata")
    _meta(meta, {"question_type": CANVAS_TYPE[q.kind], "points_possible": "1.0", "original_answer_ids": "",
                 "assessment_question_identifierref": ident(q.id) + "_ref"})
    presentation = ET.SubElement(element, "presentation")
    _mattext(presentation, html(prompt_markdown(q)))
    proc = ET.SubElement(element, "resprocessing")
    outcomes = ET.SubElement(proc, "outcomes")
    ET.SubElement(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    _always(proc, "general_fb")
    feedbacks: list[tuple[str, str]] = []
    if q.kind in ("single", "multiple"):
        lid = ET.SubElement(presentation, "response_lid",
                            {"ident": "response1", "rcardinality": "Single" if q.kind == "single" else "Multiple"})
        ids = {o: f"{ident(q.id)}_o{n}" for n, o in enumerate(q.options, 1)}
        _choices(lid, [(ids[o], inline(o)) for o in q.options])
        for option in q.options:
            if option not in q.answer and wrong_feedback(q, option):
                feedbacks.append((ids[option] + "_fb", html(wrong_feedback(q, option))))
                _condition(proc, [("response1", ids[option])], "", "", ids[option] + "_fb")
        if q.kind == "single":
            (right,) = q.answer
            _condition(proc, [("response1", ids[right])], "Set", "100", "correct_fb", stop=True)
        else:
            for option, fraction in multiple_fractions(q).items():
                _condition(proc, [("response1", ids[option])], "Add", number(round(fraction, 5)))
    elif q.kind == "numeric":
        response = ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
        fib = ET.SubElement(response, "render_fib", {"fibtype": "Decimal"})
        ET.SubElement(fib, "response_label", {"ident": "answer1"})
        cond = ET.SubElement(proc, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(cond, "conditionvar"), "or")
        for target in (q.value, *q.accepted):
            tol = tolerance(q, target)
            ET.SubElement(either, "varequal", {"respident": "response1"}).text = number(target)
            both = ET.SubElement(either, "and")
            ET.SubElement(both, "vargte", {"respident": "response1"}).text = number(target - tol)
            ET.SubElement(both, "varlte", {"respident": "response1"}).text = number(target + tol)
        ET.SubElement(cond, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
        ET.SubElement(cond, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "correct_fb"})
    else:
        rows, cells, choices = ((q.answer, places(len(q.answer)), places(len(q.answer))) if q.kind == "order"
                                else (q.rows, q.answer, q.options))
        choice_ids = {c: f"{ident(q.id)}_c{n}" for n, c in enumerate(choices, 1)}
        share = number(round(100.0 / len(rows), 5))
        for n, (row, cell) in enumerate(zip(rows, cells), 1):
            lid = ET.SubElement(presentation, "response_lid", {"ident": f"response_r{n}"})
            _mattext(lid, inline(row))
            _choices(lid, [(choice_ids[c], plain(c)) for c in choices], shuffle=False)
            _condition(proc, [(f"response_r{n}", choice_ids[cell])], "Add", share)
    hint = wrong_feedback(q)
    if hint and q.kind in ("single", "numeric"):  # after the right answer's condition, which stops processing
        _always(proc, "general_incorrect_fb")
    general = solution_markdown(q, base_url)
    if hint and q.kind in ("order", "table"):  # no per-choice feedback in a matching question: the hint goes first
        general = hint + "\n\n" + general
    _feedback(element, "general_fb", html(general))
    _feedback(element, "correct_fb", html("Correct."))
    if hint and q.kind in ("single", "numeric"):
        _feedback(element, "general_incorrect_fb", html(hint))
    for fid, text in feedbacks:
        _feedback(element, fid, text)
    return element


def assessment(entries: list[Entry], title: str, base_url: str = "") -> str:
    """One QTI 1.2 assessment file (questestinterop) with one section of items."""
    root = ET.Element("questestinterop", {"xmlns": NS, "xmlns:xsi": XSI,
                                          "xsi:schemaLocation": f"{NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    test = ET.SubElement(root, "assessment", {"ident": ident(title), "title": title})
    _meta(test, {"cc_maxattempts": "1"})
    section = ET.SubElement(test, "section", {"ident": "root_section"})
    for entry in entries:
        section.append(item(entry.question, base_url))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _manifest(resources: list[tuple[str, str, str]]) -> str:
    root = ET.Element("manifest", {"identifier": "virtlab_export", "xmlns": CP})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    holder = ET.SubElement(root, "resources")
    for rid, href, _title in resources:
        resource = ET.SubElement(holder, "resource", {"identifier": rid, "type": "imsqti_xmlv1p2", "href": href})
        ET.SubElement(resource, "file", {"href": href})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def package(entries: list[Entry], title: str = "VirtLab", base_url: str = "") -> bytes:
    """The zip: one assessment per category (Canvas makes a quiz and a question bank of each) and the manifest."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.category, []).append(entry)
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (category, members) in enumerate(groups.items(), 1):
            rid = f"virtlab_{n:02d}"
            href = f"{rid}/{rid}.xml"
            label = f"{title}: {category.removeprefix('VirtLab/').replace('/', ' - ')}"
            archive.writestr(href, assessment(members, label, base_url))
            resources.append((rid, href, label))
        archive.writestr("imsmanifest.xml", _manifest(resources))
    return buffer.getvalue()
