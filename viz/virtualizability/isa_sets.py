"""DOT diagram of an ISA's instruction sets as a 2×2 grid: privileged? × sensitive?

Theorem 1 is then a statement about one cell: sensitive ⊆ privileged holds exactly when the
"sensitive, not privileged" (critical) cell is empty. The grid makes that visible at a glance.
"""

from __future__ import annotations

import graphviz

from engine.virtualizability.isa import Instruction
from viz import palette
from viz.dot import digraph, html_escape

_PER_ROW = 3


def _names(names: list[str]) -> str:
    if not names:
        return "<i>none</i>"
    rows = [", ".join(html_escape(n) for n in names[i:i + _PER_ROW]) for i in range(0, len(names), _PER_ROW)]
    return "<br/>".join(rows)


def _cell(title: str, names: list[str], fill: str, font: str = palette.BLACK) -> str:
    return (f'<td bgcolor="{fill}" width="250" cellpadding="12"><font color="{font}"><b>{html_escape(title)}</b> ({len(names)})'
            f"<br/>{_names(names)}</font></td>")


def sets_graph(title: str, instructions: tuple[Instruction, ...], virtualizable: bool) -> graphviz.Digraph:
    groups: dict[str, list[str]] = {"critical": [], "privileged and sensitive": [], "privileged": [], "innocuous": []}
    for ins in instructions:
        groups[ins.category].append(ins.mnemonic)
    critical = groups["critical"]
    crit_fill, crit_font = (palette.VERMILLION, palette.WHITE) if critical else (palette.PALE, palette.GREEN)
    crit_title = "Critical: sensitive, NOT privileged" if critical else "Critical: none, condition holds ✓"
    verdict = "sensitive ⊆ privileged: virtualizable" if virtualizable else "sensitive ⊄ privileged: NOT virtualizable"
    head = f'<td bgcolor="{palette.WHITE}" cellpadding="8"><b>{{}}</b></td>'
    table = (
        '<<table border="0" cellborder="1" cellspacing="0" color="#666666">'
        f'<tr><td border="0"></td>{head.format("not sensitive")}{head.format("sensitive")}</tr>'
        f'<tr>{head.format("privileged<br/>(traps in user mode)")}'
        f'{_cell("Privileged only", groups["privileged"], palette.SKY)}'
        f'{_cell("Privileged and sensitive: trap, VMM emulates", groups["privileged and sensitive"], palette.BLUE, palette.WHITE)}</tr>'
        f'<tr>{head.format("not privileged<br/>(runs in user mode)")}'
        f'{_cell("Innocuous: runs directly", groups["innocuous"], palette.PALE)}'
        f'<td bgcolor="{crit_fill}" width="250" cellpadding="12" border="{3 if critical else 1}"><font color="{crit_font}">'
        f"<b>{html_escape(crit_title)} ({len(critical)})</b><br/>{_names(critical)}</font></td></tr>"
        "</table>>"
    )
    g = digraph()
    g.attr(label=f"{title}: {verdict}", labelloc="t", fontcolor=palette.GREEN if virtualizable else palette.VERMILLION, fontsize="18")
    g.node("sets", table, shape="plaintext", style="", fontsize="17")
    return g
