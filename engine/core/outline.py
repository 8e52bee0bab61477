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
