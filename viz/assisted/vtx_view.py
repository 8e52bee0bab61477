"""Builders for the VT-x pages: root/non-root co-routines, the nested walk grid, DMA regions."""

from __future__ import annotations

import graphviz

from engine.assisted.nested_paging import NestedState, level_names
from engine.assisted.vmx import DmaState, VmxState
from viz import palette
from viz.dot import digraph, emphasis, html_escape


def modes_graph(state: VmxState) -> graphviz.Digraph:
    """VMM in root mode and the guest in non-root mode as co-routines; the transition of this frame drawn."""
    g = digraph(rankdir="LR", nodesep="0.6")
    g.attr("node", fontsize="18", width="3.2", height="1.2")
    root, guest = state.mode == "root", state.mode == "non-root"
    g.node("vmm", "VMX root mode\nVMM (host state)", **emphasis(root, palette.ORANGE))
    g.node("guest", "VMX non-root mode\nguest OS + apps (ring 0 / 3)", **emphasis(guest, palette.SKY))
    info = state.vmcs.exit_info
    if state.phase == "exit" and info is not None:
        g.edge("guest", "vmm", label=f" VM exit: {info.reason} {html_escape(info.name)} ", color=palette.TRAP,
               fontcolor=palette.TRAP, penwidth="3.5")
    elif state.phase in ("launch", "entry"):
        g.edge("vmm", "guest", label=" VMRESUME " if state.launched and state.phase == "entry" else " VMLAUNCH ",
               color=palette.BLUE, fontcolor=palette.BLUE, penwidth="3.5")
    else:
        g.edge("vmm", "guest", style="invis")
    return g


def exit_rows(state: VmxState) -> list[dict[str, str]]:
    info = state.vmcs.exit_info
    if info is None:
        return []
    return [{"Field": "exit reason", "Value": f"{info.reason} ({info.name})"},
            {"Field": "exit qualification", "Value": info.qualification},
            {"Field": "guest-physical address", "Value": "—" if info.guest_physical is None else f"{info.guest_physical:#x}"}]


def nested_graph(state: NestedState) -> graphviz.Digraph:
    """(n+1) rows (gCR3, each guest entry, the data's gPA) × (m EPT levels + the guest read): one cell per reference."""
    n, m = state.n, state.m
    made = {(r.translating, r.dimension, r.level): r for r in state.made}
    current = state.current
    host_names, guest_names = level_names(m), level_names(n)
    rows_for = ["gCR3"] + [f"gL{level} entry" for level in range(n, 1, -1)] + ["gPA"]
    header = "".join(f'<td bgcolor="{palette.PALE}"><b>EPT {html_escape(host_names[m - level])}</b></td>' for level in range(m, 0, -1))
    html = [f'<tr><td bgcolor="{palette.PALE}"><b>translate</b></td>{header}<td bgcolor="{palette.PALE}"><b>guest read</b></td></tr>']
    for row, pointer in enumerate(rows_for):
        cells = [f'<td bgcolor="{palette.PALE}">{html_escape(pointer)}</td>']
        for level in range(m, 0, -1):
            ref = made.get((pointer, "host", level))
            cells.append(_ref_cell(ref, current, palette.ORANGE))
        guest_level = n - row
        if guest_level >= 1:
            ref = made.get((f"gL{guest_level} entry", "guest", guest_level))
            cells.append(_ref_cell(ref, current, palette.SKY, f"{guest_names[n - guest_level]}"))
        else:
            cells.append(f'<td bgcolor="{palette.GREEN if state.phase == "done" else palette.WHITE}">data</td>')
        html.append("<tr>" + "".join(cells) + "</tr>")
    g = digraph()
    g.node("grid", f'<<table border="0" cellborder="1" cellspacing="2" cellpadding="8">{"".join(html)}</table>>',
           shape="plaintext", style="", fontsize="16")
    return g


def _ref_cell(ref, current, colour: str, note: str = "") -> str:
    if ref is None:
        return f'<td bgcolor="{palette.WHITE}"><font color="#999999">{html_escape(note) or "·"}</font></td>'
    border = ' border="4" color="#000000"' if ref is current else ""
    return f'<td bgcolor="{colour}"{border}><b>{ref.number}</b></td>'


def dma_rows(state: DmaState) -> list[dict[str, str]]:
    return [{"Memory of": r.owner, "Host-physical range": f"{r.start:#x}–{r.end - 1:#x}", "Status": r.status,
             "": "◀ device owner" if r.owner == state.owner else ""} for r in state.regions]
