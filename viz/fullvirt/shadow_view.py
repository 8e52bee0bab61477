"""Builders for the shadow-page-table animation: guest table, VMM map and shadow table side by side."""

from __future__ import annotations

import graphviz

from engine.fullvirt.shadow import Entry, Op, ShadowState
from viz import palette
from viz.dot import digraph, html_escape

_OUTCOME_FILL = {"hit": palette.SKY, "hidden-fault": palette.ORANGE, "true-fault": palette.VERMILLION,
                 "pte-write": palette.YELLOW, "invlpg": palette.YELLOW}


def _rights(entry: Entry) -> str:
    return ("RW" if entry.writable else "R") + (" U" if entry.user else " S")


def _table(title: str, header: tuple[str, str], rows: list[tuple[str, str, bool]], colour: str) -> str:
    body = "".join(
        f'<tr><td bgcolor="{colour if hot else palette.WHITE}">{html_escape(a)}</td>'
        f'<td bgcolor="{colour if hot else palette.WHITE}">{html_escape(b)}</td></tr>'
        for a, b, hot in rows
    ) or f'<tr><td colspan="2"><i>empty</i></td></tr>'
    return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">'
            f'<tr><td colspan="2" bgcolor="{palette.PALE}"><b>{html_escape(title)}</b></td></tr>'
            f'<tr><td><i>{header[0]}</i></td><td><i>{header[1]}</i></td></tr>{body}</table>>')


def shadow_graph(state: ShadowState) -> graphviz.Digraph:
    """Guest table (GVA→GPA) ∘ VMM map (GPA→HPA) = shadow table (GVA→HPA); the current page's rows coloured."""
    g = digraph(rankdir="LR", nodesep="0.5")
    g.attr("node", shape="plaintext", style="", fontsize="16")
    colour = _OUTCOME_FILL.get(state.outcome, palette.SKY)
    process = state.active
    guest = state.guest_table(process) if process else {}
    shadow = state.shadow_table(process) if process else {}
    pmap = dict(state.pmap)
    tables = [guest] if process else [state.guest_table(name) for name, _ in state.guest]
    used_frames = sorted({e.frame for table in tables for e in table.values()})
    hot_frame = guest[state.page].frame if state.page in guest else None
    title = f"Guest page table of {process}" if process else "Guest page table (no process yet)"
    g.node("guest", _table(title, ("virtual page", "guest frame"),
                           [(f"{p:#04x}", f"{e.frame:#04x} {_rights(e)}", p == state.page) for p, e in sorted(guest.items())], colour))
    g.node("pmap", _table("VMM map (guest memory)", ("guest frame", "host frame"),
                          [(f"{f:#04x}", f"{pmap[f]:#04x}", f == hot_frame) for f in used_frames], colour))
    shadow_title = f"Shadow table of {process} (real CR3)" if process else "Shadow table"
    g.node("shadow", _table(shadow_title, ("virtual page", "host frame"),
                            [(f"{p:#04x}", f"{e.frame:#04x} {_rights(e)}", p == state.page) for p, e in sorted(shadow.items())], colour))
    g.edge("guest", "pmap", label=" ∘ ")
    g.edge("pmap", "shadow", label=" = ")
    who = "VMM (trap)" if state.runner == "VMM" else "guest (no trap)"
    g.attr(label=f"running: {who}", labelloc="t", fontsize="18",
           fontcolor=palette.VERMILLION if state.runner == "VMM" else palette.BLUE)
    return g


def op_listing(ops: tuple[Op, ...], current: int | None) -> str:
    return "\n".join(f"{'➜' if i == current else ' '} {i + 1:>2}  {op.label}" for i, op in enumerate(ops))
