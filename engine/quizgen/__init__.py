"""Seeded question generators: the engine computes every answer, so it is right by construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import urlencode

from engine.virtualizability.isa import ISA
from engine.core.quiz import Question


@dataclass(frozen=True)
class Generator:
    id: str
    section: str
    title: str
    make: Callable[[int, Mapping[str, ISA]], Question]


def simulator_link(url_path: str, **params: object) -> str:
    """The app-relative address that opens a page with ``params`` in its query ('/paging?mode=teaching&ex=3').

    Generated questions use it for "open this scenario in its simulator"; the page reads the same names
    (ui.query) and falls back with a visible notice on anything it does not know.
    """
    query = urlencode({k.replace("_", "-"): v for k, v in params.items()})
    return f"/{url_path}" + (f"?{query}" if query else "")


def registry() -> dict[str, Generator]:
    from engine.quizgen import assisted, cloud, full_virtualization, scheduling, virtualizability

    modules = (virtualizability, full_virtualization, assisted, scheduling, cloud)
    return {g.id: g for module in modules for g in module.GENERATORS}


def for_section(section: str) -> list[Generator]:
    return [g for g in registry().values() if g.section == section]
