"""Altair builders for the VM CPU-scheduling and Shared I/O pages: Gantt per pCPU, shares, latency.

Each chart is a pair: ``*_rows(...)`` turns engine objects into plain rows, and the builder
(``gantt``, ``shares``, ``distribution``) takes only the rows. Colours travel in the rows (one
Okabe–Ito colour per VM, the same as on the Resource distribution page), so the layered spec does not
depend on the data and a page can serialise it once and swap the rows per frame with
``viz.vega.spec(builder, rows)``. Colour is never the only cue: bars carry the vCPU name,
Domain 0's I/O is black with a white label, and idle time is pale with a dashed outline.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import altair as alt

from engine.sharing.sched import SchedResult, SchedState
from engine.sharing.sched_metrics import Metrics
from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)

IO_COLOUR = palette.BLACK
IDLE_COLOUR = palette.PALE
SETTING_COLOURS = (palette.SKY, palette.VERMILLION, palette.GREEN, palette.ORANGE)
LABEL_MIN_MS = 0.06  # a bar narrower than this fraction of the window shows no label (see the tooltip)


def _colour(kind: str, vm: str, colours: Mapping[str, str]) -> str:
    return IO_COLOUR if kind == "io" else IDLE_COLOUR if kind == "idle" else colours.get(vm, palette.GREY)


def gantt_rows(state: SchedState, window_ms: float, colours: Mapping[str, str]) -> list[dict[str, object]]:
    """One row per segment so far, plus an invisible row per pCPU spanning [0, window], so every pCPU has its lane
    from the first frame and the axis never rescales, and one row of kind "now" with the frame's time (the blue rule).

    The time is in that one row, not in every segment's: a segment's row is then the same in every frame from the one
    where it ends, and a browser player (viz.vega.frames) sends it once, not once per frame."""
    rows: list[dict[str, object]] = []
    for s in state.segments:
        label = {"guest": s.vcpu, "io": "Dom0 I/O", "idle": "idle"}[s.kind]
        rows.append({"pcpu": f"pCPU {s.pcpu}", "vcpu": s.vcpu, "vm": s.vm, "start": s.start, "end": s.end,
                     "ms": round(s.end - s.start, 3), "kind": s.kind, "colour": _colour(s.kind, s.vm, colours),
                     "label": label if s.end - s.start >= LABEL_MIN_MS * window_ms and s.kind != "idle" else ""})
    rows.extend({"pcpu": f"pCPU {p}", "vcpu": "", "vm": "", "start": 0.0, "end": float(window_ms), "ms": 0.0,
                 "kind": "span", "colour": IDLE_COLOUR, "label": ""} for p in range(state.pcpus))
    rows.append({"kind": "now", "label": "", "now": state.time})
    return rows


def gantt(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Gantt chart, one row per pCPU: x = time (ms), colour = VM, black = Domain 0 I/O, pale dashed = idle,
    blue rule = the current frame's time."""
    y = alt.Y("pcpu:N", title=None, sort="ascending")
    x = alt.X("start:Q", title="time (ms)")
    tooltip = [alt.Tooltip("pcpu:N", title="pCPU"), alt.Tooltip("vcpu:N", title="ran"), "vm:N", "kind:N",
               alt.Tooltip("start:Q", title="from (ms)"), alt.Tooltip("end:Q", title="to (ms)"), "ms:Q"]
    span = alt.Chart().transform_filter("datum.kind == 'span'").mark_rule(opacity=0).encode(x=x, x2="end:Q", y=y)
    idle = alt.Chart().transform_filter("datum.kind == 'idle'").mark_bar(
        color=IDLE_COLOUR, stroke=palette.GREY, strokeDash=[4, 3], strokeWidth=1, height=alt.RelativeBandSize(0.5)
    ).encode(x=x, x2="end:Q", y=y, tooltip=tooltip)
    busy = alt.Chart().transform_filter("datum.kind == 'guest' || datum.kind == 'io'").mark_bar(
        stroke=palette.BLACK, strokeWidth=0.8, height=alt.RelativeBandSize(0.8)
    ).encode(x=x, x2="end:Q", y=y, color=alt.Color("colour:N", scale=None), tooltip=tooltip)
    text = alt.Chart().transform_filter("datum.label != ''").transform_calculate(
        mid="(datum.start + datum.end) / 2", ink=f"datum.kind == 'io' ? '{palette.WHITE}' : '{palette.BLACK}'"
    ).mark_text(fontWeight="bold").encode(x="mid:Q", y=y, text="label:N",
                                                       color=alt.Color("ink:N", scale=None))
    now = alt.Chart().transform_filter("datum.kind == 'now'").mark_rule(color=palette.BLUE, strokeWidth=3).encode(x="now:Q")
    return alt.layer(span, idle, busy, text, now, data=alt.Data(values=rows)).properties(height=alt.Step(46))


