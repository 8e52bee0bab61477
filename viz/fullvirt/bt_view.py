"""Rows for the binary-translation animation: guest vs translated code, the cache, the registers."""

from __future__ import annotations

import re

from engine.fullvirt.bt import BTState
from engine.core.trace import Trace
from engine.fullvirt.x86 import Insn, classification
from engine.virtualizability.isa import ISA

TABLE_MARK = {"ident": "innocuous", "privileged": "privileged: traps", "critical": "critical: VMM call",
              "control": "control transfer"}
KIND_MARK = {"ident": "copied (IDENT)", "privileged": "privileged: traps", "critical": "critical: replaced",
             "control": "control transfer: rewritten"}


def unit_rows(state: BTState) -> list[dict[str, str]]:
    """The current unit, one row per guest instruction, with the arrow at the program counter."""
    return [{"": "➜" if line.guest_address is not None and line.guest_address == state.pc else "",
             "Guest": line.guest, "Decision": KIND_MARK[line.kind], "Translated": line.translated, "Why": line.callout}
            for line in state.listing]


def cache_rows(state: BTState) -> list[dict[str, str]]:
    return [{"Unit at": f"{entry.start:#06x}", "Guest instructions": str(entry.guest_count),
             "Translated code": " ; ".join(line.translated for line in entry.lines),
             "": "◀ running" if entry.start == state.unit else ""}
            for entry in state.cache]


def register_line(state: BTState) -> str:
    r = state.registers
    regs = " ".join(f"{name.upper()}={getattr(r, name):#x}" for name in ("eax", "ebx", "ecx", "edx", "esp"))
    flags = " ".join(f"{name.upper()}={int(getattr(r, name))}" for name in ("zf", "sf", "cf"))
    return f"{regs}  {flags}  virtual IF={int(r.vif)}"


def cache_hit_rows(trace: Trace[BTState]) -> list[dict[str, float]]:
    """Translation-cache hit rate after each unit arrival (a hit or a miss), for a line chart."""
    rows, seen = [], 0
    for frame in trace:
        hits, misses = frame.counters.get("cache_hits", 0), frame.counters.get("cache_misses", 0)
        if hits + misses > seen:
            seen = hits + misses
            rows.append({"unit arrivals": seen, "hit rate": hits / seen})
    return rows


def first_sentence(text: str) -> str:
    """The first sentence, not cut at abbreviations such as 'SDM Vol. 1' or 'e.g. '."""
    found = re.search(r"(?<!Vol)(?<!e\.g)\.\s+(?=[A-Z])", text)
    return text[:found.start() + 1] if found else text


def classification_rows(program: tuple[Insn, ...], isa: ISA) -> list[dict[str, str]]:
    """Every instruction of the program with the translator's decision, whether it ends a unit, and why.

    The static view of the whole listing, shown whatever the run does (it may leave the listing early).
    """
    rows = []
    for insn in program:
        c = classification(insn, isa)
        decision = TABLE_MARK[c.kind] if c.kind != "ident" or c.listed else "not in the catalogue"
        rows.append({"Address": f"{insn.address:#06x}", "Instruction": insn.text, "Decision": decision,
                     "Ends unit": "yes" if c.transfer else "", "Why": first_sentence(c.why)})
    return rows
