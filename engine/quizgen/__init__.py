"""Seeded question generators: the engine computes every answer, so it is right by construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from engine.virtualizability.isa import ISA
from engine.core.quiz import Question


@dataclass(frozen=True)
class Generator:
    id: str
    section: str
    title: str
    make: Callable[[int, Mapping[str, ISA]], Question]


def registry() -> dict[str, Generator]:
    from engine.quizgen import assisted, cloud, full_virtualization, scheduling, virtualizability

    modules = (virtualizability, full_virtualization, assisted, scheduling, cloud)
    return {g.id: g for module in modules for g in module.GENERATORS}


def for_section(section: str) -> list[Generator]:
    return [g for g in registry().values() if g.section == section]
