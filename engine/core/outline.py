"""The chapter outline (sections, their concepts and the page that teaches each) from lessons/sections.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.core.lessons import Reader, load_toml

STATUSES = ("ready", "planned")


@dataclass(frozen=True)
class Concept:
    name: str
    page: str  # page title; empty while the section is planned


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    summary: str
    status: str
    concepts: tuple[Concept, ...]


def _section(r: Reader) -> Section:
    status = r.str("status")
    if status not in STATUSES:
        r.fail(f"'status' must be one of {', '.join(STATUSES)}, found {status!r}")
    concepts = tuple(Concept(c.str("name"), c.str("page", default="")) for c in r.subs("concept"))
    return Section(r.str("id"), r.str("title"), r.str("summary"), status, concepts)


def load_sections(path: Path) -> tuple[Section, ...]:
    root = Reader(load_toml(path), path.name)
    sections = tuple(_section(r) for r in root.subs("section"))
    root.unique((s.id for s in sections), "section id")
    return sections


@dataclass(frozen=True)
class LectureSection:
    """One section of the lecture chapter and the titles of its slides that VirtLab cites (lessons/lecture.toml)."""

    id: str
    title: str
    slides: tuple[str, ...]


def load_lecture(path: Path) -> tuple[LectureSection, ...]:
    """The lecture's sections with their cited slide titles, in lecture order.

    Kept in the repository so lesson texts and quiz questions can be checked against real slide titles
    without the lecture file itself. Raises :class:`LessonError` naming the entry for an empty or repeated title.
    """
    root = Reader(load_toml(path), path.name)
    sections = []
    for r in root.subs("section"):
        slides = tuple(r.str_list("slides"))
        if not slides or any(not s for s in slides):
            r.fail("'slides' must list at least one slide title, none of them empty")
        r.unique(slides, "slide title")
        sections.append(LectureSection(r.str("id"), r.str("title"), slides))
    root.unique((s.id for s in sections), "section id")
    return tuple(sections)