def share_rows(metrics: Metrics, colours: Mapping[str, str]) -> list[dict[str, object]]:
    """Per VM: the CPU share it got and its entitlement (weight × vCPUs, water-filled with caps), in pCPUs."""
    return [{"vm": m.vm, "share": round(m.share, 4), "entitlement": round(m.entitlement, 4),
             "ratio": round(m.ratio, 3), "weight": m.weight, "cap": m.cap or "none", "vcpus": m.vcpus,
             "colour": colours.get(m.vm, palette.GREY)} for m in metrics.vms]


def shares(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Bars: the share each VM got; black tick: its weight-proportional entitlement."""
    y = alt.Y("vm:N", title=None, sort=None)
    tooltip = ["vm:N", "weight:Q", "cap:N", "vcpus:Q", alt.Tooltip("share:Q", format=".2f"),
               alt.Tooltip("entitlement:Q", format=".2f"), alt.Tooltip("ratio:Q", format=".0%", title="share / entitlement")]
    bars = alt.Chart().mark_bar(stroke=palette.BLACK, strokeWidth=0.8, height=alt.RelativeBandSize(0.7)).encode(
        x=alt.X("share:Q", title="CPU share (pCPUs); black tick = entitlement"),
        y=y, color=alt.Color("colour:N", scale=None), tooltip=tooltip)
    ticks = alt.Chart().mark_tick(color=palette.BLACK, thickness=4, size=40).encode(x="entitlement:Q", y=y,
                                                                                      tooltip=tooltip)
    text = alt.Chart().mark_text(align="left", dx=6).encode(
        x="share:Q", y=y, text=alt.Text("share:Q", format=".2f"))
    return alt.layer(bars, ticks, text, data=alt.Data(values=rows)).properties(height=alt.Step(48))


def distribution_rows(results: Mapping[str, SchedResult], measure: str = "response",
                      vms: Sequence[str] | None = None) -> list[dict[str, object]]:
    """Per burst: {vm, setting, ms} of wake-up latency (measure="latency") or response time ("response"),
    one setting per result (e.g. "I/O processing off" / "on", or scheduler names)."""
    if measure not in ("latency", "response"):
        raise ValueError(f"measure must be 'latency' or 'response', not {measure!r}")
    rows: list[dict[str, object]] = []
    for i, (setting, result) in enumerate(results.items()):
        for b in result.bursts:
            if vms is None or b.vm in vms:
                rows.append({"vm": b.vm, "setting": setting, "ms": round(getattr(b, measure), 3),
                             "colour": SETTING_COLOURS[i % len(SETTING_COLOURS)], "order": i})
    return rows


def distribution(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Box plot per VM and setting (min–max whiskers), with every burst as a faint point, so both the extra
    delay (the box moves right) and its variation (the box widens) show."""
    y = alt.Y("vm:N", title=None)
    offset = alt.YOffset("setting:N", sort=alt.EncodingSortField("order", op="min"))
    x = alt.X("ms:Q", title="milliseconds")
    boxes = alt.Chart().mark_boxplot(extent="min-max", size=18, median={"color": palette.BLACK},
                                     rule={"color": palette.BLACK}).encode(
        x=x, y=y, yOffset=offset, color=alt.Color("colour:N", scale=None),
        tooltip=["vm:N", "setting:N"])
    points = alt.Chart().mark_point(opacity=0.25, size=18, filled=True).encode(
        x=x, y=y, yOffset=offset, color=alt.Color("colour:N", scale=None), tooltip=["vm:N", "setting:N", "ms:Q"])
    labels = alt.Chart().transform_aggregate(top="max(ms)", groupby=["vm", "setting", "order"]).mark_text(
        align="left", dx=8).encode(x="top:Q", y=y, yOffset=offset, text="setting:N")
    return alt.layer(points, boxes, labels, data=alt.Data(values=rows)).properties(height=alt.Step(60))
