"""DOT diagram of the IA-32 rings for one virtualization layout."""

from __future__ import annotations

import graphviz

from engine.virtualizability.rings import RingLayout
from viz import palette
from viz.dot import digraph, html_escape


def _fill(occupant: str) -> str:
    if occupant.startswith("VMM"):
        return palette.ORANGE
    if "kernel" in occupant:
        return palette.SKY
    return palette.PALE


def rings_graph(layout: RingLayout) -> graphviz.Digraph:
    """Rings 0-3 top to bottom with who runs in each; with VT-x, root and non-root side by side."""
    g = digraph(rankdir="LR", label=layout.name, labelloc="t")
    occupants = layout.occupants()
    if layout.cpu_mode:
        _column(g, "root", "VMX root mode", {0: ["VMM (root mode)"], 1: [], 2: [], 3: []})
        _column(g, "nonroot", "VMX non-root mode", {r: [o for o in names if not o.startswith("VMM")] for r, names in occupants.items()})
    else:
        _column(g, "rings", "One set of rings", occupants)
    return g


def _column(g: graphviz.Digraph, prefix: str, title: str, occupants: dict[int, list[str]]) -> None:
    with g.subgraph(name=f"cluster_{prefix}") as c:
        c.attr(label=title, style="rounded", color="#666666")
        previous = None
        for ring in range(4):
            names = occupants[ring]
            fill = _fill(names[0]) if names else palette.WHITE
            text = "<br/>".join(html_escape(n) for n in names) if names else "<i>unused</i>"
            c.node(f"{prefix}{ring}", f"<<b>Ring {ring}</b><br/>{text}>", fillcolor=fill, width="2.9", fontsize="18",
                   color="#666666" if names else "#BBBBBB", fontcolor=palette.BLACK if names else "#888888")
            if previous:
                c.edge(previous, f"{prefix}{ring}", style="invis")
            previous = f"{prefix}{ring}"
