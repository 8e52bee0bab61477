"""DOT diagrams for section 2.5: the map of regions and zones, and a transfer route crossing boundaries."""

from __future__ import annotations

import graphviz

from engine.ec2.regions import Geography, layout
from engine.ec2.transfer import INTERNET, RouteState
from viz import dot, palette

REGION_FILL = palette.PALE
AZ_FILL = palette.SKY
PICKED_FILL = palette.ORANGE


def region_map(geo: Geography, picked: frozenset[str] = frozenset()) -> graphviz.Graph:
    """Regions at (spread-out) map positions with their AZs around them; neato keeps the pinned positions.

    ``picked`` names AZs (the calculator's ends) drawn filled orange with a thick border.
    """
    g = graphviz.Graph()
    g.attr(layout="neato", bgcolor="transparent", outputorder="edgesfirst", pad="0.2")
    g.attr("node", fontname=palette.FONT, style="filled")
    g.attr("edge", color="#888888", penwidth="1.2")
    pos = layout(geo)
    for r in geo.regions:
        x, y = pos[r.id]
        lx, ly = pos[f"{r.id}:label"]
        active = any(az in picked for az in r.azs)
        g.node(r.id, "", pos=f"{x:.2f},{y:.2f}!", shape="circle", width="0.12", fixedsize="true",
               **dot.emphasis(active, palette.GREY))
        g.node(f"{r.id}:label", f"{r.place}\n{r.id}", pos=f"{lx:.2f},{ly:.2f}!", shape="box", fontsize="22",
               style="rounded,filled", margin="0.08,0.03", **dot.emphasis(active, REGION_FILL))
        for az in r.azs:
            ax, ay = pos[az]
            chosen = az in picked
            g.node(az, az.removeprefix(r.id), pos=f"{ax:.2f},{ay:.2f}!", shape="circle", width="0.5", fixedsize="true",
                   fontsize="20", **dot.emphasis(chosen, PICKED_FILL if chosen else AZ_FILL))
            g.edge(r.id, az)
    return g


def route_graph(state: RouteState) -> graphviz.Digraph:
    """Nested boxes (region ⊃ AZ ⊃ instance) and the route through them; the data's current place is bold."""
    g = dot.digraph("LR", nodesep="0.5", ranksep="0.7", compound="true")
    here = state.waypoints[state.reached].id
    passed = {w.id for w in state.waypoints[: state.reached + 1]}
    clusters: dict[str | None, dict[str | None, list]] = {}
    for w in state.waypoints:
        clusters.setdefault(w.region, {}).setdefault(w.az, []).append(w)
    for region, zones in clusters.items():
        target = g if region is None else graphviz.Digraph(name=f"cluster_{region}")
        if region is not None:
            target.attr(label=f"region {region}", style="rounded,dashed", color="#555555", fontsize="16", penwidth="2")
        for az, points in zones.items():
            inner = target if az is None else graphviz.Digraph(name=f"cluster_{az}")
            if az is not None:
                inner.attr(label=f"AZ {az}", style="rounded", color=palette.BLUE, fontsize="15", penwidth="2")
            for w in points:
                label = ("🌐 the internet" if w.id == INTERNET else w.label) + ("\n📦 data here" if w.id == here else "")
                gate = w.id.endswith(("-out", "-in"))
                fill = palette.ORANGE if w.id == here else (palette.SKY if w.id in passed else palette.WHITE)
                inner.node(w.id, label.replace("edge of ", "edge of\n"), shape="ellipse" if w.id == INTERNET else "box",
                           fontsize="13" if gate and w.id != here else "15", **dot.emphasis(w.id == here, fill))
            if inner is not target:
                target.subgraph(inner)
        if target is not g:
            g.subgraph(target)
    for a, b in zip(state.waypoints, state.waypoints[1:]):
        done = b.id in passed
        g.edge(a.id, b.id, color=palette.BLUE if done else "#AAAAAA", penwidth="3" if done else "1.3",
               style="solid" if done else "dashed")
    return g
