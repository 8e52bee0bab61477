"""Builders for the Resource distribution page: partitioned disk and memory, the cores, the FCFS I/O timeline.

Altair builders take plain rows (cacheable as a Vega-Lite spec by the page); every VM's colour travels in its
rows, and every segment also carries the VM's name, so colour is never the only cue.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import graphviz

from engine.sharing.partition import IoState, Layout, core_loads
from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)
from viz.dot import digraph, html_escape

FREE = palette.WHITE
WAITING = palette.PALE
NAME_MIN_SHARE, FULL_MIN_SHARE = 0.08, 0.2  # narrower segments show only the name, or nothing (see the tooltip)


# --------------------------------------------------------------------------- disk and memory bars

def partition_rows(layout: Layout, colours: dict[str, str]) -> list[dict[str, object]]:
    """One row per (resource, VM) segment plus the free rest, as fractions of the host's capacity."""
    rows: list[dict[str, object]] = []
    for resource, title, unit in (("disk", "Disk", "GB"), ("mem", "Memory", "GiB")):
        capacity = layout.capacity(resource)
        bar = f"{title} ({capacity} {unit})"
        start = 0
        segments = [(vm.name, vm.amount(resource), colours.get(vm.name, palette.GREY)) for vm in layout.vms]
        segments.append(("free", layout.free(resource), FREE))
        for name, amount, colour in segments:
            if amount == 0:
                continue
            share = amount / capacity
            rows.append({"resource": bar, "vm": name, "amount": f"{amount} {unit}", "start": start / capacity,
                         "end": (start + amount) / capacity, "share": share, "colour": colour,
                         "label": _bar_label(name, amount, unit, share)})
            start += amount
    return rows


def _bar_label(name: str, amount: int, unit: str, share: float) -> str:
    if share >= FULL_MIN_SHARE:
        return f"{name}: {amount} {unit}"
    return name if share >= NAME_MIN_SHARE else ""


