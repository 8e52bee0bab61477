"""DOT diagram of an ISA's instruction sets: privileged vs sensitive, critical ones called out."""

from __future__ import annotations

import graphviz

from engine.isa import Instruction
from viz import palette
from viz.dot import digraph, html_escape

_BOXES = (
    ("critical", "Critical: sensitive, not privileged", palette.VERMILLION),
    ("privileged and sensitive", "Sensitive and privileged (trap)", palette.BLUE),
    ("privileged", "Privileged only", palette.SKY),
    ("innocuous", "Innocuous", palette.GREY),
)


def _cell(names: list[str], per_row: int = 4) -> str:
    if not names:
        return "<i>none</i>"
    rows = [", ".join(html_escape(n) for n in names[i:i + per_row]) for i in range(0, len(names), per_row)]
    return "<br/>".join(rows)


def sets_graph(title: str, instructions: tuple[Instruction, ...], virtualizable: bool) -> graphviz.Digraph:
    """Four boxes, one per category; 'sensitive ⊆ privileged' holds iff the critical box is empty."""
    g = digraph(rankdir="LR")
    groups: dict[str, list[str]] = {key: [] for key, _, _ in _BOXES}
    for ins in instructions:
        groups[ins.category].append(ins.mnemonic)
    with g.subgraph(name="cluster_sensitive") as sens:
        sens.attr(label="Sensitive instructions", style="rounded,bold", color=palette.VERMILLION, fontsize="15")
        for key in ("critical", "privileged and sensitive"):
            _box(sens, key, groups[key])
    with g.subgraph(name="cluster_priv") as priv:
        priv.attr(label="Privileged only", style="rounded,dashed", color=palette.BLUE, fontsize="15")
        _box(priv, "privileged", groups["privileged"])
    _box(g, "innocuous", groups["innocuous"])
    verdict = "sensitive ⊆ privileged: virtualizable" if virtualizable else "sensitive ⊄ privileged: NOT virtualizable"
    g.attr(label=f"{title}: {verdict}", labelloc="t", fontcolor=palette.GREEN if virtualizable else palette.VERMILLION)
    return g


def _box(g: graphviz.Digraph, key: str, names: list[str]) -> None:
    title, colour = next((t, c) for k, t, c in _BOXES if k == key)
    fill = colour if key != "innocuous" else palette.PALE
    font = palette.WHITE if key in ("critical", "privileged and sensitive") else palette.BLACK
    label = f"<<b>{html_escape(title)}</b> ({len(names)})<br/>{_cell(names)}>"
    g.node(key, label, fillcolor=fill, fontcolor=font, style="rounded,filled" + (",bold" if key == "critical" and names else ""))
