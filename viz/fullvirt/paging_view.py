"""Builders for the page-walk and TLB animations: the walk as a chain of tables, and table rows."""

from __future__ import annotations

import graphviz

from engine.fullvirt.page_format import FormatWalkState, Memory, PageFormat
from engine.core.trace import Trace
from engine.fullvirt.paging import MODES, WalkState, decode_entry, fmt_pa, fmt_va, size_name
from engine.fullvirt.tlb import TLBState
from viz import palette
from viz.dot import digraph, emphasis, html_escape

# One colour per level, so the index field and the table it selects match (Okabe–Ito).
LEVEL_COLOURS = (palette.SKY, palette.ORANGE, palette.GREEN, palette.PURPLE)


def _va_table(state: WalkState) -> str:
    mode = MODES[state.mode_id]
    cells = []
    for level, (bits, shift) in enumerate(zip(mode.index_bits, mode.shifts)):
        current = len(state.steps) == level + 1 and state.phase == "read"
        border = ' border="3"' if current else ""
        cells.append(f'<td bgcolor="{LEVEL_COLOURS[level]}"{border} cellpadding="6">{html_escape(mode.level_names[level])}<br/>'
                     f"<b>{state.split.fields[level]}</b><br/><font point-size=\"12\">bits {shift + bits - 1}:{shift}</font></td>")
    cells.append(f'<td bgcolor="{palette.PALE}" cellpadding="6">offset<br/><b>{state.split.offset:#x}</b><br/>'
                 f'<font point-size="12">bits {mode.offset_bits - 1}:0</font></td>')
    return f'<<table border="0" cellborder="1" cellspacing="0"><tr>{"".join(cells)}</tr></table>>'


def walk_graph(state: WalkState) -> graphviz.Digraph:
    """VA fields, CR3, one node per level (the entry read), then the frame and the physical address."""
    mode = MODES[state.mode_id]
    g = digraph(rankdir="LR", nodesep="0.3", ranksep="0.35")
    g.attr("node", fontsize="17")
    g.node("va", _va_table(state), shape="plaintext", style="")
    g.node("cr3", f"CR3\n{fmt_pa(mode, state.space.cr3)}", **emphasis(state.phase == "split", palette.PALE))
    previous = "cr3"
    read = {step.level: step for step in state.steps}
    last_level = max(read) if read else -1
    ended = state.phase in ("done", "fault") or any(step.leaf for step in state.steps)
    for level in range(mode.levels):
        step = read.get(level)
        name = mode.level_names[level]
        if step is None:
            if ended:
                break  # a large page or a fault ended the walk above this level
            g.node(f"l{level}", f"{name}\n(not read yet)", fillcolor=palette.WHITE, color="#BBBBBB", fontcolor="#888888", style="rounded,filled,dashed")
        else:
            pte = decode_entry(mode, step.written)
            failed = state.fault is not None and state.fault.level == level
            fill = palette.VERMILLION if failed else LEVEL_COLOURS[level]
            text = (f"{name} @ {fmt_pa(mode, step.table)}\n[{step.index}] = {step.written:#x}\n"
                    f"{pte.label() if step.value else 'empty'}")
            attrs = emphasis(level == last_level and state.phase == "read" or failed, fill)
            if failed:
                attrs["fontcolor"] = palette.WHITE
            g.node(f"l{level}", text, **attrs)
        g.edge(previous, f"l{level}")
        previous = f"l{level}"
    if state.phase == "done" and state.physical is not None:
        leaf = state.steps[-1]
        g.node("pa", f"Physical address\n{fmt_pa(mode, state.physical)}\n({size_name(mode.leaf_size(leaf.level))} page)",
               **emphasis(True, palette.GREEN), fontcolor=palette.WHITE)
        g.edge(previous, "pa", label=" + offset ")
    elif state.phase == "fault" and state.fault is not None:
        g.node("pf", "Page fault\n#PF, vector 14", **emphasis(True, palette.VERMILLION), fontcolor=palette.WHITE)
        g.edge(previous, "pf", color=palette.VERMILLION)
    return g


def walk_rows(state: WalkState) -> list[dict[str, str]]:
    mode = MODES[state.mode_id]
    return [{"Level": s.level_name, "Table at": fmt_pa(mode, s.table), "Index": str(s.index),
             "Entry address": fmt_pa(mode, s.address), "Entry before": f"{s.value:#x}", "After (A/D set)": f"{s.written:#x}",
             "Flags": decode_entry(mode, s.written).label() if s.value else "empty"} for s in state.steps]


def tlb_rows(state: TLBState, mode_id: str) -> list[dict[str, str]]:
    """The TLB's entries, the next victim first for LRU/FIFO, the just-used page marked."""
    mode = MODES[mode_id]
    used = state.va is not None and state.outcome in ("hit", "miss")
    rows = []
    for position, row in enumerate(state.rows):
        mark = "◀ used now" if used and row.page <= state.va < row.page + row.size else ""  # type: ignore[operator]
        victim = "next victim" if position == 0 and len(state.rows) == state.capacity and state.policy != "random" else ""
        rows.append({"Virtual page": fmt_pa(mode, row.page), "Size": size_name(row.size), "Frame": fmt_pa(mode, row.frame),
                     "": " · ".join(filter(None, (mark, victim)))})
    return rows


