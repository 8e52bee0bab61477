"""The lecture tour (lessons/tour.toml): the ordered steps a lecturer walks through in presenter mode.

Each step opens one app page with the scenario and frame that tell part of the chapter's story. The file is
edited by hand, so every mistake is reported as "file, step, what is wrong". The loader knows no Streamlit and no
page: the UI passes in the titles of the app's pages.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from engine.core.lessons import LessonError, Reader, load_toml

MAX_TITLE = 60  # a step title shares one line of the presenter bar with the step counter
KEYS = ("title", "page", "params", "note", "section")
MAX_SECTION = 120  # a heading of the page
# Names the presenter mode and the learner key use in the address; a step's params must not set them.
RESERVED = ("presenter", "tour", "learner")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Step:
    """One stop of the tour: a page title, the URL query values that set its scenario and frame, a note to say, and
    optionally the heading of the page's section the step opens at (presenter mode scrolls it to the top)."""

    title: str
    page: str
    params: tuple[tuple[str, str], ...]
    note: str
    section: str = ""

    def query(self) -> dict[str, str]:
        return dict(self.params)


def _params(r: Reader) -> tuple[tuple[str, str], ...]:
    table: Mapping[str, Any] = r.table("params", default={})
    out = []
    for name, value in table.items():
        if not _NAME.match(name):
            r.fail(f"params: {name!r} is not a query name (lower-case letters, digits and '-')")
        if name in RESERVED:
            r.fail(f"params: {name!r} is set by presenter mode itself; leave it out")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            r.fail(f"params: {name} must be text or a whole number, found {value!r}")
        text = str(value).strip()
        if not text:
            r.fail(f"params: {name} must not be empty")
        out.append((name, text))
    return tuple(out)


def _step(r: Reader, pages: set[str]) -> Step:
    unknown = [k for k in r.data if k not in KEYS]
    if unknown:
        r.fail(f"unknown key {unknown[0]!r}; a step has {', '.join(KEYS)}")
    title = r.str("title")
    if len(title) > MAX_TITLE:
        r.fail(f"'title' is {len(title)} characters long; keep it to {MAX_TITLE} (it shares a line of the presenter bar)")
    page = r.str("page")
    if page not in pages:
        near = difflib.get_close_matches(page, sorted(pages), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f"; the pages are: {', '.join(sorted(pages))}"
        r.fail(f"page {page!r} is not a page of the app{hint}")
    section = ""
    if "section" in r.data:
        section = r.str("section")
        if len(section) > MAX_SECTION:
            r.fail(f"'section' is {len(section)} characters long; it names a heading of the page (at most {MAX_SECTION})")
    return Step(title, page, _params(r), r.str("note"), section)


def parse_tour(data: Any, where: str, pages: Iterable[str]) -> tuple[Step, ...]:
    """The steps of a parsed tour file; ``where`` names the file in messages, ``pages`` are the app's page titles."""
    root = Reader(data, where)
    items = root.get("step")
    if not isinstance(items, list) or not items:
        root.fail("the tour needs at least one [[step]]")
    known = set(pages)
    steps: list[Step] = []
    first: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        title = item.get("title") if isinstance(item, Mapping) else None
        label = f" ({title})" if isinstance(title, str) and title.strip() else ""
        r = Reader(item, f"{where} [[step]] #{n}{label}")
        step = _step(r, known)
        if step.title in first:
            r.fail(f"the title is already used by step #{first[step.title]}; titles name the steps, so each must differ")
        first[step.title] = n
        steps.append(step)
    return tuple(steps)


def load_tour(path: Path, pages: Iterable[str]) -> tuple[Step, ...]:
    """The tour of ``path``; raises :class:`LessonError` naming the file, the step and the problem."""
    return parse_tour(load_toml(path), path.name, pages)


__all__ = ["KEYS", "MAX_SECTION", "MAX_TITLE", "RESERVED", "LessonError", "Step", "load_tour", "parse_tour"]
