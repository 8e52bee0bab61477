"""Nested (two-dimensional) paging with EPT/NPT (lecture 2.3, "Memory Virtualization Extensions"; sources.toml: nested-walk).

With EPT the guest keeps its own page tables and the hardware walks both dimensions, so no VM exit is
needed for page-table work. The price shows on a TLB miss: every guest-physical address the guest walk
uses (guest CR3, each inner pointer, the final data address) must itself go through an m-level EPT
walk. The animation therefore lists every memory reference, in the order the hardware makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

from engine.fullvirt.paging import X86_64
from engine.core.trace import Trace, TraceBuilder
from engine.assisted.vmx import EPT_CONTROLS, SHADOW_CONTROLS, Vmcs, VmxError, exit_causes, parse_controls

MAX_LEVELS = 5  # sources.toml: x86-64-paging: 4-level paging and LA57's 5 levels; the same formats exist for EPT
SIMPLIFICATIONS = (
    "The worst case: no page-walk caches, no nested TLB and 4 KiB pages in both dimensions, so every reference "
    "goes to memory (those three are what reduces the cost in practice). Only the order and the number of references "
    "are modelled, not the addresses. Fewer than 4 levels use the lower x86-64 level names."
)


def _check(n: int, m: int) -> None:
    for name, value, what in (("n", n, "guest page-table levels"), ("m", m, "host (EPT) levels")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LEVELS:
            raise VmxError(f"{name} ({what}) must be a whole number from 1 to {MAX_LEVELS}, got {value!r}")


def references(n: int, m: int) -> int:
    """Worst-case references of a 2D walk: n·m + n + m = (n+1)(m+1) − 1 (sources.toml: nested-walk): 24 for 4 + 4."""
    _check(n, m)
    return (n + 1) * (m + 1) - 1


def level_names(levels: int) -> tuple[str, ...]:
    """x86-64 names of the levels, top first: 5 levels add PML5 above PML4 (LA57; sources.toml: x86-64-paging)."""
    return ("PML5",) + X86_64.level_names if levels == 5 else X86_64.level_names[-levels:]


@dataclass(frozen=True)
class Reference:
    """One memory reference of the 2D walk."""

    number: int  # 1-based position in the walk
    dimension: Literal["host", "guest"]
    label: str  # e.g. "host walk of gCR3 level 3", "gL2 entry read"
    translating: str  # the guest-physical address being translated (host) or read (guest): "gCR3", "gL4 entry", "gPA"
    level: int  # host level (m..1) for host references, guest level (n..1) for guest references


@dataclass(frozen=True)
class NestedState:
    """One frame: the references made so far (the last one is the current one)."""

    n: int
    m: int
    phase: Literal["start", "ref", "done"]
    made: tuple[Reference, ...]

    @property
    def current(self) -> Reference | None:
        return self.made[-1] if self.phase == "ref" else None


def walk_order(n: int, m: int) -> tuple[Reference, ...]:
    """All references in hardware order: for each guest level, an EPT walk of its pointer, then the guest read."""
    _check(n, m)
    refs: list[Reference] = []

    def host_walk(pointer: str) -> None:
        for level in range(m, 0, -1):
            refs.append(Reference(len(refs) + 1, "host", f"host walk of {pointer} level {level}", pointer, level))

    for level in range(n, 0, -1):
        host_walk("gCR3" if level == n else f"gL{level + 1} entry")
        refs.append(Reference(len(refs) + 1, "guest", f"gL{level} entry read", f"gL{level} entry", level))
    host_walk("gPA")
    return tuple(refs)


def nested_walk(n: int = 4, m: int = 4) -> Trace[NestedState]:
    """Animate a TLB miss under nested paging, reference by reference; (n+1)(m+1) − 1 reference frames."""
    order = walk_order(n, m)
    guest_names, host_names = level_names(n), level_names(m)
    tb: TraceBuilder[NestedState] = TraceBuilder(f"nested-walk-{n}x{m}", counters={
        "references": 0, "host_references": 0, "guest_references": 0})
    tb.add(NestedState(n, m, "start", ()), f"TLB miss: {n}-level guest table on {m}-level EPT",
           f"The guest's CR3 and every pointer in its tables are guest-physical addresses, so each of them, and the "
           f"final data address, must first be translated by an {m}-step EPT walk.", {"gcr3"})
    for index, ref in enumerate(order):
        tb.count("references")
        tb.count(f"{ref.dimension}_references")
        if ref.dimension == "host":
            what = {"gCR3": f"guest CR3 (the guest-physical address of its {guest_names[0]})",
                    "gPA": "the data's guest-physical address"}.get(
                ref.translating, f"the pointer in the {ref.translating} (the guest-physical address of the next guest table)")
            why = (f"Translate {what} through the EPT: read the EPT {host_names[m - ref.level]} entry (hL{ref.level})."
                   + (" The host-physical address is now known." if ref.level == 1 else ""))
            highlights = {f"host-{ref.translating}", f"hL{ref.level}"}
        else:
            nxt = "the data page's guest-physical address" if ref.level == 1 else f"the gL{ref.level - 1} table's guest-physical address"
            why = (f"Read the guest's {guest_names[n - ref.level]} entry (gL{ref.level}) at the host-physical address just "
                   f"found; it holds {nxt}.")
            highlights = {f"gL{ref.level}"}
        tb.add(NestedState(n, m, "ref", order[:index + 1]), f"Reference {ref.number}: {ref.label}", why, highlights)
    total = references(n, m)
    tb.add(NestedState(n, m, "done", order), f"{total} references",
           f"{n} guest reads + {n + 1} EPT walks × {m} = ({n}+1)({m}+1) − 1 = {total}, against {n} for a native walk: "
           "why page-walk caches, nested TLBs and large pages matter.", {"summary"})
    return tb.build()


# --------------------------------------------------------------------------- shadow paging vs EPT

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("cr3-write", "guest CR3 writes"), ("pte-write", "guest PTE writes"), ("hidden-fault", "hidden page faults"),
    ("true-fault", "true page faults reflected"), ("invlpg", "INVLPG"), ("ept-violation", "EPT violations"),
)


def shadow_vs_ept_exits(workload: str, shadow: Vmcs | None = None, ept: Vmcs | None = None) -> list[dict[str, object]]:
    """Rows (cause, shadow, ept) of VM exits for the same workload; the defaults are KVM's two set-ups."""
    shadow = shadow or parse_controls(SHADOW_CONTROLS)
    ept = ept or parse_controls(EPT_CONTROLS)
    if shadow.ept:
        raise VmxError("shadow: this VMCS enables EPT; shadow paging needs 'enable EPT' off")
    if not ept.ept:
        raise VmxError("ept: this VMCS does not enable EPT; set 'secondary: enable EPT'")
    counts: dict[str, Mapping[str, int]] = {"shadow": exit_causes(shadow, workload), "ept": exit_causes(ept, workload)}
    rows: list[dict[str, object]] = [{"cause": label, "shadow": counts["shadow"].get(key, 0), "ept": counts["ept"].get(key, 0)}
                                     for key, label in CATEGORIES]
    known = {key for key, _ in CATEGORIES}
    rows.append({"cause": "other exits", **{side: sum(v for k, v in c.items() if k not in known) for side, c in counts.items()}})
    rows.append({"cause": "total", **{side: sum(c.values()) for side, c in counts.items()}})
    return rows


__all__ = ["CATEGORIES", "MAX_LEVELS", "NestedState", "Reference", "SIMPLIFICATIONS", "level_names", "nested_walk",
           "references", "shadow_vs_ept_exits", "walk_order"]
