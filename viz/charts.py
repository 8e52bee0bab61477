"""Altair chart builders (plain functions over lists of rows, testable without a server)."""

from __future__ import annotations

import altair as alt

from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)

POLICY_COLOURS = {"LRU": palette.BLUE, "FIFO": palette.ORANGE, "random": palette.PURPLE}


def _legend(domain: list[str], colours: list[str]) -> alt.Scale:
    return alt.Scale(domain=domain, range=colours)


def hit_rate_over_time(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'accesses', 'hit rate', 'policy'}."""
    policies = sorted({str(r["policy"]) for r in rows})
    return alt.Chart(alt.Data(values=rows)).mark_line(strokeWidth=3).encode(
        x=alt.X("accesses:Q", title="accesses so far"),
        y=alt.Y("hit rate:Q", title="TLB hit rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("policy:N", scale=_legend(policies, [POLICY_COLOURS[p] for p in policies])),
        strokeDash=alt.StrokeDash("policy:N"),
        tooltip=["policy:N", "accesses:Q", alt.Tooltip("hit rate:Q", format=".1%")],
    ).properties(height=300)


def hit_rate_by_size(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'TLB entries', 'hit rate', 'policy'}."""
    policies = sorted({str(r["policy"]) for r in rows})
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("TLB entries:Q", scale=alt.Scale(type="log", base=2), axis=alt.Axis(values=[1, 2, 4, 8, 16, 32, 64])),
        y=alt.Y("hit rate:Q", title="TLB hit rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("policy:N", scale=_legend(policies, [POLICY_COLOURS[p] for p in policies])),
        shape=alt.Shape("policy:N"),
        tooltip=["policy:N", "TLB entries:Q", alt.Tooltip("hit rate:Q", format=".1%")],
    ).properties(height=300)


METHOD_COLOURS = {"Native": palette.BLACK, "Trap and emulate": palette.VERMILLION, "Interpretation": palette.ORANGE,
                  "Binary translation": palette.BLUE}


def _methods(rows: list[dict[str, object]]) -> alt.Scale:
    present = [m for m in METHOD_COLOURS if any(r["method"] == m for r in rows)]
    return _legend(present, [METHOD_COLOURS[m] for m in present])


def cumulative_cycles(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'instructions executed', 'cycles', 'method'}; log scale, since the methods differ by orders of magnitude."""
    return alt.Chart(alt.Data(values=rows)).mark_line(strokeWidth=3, interpolate="step-after").encode(
        x=alt.X("instructions executed:Q"),
        y=alt.Y("cycles:Q", title="cumulative cycles (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("method:N", scale=_methods(rows)),
        strokeDash=alt.StrokeDash("method:N"),
        tooltip=["method:N", "instructions executed:Q", alt.Tooltip("cycles:Q", format=",")],
    ).properties(height=320)


def slowdown_by_iterations(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'iterations', 'slowdown', 'method'}: translation is amortised as a loop runs longer."""
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("iterations:Q", title="loop iterations (log scale)", scale=alt.Scale(type="log")),
        y=alt.Y("slowdown:Q", title="time relative to native (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("method:N", scale=_methods(rows)),
        shape=alt.Shape("method:N"),
        tooltip=["method:N", "iterations:Q", alt.Tooltip("slowdown:Q", format=".1f")],
    ).properties(height=320)


