"""Small helpers shared by the DOT builders: one look for every graphviz diagram."""

from __future__ import annotations

import graphviz

from viz import palette


def digraph(rankdir: str = "TB", **graph_attr: str) -> graphviz.Digraph:
    g = graphviz.Digraph()
    g.attr(**{"rankdir": rankdir, "bgcolor": "transparent", "fontname": palette.FONT, "fontsize": "16", "nodesep": "0.35",
              "ranksep": "0.45", **graph_attr})
    g.attr("node", shape="box", style="rounded,filled", fontname=palette.FONT, fontsize="15", penwidth="1.2", margin="0.2,0.1")
    g.attr("edge", fontname=palette.FONT, fontsize="13", penwidth="1.3")
    return g


def emphasis(active: bool, fill: str) -> dict[str, str]:
    """Node attributes: the active element gets a thick border and a bold label, not only a colour."""
    if active:
        return {"fillcolor": fill, "color": palette.ACTIVE, "penwidth": "4", "fontname": f"{palette.FONT} Bold"}
    return {"fillcolor": fill, "color": "#666666", "penwidth": "1.2"}


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
