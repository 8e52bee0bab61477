"""Small helpers shared by the DOT builders: one look for every graphviz diagram, and text that cannot break it."""

from __future__ import annotations

import re

import graphviz

from viz import palette

# Characters that DOT or its HTML-like labels (XML) cannot hold, or that reorder the text around them: C0 controls
# but tab and newline, DEL, C1 controls, zero-width and bidi controls, line/paragraph separators, a lone BOM.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode's control pictures: ␀ ␇ ␛ …
    return "\u2421" if code == 0x7F else "\ufffd"


def dot_safe(text: str) -> str:
    """``text`` with every character DOT cannot hold (or that would reorder the label) replaced by a visible one."""
    return _UNSAFE.sub(_shown, text)


class _SafeBody(list):
    """A Digraph's body (its DOT statements) that never holds a character DOT cannot take, whatever a label held.

    The one place where DOT labels are made safe: a name a student typed (an ISA designer instruction, a VM name,
    a program line) may hold a control or bidi character, which would break graphviz's parser (an HTML-like label
    is XML) and leave an empty diagram. graphviz.Digraph adds every node, edge, attribute and subgraph through
    ``body.append``/``+=``; the graph stays a plain graphviz.Digraph (st.graphviz_chart checks the type by name).
    Builders still escape the markup of their label kind (``html_escape``).
    """

    def append(self, line: str) -> None:
        super().append(dot_safe(line))

    def extend(self, lines) -> None:
        super().extend(dot_safe(line) for line in lines)

    def __iadd__(self, lines):
        self.extend(lines)
        return self

    def insert(self, index, line: str) -> None:
        super().insert(index, dot_safe(line))


def digraph(rankdir: str = "TB", **graph_attr: str) -> graphviz.Digraph:
    g = graphviz.Digraph()
    g.body = _SafeBody()
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
    """Text for an HTML-like label: markup characters as entities, unsafe characters made visible."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return dot_safe(text.replace("\\", "\\\\"))  # a backslash doubled: graphviz reads \N as the node's name