def cache_hit_rate(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'unit arrivals', 'hit rate'}: how often execution found its unit already translated."""
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True, strokeWidth=3, color=palette.BLUE).encode(
        x=alt.X("unit arrivals:Q", title="arrivals at a translation unit"),
        y=alt.Y("hit rate:Q", title="translation-cache hit rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=["unit arrivals:Q", alt.Tooltip("hit rate:Q", format=".0%")],
    ).properties(height=320)


TECHNIQUE_COLOURS = {"Full virtualization (BT)": palette.BLUE, "Paravirtualization (Xen)": palette.GREEN,
                     "VT-x, shadow paging": palette.VERMILLION, "VT-x with EPT": palette.ORANGE}


def interventions_by_workload(rows: list[dict[str, object]]) -> alt.LayerChart:
    """rows: {'workload', 'technique', 'interventions', 'top'} of one workload: a horizontal bar per technique.

    The counts span 0 to tens of thousands, so the axis is symmetric-log: 0 at the origin, then 1, 10, 100, 1k, 10k
    evenly spaced. Every bar has its count written beside it, and a zero count (no VMM entry at all) is a diamond at
    the origin with "0", not a bar that vanishes. 'top' is the axis end shared by the panels of every workload, so
    bars of different panels compare. The chart's title is the workload.
    """
    techniques = [t for t in TECHNIQUE_COLOURS if any(r["technique"] == t for r in rows)]
    top = float(rows[0]["top"]) if rows else 10.0
    ticks = [0] + [10 ** k for k in range(0, 10) if 10 ** k <= top]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("technique:N", title=None, sort=techniques, axis=alt.Axis(labelPadding=14)),
        x=alt.X("interventions:Q", title="VMM interventions per 10⁶ instructions (log scale)",
                scale=alt.Scale(type="symlog", constant=1, domain=[0, top], nice=False),
                axis=alt.Axis(values=ticks, grid=True, labelExpr="datum.value >= 1000 ? "
                              "format(datum.value / 1000, ',') + 'k' : format(datum.value, ',')")),
        tooltip=["workload:N", "technique:N", alt.Tooltip("interventions:Q", format=",.2~f")],
    )
    colour = alt.Color("technique:N", scale=_legend(techniques, [TECHNIQUE_COLOURS[t] for t in techniques]), legend=None)
    bars = base.mark_bar(height=alt.RelativeBandSize(0.7), stroke=palette.BLACK, strokeWidth=0.8).encode(color=colour)
    zero = base.transform_filter(alt.datum.interventions == 0).mark_point(
        shape="diamond", filled=True, size=260, stroke=palette.BLACK, strokeWidth=1.5, opacity=1).encode(color=colour)
    counts = base.mark_text(align="left", dx=12, fontWeight="bold").encode(
        text=alt.Text("interventions:Q", format=",.2~f"))
    return alt.layer(bars, zero, counts).properties(title=str(rows[0]["workload"]) if rows else "", height=alt.Step(42))


def transitions_by_batch(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'batch size', 'guest↔Xen transitions'} for a fixed number of page-table updates."""
    return alt.Chart(alt.Data(values=rows)).mark_bar(color=palette.GREEN).encode(
        x=alt.X("batch size:O", title="updates per mmu_update hypercall"),
        y=alt.Y("guest↔Xen transitions:Q"),
        tooltip=["batch size:O", "hypercalls:Q", "guest↔Xen transitions:Q"],
    ).properties(height=260)


def exits_by_reason(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'exit', 'count', 'cycles'} (one per basic exit reason)."""
    return alt.Chart(alt.Data(values=rows)).mark_bar(color=palette.VERMILLION).encode(
        y=alt.Y("exit:N", title=None, sort="-x", axis=alt.Axis(labelLimit=340)),
        x=alt.X("count:Q", title="VM exits"),
        tooltip=["exit:N", "count:Q", alt.Tooltip("cycles:Q", format=",")],
    ).properties(height=alt.Step(34))


def tagged_vs_flushed(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'TLB', 'hit rate'}: the same multi-VM schedule with a flushing and a VPID-tagged TLB."""
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("TLB:N", title=None, axis=alt.Axis(labelLimit=260)),
        y=alt.Y("hit rate:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("TLB:N", scale=_legend(["flushed on every switch", "tagged with VPIDs"], [palette.VERMILLION, palette.BLUE]),
                        legend=None),
        tooltip=["TLB:N", alt.Tooltip("hit rate:Q", format=".1%"), "walk references:Q"],
    ).properties(height=260)


MASTERY_COLOURS = {"mastered": palette.BLUE, "getting there": palette.SKY, "revisit": palette.ORANGE,
                   "not started": palette.GREY}


def mastery_by_concept(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: {'concept', 'section', 'score' (0..1), 'status'}: one horizontal bar per lecture concept."""
    statuses = [s for s in MASTERY_COLOURS if any(r["status"] == s for r in rows)]
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("concept:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
        x=alt.X("score:Q", title="first-try score (latest round)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("status:N", title="status", scale=_legend(statuses, [MASTERY_COLOURS[s] for s in statuses])),
        tooltip=["section:N", "concept:N", alt.Tooltip("score:Q", format=".0%"), "status:N"],
    ).properties(height=alt.Step(24))
