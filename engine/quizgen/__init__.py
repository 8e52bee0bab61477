"""Seeded question generators: the engine computes every answer, so it is right by construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from engine.isa import ISA
from engine.quiz import Question


@dataclass(frozen=True)
class Generator:
    id: str
    section: str
    title: str
    make: Callable[[int, Mapping[str, ISA]], Question]


def registry() -> dict[str, Generator]:
    from engine.quizgen import assisted, full_virtualization, virtualizability

    return {g.id: g for g in (*virtualizability.GENERATORS, *full_virtualization.GENERATORS, *assisted.GENERATORS)}


def for_section(section: str) -> list[Generator]:
    return [g for g in registry().values() if g.section == section]