# --------------------------------------------------------------------------- the student's own format

def format_walk_graph(state: FormatWalkState, fmt: PageFormat, memory: Memory) -> graphviz.Digraph:
    """The student's format: VA fields, PDBR, one node per entry read, then the physical address and its byte."""
    g = digraph(rankdir="LR", nodesep="0.3", ranksep="0.35")
    g.attr("node", fontsize="17")
    cells = []
    for level, (bits, shift) in enumerate(zip(fmt.index_bits, fmt.shifts)):
        border = ' border="3"' if state.phase == "read" and len(state.reads) == level + 1 else ""
        cells.append(f'<td bgcolor="{LEVEL_COLOURS[level]}"{border} cellpadding="6">{html_escape(fmt.level_names[level])}<br/>'
                     f'<b>{state.fields[level]}</b><br/><font point-size="12">bits {shift + bits - 1}:{shift}</font></td>')
    cells.append(f'<td bgcolor="{palette.PALE}" cellpadding="6">offset<br/><b>{state.offset:#x}</b><br/>'
                 f'<font point-size="12">bits {fmt.offset_bits - 1}:0</font></td>')
    g.node("va", f'<<table border="0" cellborder="1" cellspacing="0"><tr>{"".join(cells)}</tr></table>>', shape="plaintext", style="")
    g.node("pdbr", f"PDBR\npage {memory.pdbr}", **emphasis(state.phase == "split", palette.PALE))
    g.body.append("{rank=same; va; l0}")  # the fields under the first table, not in a column of their own: 12% narrower
    previous = "pdbr"
    width = 2 + 2 * fmt.entry.size
    for level in range(fmt.levels):
        name = fmt.level_names[level]
        if level < len(state.reads):
            read = state.reads[level]
            failed = not read.valid
            fill = palette.VERMILLION if failed else LEVEL_COLOURS[level]
            verdict = "not valid" if failed else f"valid → page {read.pfn}"
            attrs = emphasis(level == len(state.reads) - 1 and state.phase == "read" or failed, fill)
            if failed:
                attrs["fontcolor"] = palette.WHITE
            g.node(f"l{level}", f"{name} (page {read.table_page})\n[{read.index}] @ {read.address:#x} = {read.value:#0{width}x}\n"
                   f"{verdict}", **attrs)
        elif state.phase in ("fault", "value"):
            break
        else:
            g.node(f"l{level}", f"{name}\n(not read yet)", fillcolor=palette.WHITE, color="#BBBBBB", fontcolor="#888888",
                   style="rounded,filled,dashed")
        g.edge(previous, f"l{level}")
        previous = f"l{level}"
    if state.phase == "value" and state.physical is not None:
        g.node("pa", f"Physical address {state.physical:#x}\nvalue {state.value:#04x}", **emphasis(True, palette.GREEN),
               fontcolor=palette.WHITE)
        g.edge(previous, "pa", label=" + offset ")
    elif state.phase == "fault":
        g.node("pf", "Fault", **emphasis(True, palette.VERMILLION), fontcolor=palette.WHITE)
        g.edge(previous, "pf", color=palette.VERMILLION)
    return g


def format_walk_rows(state: FormatWalkState, fmt: PageFormat) -> list[dict[str, str]]:
    """One row per memory reference so far: the entries, then the data byte."""
    names, width = fmt.entry_names, 2 + 2 * fmt.entry.size
    rows = [{"Reference": str(n + 1), "Reads": names[r.level], "Page": str(r.table_page), "Index": str(r.index),
             "Physical address": f"{r.address:#x}", "Value": f"{r.value:#0{width}x}",
             "Valid": "yes" if r.valid else "no", "Frame number": str(r.pfn) if r.valid else "–"}
            for n, r in enumerate(state.reads)]
    if state.phase == "value" and state.physical is not None and state.value is not None:
        rows.append({"Reference": str(len(state.reads) + 1), "Reads": "data byte", "Page": str(state.physical >> fmt.offset_bits),
                     "Index": str(state.offset), "Physical address": f"{state.physical:#x}", "Value": f"{state.value:#04x}",
                     "Valid": "", "Frame number": ""})
    return rows


def reference_rows(trace: Trace[TLBState], mode_id: str) -> list[dict[str, str]]:
    """A textbook replacement table: one row per reference with hit or miss, the victim and the TLB after it."""
    mode = MODES[mode_id]
    shift = mode.offset_bits
    after = "TLB after (next victim first)" if trace[0].state.policy in ("LRU", "FIFO") else "TLB after"
    rows = []
    for frame in trace:
        s = frame.state
        contents = "[" + ", ".join(str(r.page >> shift) for r in s.rows) + "]"
        if s.outcome == "switch":
            rows.append({"#": "", "Address": "", "Page": "", "Hit or miss": "context switch", "Evicted": "", after: contents})
        elif s.index is not None and s.va is not None:
            rows.append({"#": str(s.index + 1), "Address": fmt_va(mode, s.va), "Page": str(s.va >> shift),
                         "Hit or miss": {"hit": "hit", "miss": "miss", "fault": "miss (page fault)"}[s.outcome],
                         "Evicted": str(s.evicted.page >> shift) if s.evicted else "", after: contents})
    return rows