def partition_chart(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Disk and memory as two bars of the host's full size, cut into each VM's fixed fraction; white = free."""
    base = alt.Chart().encode(
        y=alt.Y("resource:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
        tooltip=[alt.Tooltip("vm:N", title="VM"), "amount:N", alt.Tooltip("share:Q", format=".0%", title="of the host")],
    )
    bars = base.mark_bar(stroke=palette.BLACK, strokeWidth=1.2, height=alt.RelativeBandSize(0.8)).encode(
        x=alt.X("start:Q", title="share of the host", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        x2="end:Q",
        color=alt.Color("colour:N", scale=None),
    )
    text = base.transform_calculate(mid="(datum.start + datum.end) / 2").mark_text(fontWeight="bold").encode(
        x="mid:Q", text="label:N")
    return alt.layer(bars, text, data=alt.Data(values=rows)).properties(height=190)


# --------------------------------------------------------------------------- cores

def _striped(parts: Sequence[tuple[str, float]]) -> str:
    """A graphviz 'striped' fill: each colour takes its fraction of the box's width, white for the rest."""
    thousandths = [(c, int(f * 1000)) for c, f in parts if int(f * 1000) > 0]  # rounded down: the sum stays <= 1
    stops = [f"{c};{t / 1000:.3f}" for c, t in thousandths]
    return ":".join(stops + [f"{FREE};{(1000 - sum(t for _, t in thousandths)) / 1000:.3f}"]) if stops else FREE


def cores_graph(layout: Layout, colours: dict[str, str]) -> graphviz.Digraph:
    """vCPUs on top, physical cores below. Pinned: one edge per vCPU to its own core, and a core's fill shows how
    busy its vCPU keeps it (white = idle, and no other VM may use it). Scheduled: every VM's vCPUs go through the
    VMM's scheduler, which hands out time slots on all cores; the fills show the total load spread over the cores."""
    g = digraph(rankdir="TB", nodesep="0.15", ranksep="0.55")
    g.attr("node", shape="box", style="filled", fontsize="15", margin="0.08,0.06", height="0.5", width="1.2")
    pinned = layout.cpu_mode == "pinned"
    with g.subgraph(name="vcpus") as row:
        row.attr(rank="same")
        for vm in layout.vms:
            colour = colours.get(vm.name, palette.GREY)
            if pinned:
                for i, load in enumerate(vm.load):
                    row.node(f"v_{vm.name}_{i}", f"{vm.name} vCPU {i}\nload {load}%", fillcolor=colour)
            else:  # one box per VM: scheduled vCPUs are not tied to cores, and there may be many
                loads = f"{vm.load[0]}% each" if len(set(vm.load)) == 1 else "% ".join(map(str, vm.load)) + "%"
                row.node(f"v_{vm.name}", f"{vm.name}\n{vm.vcpus} vCPU{'s' if vm.vcpus > 1 else ''} · {loads}",
                         fillcolor=colour)
    pinning = layout.pinning()
    loads = core_loads(layout)
    demand = sum(sum(vm.load) for vm in layout.vms) or 1
    with g.subgraph(name="cores") as row:
        row.attr(rank="same")
        for core, (slot, busy) in enumerate(zip(pinning, loads)):
            if pinned:
                fill = _striped([(colours.get(slot[0], palette.GREY), busy)]) if slot else FREE
                owner = f"{slot[0]} only" if slot else "unpinned"
            else:
                fill = _striped([(colours.get(vm.name, palette.GREY), busy * sum(vm.load) / demand) for vm in layout.vms])
                owner = "time slots"
            row.node(f"core{core}", f"core {core}\n{owner}\nbusy {busy:.0%}", style="striped" if busy else "filled",
                     fillcolor=fill, penwidth="2")
    if pinned:
        for core, slot in enumerate(pinning):
            if slot:
                g.edge(f"v_{slot[0]}_{slot[1]}", f"core{core}", penwidth="2")
    elif layout.vms:
        vcpus = layout.used("vcpus")
        g.node("sched", f"VMM scheduler: {vcpus} vCPUs share {layout.host.pcpus} cores in time slots",
               shape="box", style="rounded,filled", fillcolor=palette.PALE, fontsize="15")
        for vm in layout.vms:
            g.edge(f"v_{vm.name}", "sched", arrowhead="none", color="#666666", penwidth=str(min(6, 1 + vm.vcpus / 2)))
        for core in range(layout.host.pcpus):
            g.edge("sched", f"core{core}", color="#666666")
    if not layout.vms:
        g.node("none", "no VMs yet", shape="plaintext", style="")
    g.attr(label=html_escape("fill = share of the core's time in use; white = idle"), labelloc="b", fontsize="13")
    return g


# --------------------------------------------------------------------------- FCFS I/O timeline

def io_rows(state: IoState, colours: dict[str, str]) -> list[dict[str, object]]:
    """Rows for :func:`io_chart`. Each request has an invisible 'span' row from its arrival to its finish, so the
    chart's rows and time axis are fixed from the first frame; once it has arrived, its wait so far; once started,
    its whole service (FCFS never pre-empts, so a started request's end is already fixed). The time is one row of
    phase "now" (the blue line), not a field of every row: a row that stopped changing is then the same in every later
    frame, and a browser player (viz.vega.frames) sends it once."""
    rows: list[dict[str, object]] = []
    for order, s in enumerate(state.served, start=1):
        r = s.request
        common = {"request": f"{order}. {r.label}", "order": order, "vm": r.vm}
        rows.append({**common, "phase": "span", "from": r.arrival, "to": s.finish, "ms": 0, "colour": FREE})
        waited = min(s.start, state.time) - r.arrival
        if waited > 0:
            rows.append({**common, "phase": "waiting", "from": r.arrival, "to": r.arrival + waited, "ms": waited,
                         "colour": WAITING})
        if s.start <= state.time:
            rows.append({**common, "phase": "on the device", "from": s.start, "to": s.finish, "ms": r.service,
                         "colour": colours.get(r.vm, palette.GREY)})
    rows.append({"phase": "now", "now": state.time})
    return rows


def io_chart(rows: list[dict[str, object]]) -> alt.LayerChart:
    """A Gantt chart, one row per request in FCFS order: grey dashed = waiting in the queue, colour = on the device,
    blue line = now. It grows frame by frame without rescaling."""
    base = alt.Chart().encode(
        y=alt.Y("request:N", title=None, sort=alt.EncodingSortField("order", op="min"),
                axis=alt.Axis(labelLimit=200)),
        x=alt.X("from:Q", title="time (ms)"),
        x2="to:Q",
        tooltip=["request:N", "phase:N", alt.Tooltip("ms:Q", title="ms"), "from:Q", "to:Q"],
    )
    span = base.transform_filter("datum.phase == 'span'").mark_bar(opacity=0)
    waiting = base.transform_filter("datum.phase == 'waiting'").mark_bar(
        color=WAITING, stroke=palette.BLACK, strokeDash=[4, 3], strokeWidth=1, height=alt.RelativeBandSize(0.6))
    served = base.transform_filter("datum.phase == 'on the device'").mark_bar(
        stroke=palette.BLACK, strokeWidth=1.2, height=alt.RelativeBandSize(0.8)).encode(color=alt.Color("colour:N", scale=None))
    clock = alt.Chart().transform_filter("datum.phase == 'now'").mark_rule(color=palette.BLUE, strokeWidth=3).encode(x="now:Q")
    return alt.layer(span, waiting, served, clock, data=alt.Data(values=rows)).properties(height=alt.Step(26))
