"""Preset guest programs for the trap-and-emulate animation, from lessons/2.1/programs.toml.

Each preset is parsed against its ISA's catalogue and run on load, with the same checks the page applies
to a typed program (engine.virtualizability.trap_emulate.prepare), so a preset that names an instruction
the catalogue lacks, or pops what it never pushed, is reported as a lesson-file error, not at click time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.virtualizability.isa import ISA
from engine.core.lessons import Reader, load_toml
from engine.virtualizability.trap_emulate import ProgramError, prepare


@dataclass(frozen=True)
class Program:
    id: str
    isa: str
    name: str
    description: str
    code: str


def load_programs(path: Path, catalogue: dict[str, ISA]) -> tuple[Program, ...]:
    root = Reader(load_toml(path), path.name)
    programs = []
    for r in root.subs("program"):
        p = Program(r.str("id"), r.str("isa"), r.str("name"), r.str("description"), r.str("code"))
        if p.isa not in catalogue:
            r.fail(f"'isa' = {p.isa!r} is not one of {', '.join(catalogue)}")
        try:
            prepare(p.code, catalogue[p.isa])
        except ProgramError as exc:
            r.fail(f"the code cannot run on the page: {exc}")
        programs.append(p)
    root.unique((p.id for p in programs), "program id")
    return tuple(programs)
