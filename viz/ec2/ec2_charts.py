"""Altair charts for section 2.5 (plain functions over lists of rows, testable without a server).

Pages draw them through :func:`spec`, cached by the page: serialising a chart validates it against
the Vega-Lite schema, which costs more than a rerun may take (see ui/charts.py).
"""

from __future__ import annotations

from typing import Any, Callable

import altair as alt

from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)

BILLED_COLOURS = {"used": palette.BLUE, "billed, not used": palette.VERMILLION}
PROVISION_COLOURS = {"over-provisioned (idle)": palette.SKY, "under-provisioned (missing)": palette.VERMILLION}
PROCESSOR_COLOURS = {"processor type A (newer)": palette.BLUE, "processor type B (older)": palette.ORANGE}


def _scale(colours: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def billing_timeline(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'run', 'kind', 'from', 'to', 'end'} in minutes for one billing model: used time solid, billed-but-unused pale.

    'end' is the longest billed end over both models, so two charts side by side share one time axis.
    """
    runs = list(dict.fromkeys(str(r["run"]) for r in rows))
    end = max(float(r["end"]) for r in rows)
    return alt.Chart(alt.Data(values=rows)).mark_bar(height=24, stroke=palette.BLACK, strokeWidth=0.6).encode(
        x=alt.X("from:Q", title="minutes since the first start", scale=alt.Scale(domain=[0, end], nice=False),
                axis=alt.Axis(tickMinStep=15)),
        x2="to:Q",
        y=alt.Y("run:N", title=None, sort=runs, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("kind:N", title=None, scale=_scale(BILLED_COLOURS), legend=alt.Legend(orient="top")),
        opacity=alt.Opacity("kind:N", scale=alt.Scale(domain=list(BILLED_COLOURS), range=[1.0, 0.45]), legend=None),
        tooltip=["run:N", "kind:N", alt.Tooltip("from:Q", format=".1f"), alt.Tooltip("to:Q", format=".1f")],
    ).properties(height=alt.Step(34))


def provisioning(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'hour', 'demand', 'capacity', 'kind', 'low', 'high', 'top'} of one plan: demand (dashed), capacity
    (steps) and the gap between them shaded per hour. 'top' is the y maximum shared by the plans compared."""
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("low:Q", title="instances", scale=alt.Scale(domain=[0, float(rows[0]["top"])]))
    band = base.mark_rect(opacity=0.6).encode(
        x=alt.X("hour:Q", title="hour", scale=alt.Scale(domain=[0, 48], nice=False)), x2="hour_end:Q", y=y, y2="high:Q",
        # one entry a row: side by side the two entries outgrew a half-width chart in presenter mode's larger text
        color=alt.Color("kind:N", title=None, scale=_scale(PROVISION_COLOURS), legend=alt.Legend(orient="top", columns=1)),
        tooltip=["hour:Q", "demand:Q", "capacity:Q", "kind:N"],
    )
    capacity = base.mark_line(interpolate="step-after", strokeWidth=3, color=palette.BLUE).encode(x="hour:Q", y="capacity:Q")
    demand = base.mark_line(strokeWidth=2.5, strokeDash=[6, 3], color=palette.BLACK).encode(x="hour_mid:Q", y="demand:Q")
    return alt.layer(band, capacity, demand).properties(height=330)


def credit_balance(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'hour', 'series', 'value'} for the whole run: 'credit balance' (left axis) and 'CPU wanted' / 'CPU got'
    (right axis, %). The parameter ``now`` hides balance and 'got' after the frame's hour: one spec serves every frame
    (see :func:`with_param`)."""
    now = alt.param(name="now", value=max(int(r["hour"]) for r in rows))
    base = alt.Chart(alt.Data(values=rows)).encode(x=alt.X("hour:Q", title="hour"))
    balance = base.transform_filter((alt.datum.series == "credit balance") & (alt.datum.hour <= now)).mark_area(
        color=palette.GREEN, opacity=0.5, line={"color": palette.GREEN, "strokeWidth": 3}
    ).encode(y=alt.Y("value:Q", title="credit balance"))
    cpu = base.transform_filter((alt.datum.series == "CPU wanted") | ((alt.datum.series == "CPU got") & (alt.datum.hour <= now))).mark_line(
        interpolate="step-before", strokeWidth=3, point=True
    ).encode(
        y=alt.Y("value:Q", title="CPU of the instance", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None, scale=_scale({"CPU wanted": palette.BLACK, "CPU got": palette.VERMILLION}),
                        legend=alt.Legend(orient="top")),
        strokeDash=alt.StrokeDash("series:N", legend=None),
    )
    return alt.layer(balance, cpu).add_params(now).resolve_scale(y="independent").properties(height=330)


def _shown(rows: list[dict[str, Any]]) -> alt.Parameter:
    """Measurements with 'index' below ``shown`` are drawn: one spec for every frame of the variance player."""
    return alt.param(name="shown", value=len({r["index"] for r in rows}))


def runtime_histogram(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'index', 'runtime', 'processor'}: stacked histogram, coloured by the (hidden to the user) host type."""
    shown = _shown(rows)
    return alt.Chart(alt.Data(values=rows)).mark_bar(stroke=palette.BLACK, strokeWidth=0.4).encode(
        x=alt.X("runtime:Q", bin=alt.Bin(maxbins=30), title="benchmark runtime (s)"),
        y=alt.Y("count():Q", title="measurements", stack=True),
        color=alt.Color("processor:N", title="host", scale=_scale(PROCESSOR_COLOURS),
                        legend=alt.Legend(orient="top", columns=1)),  # one a row, as provisioning's
        tooltip=["processor:N", "count():Q"],
    ).transform_filter(alt.datum.index < shown).add_params(shown).properties(height=330)


def runtime_box(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'index', 'runtime', 'group'}: one box per group ('all runs', and each processor type)."""
    groups = list(dict.fromkeys(str(r["group"]) for r in rows))
    shown = _shown(rows)
    return alt.Chart(alt.Data(values=rows)).mark_boxplot(extent="min-max", size=28, color=palette.SKY,
                                                         median={"color": palette.BLACK, "strokeWidth": 2}).encode(
        x=alt.X("runtime:Q", title="benchmark runtime (s)", scale=alt.Scale(zero=False)),
        y=alt.Y("group:N", title=None, sort=groups, axis=alt.Axis(labelLimit=260)),
    ).transform_filter(alt.datum.index < shown).add_params(shown).properties(height=alt.Step(44))


def confidence(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'measurements', 'mean', 'low', 'high'}: the mean's 95% interval narrowing as measurements accumulate."""
    counts = [float(r["measurements"]) for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("measurements:Q", title="measurements so far (log scale)",
                scale=alt.Scale(type="log", domain=[min(counts), max(counts)], nice=False)))
    band = base.mark_area(color=palette.SKY, opacity=0.5).encode(
        y=alt.Y("low:Q", title="mean runtime (s)", scale=alt.Scale(zero=False)), y2="high:Q")
    line = base.mark_line(point=True, strokeWidth=3, color=palette.BLUE).encode(y="mean:Q",
                                                                              tooltip=["measurements:Q", "mean:Q", "low:Q", "high:Q"])
    return alt.layer(band, line).properties(height=320)


def cov_by_mix(rows: list[dict[str, Any]]) -> alt.Chart:
    """rows: {'share', 'measure', 'value'}: CoV and the mean's interval half-width against the hardware mix."""
    colours = {"CoV": palette.VERMILLION, "half-width of the mean's 95% interval": palette.BLUE}
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("share:Q", title="share of hosts with processor type B", axis=alt.Axis(format="%")),
        y=alt.Y("value:Q", title="relative to the mean", axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", title=None, scale=_scale(colours),
                        legend=alt.Legend(orient="top")),
        strokeDash=alt.StrokeDash("measure:N", legend=None),
        tooltip=[alt.Tooltip("share:Q", format=".0%"), "measure:N", alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=330)


def with_param(chart_spec: dict[str, Any], name: str, value: float) -> dict[str, Any]:
    """A copy of ``chart_spec`` with top-level parameter ``name`` set to ``value`` (the cached spec stays unchanged).

    Stepping a player changes only this value, so a frame costs a dict copy, not a schema validation.
    """
    params = chart_spec.get("params", [])
    if not any(p.get("name") == name for p in params):
        raise KeyError(f"the chart has no parameter {name!r}")
    return {**chart_spec, "params": [{**p, "value": value} if p.get("name") == name else p for p in params]}


def _rows(chart_spec: dict[str, Any], keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """A copy of ``chart_spec`` with only the top-level rows ``keep`` accepts (the cached spec stays unchanged)."""
    return {**chart_spec, "data": {**chart_spec["data"], "values": [r for r in chart_spec["data"]["values"] if keep(r)]}}


def first_measurements(chart_spec: dict[str, Any], shown: int) -> dict[str, Any]:
    """A variance chart (:func:`runtime_histogram`, :func:`runtime_box`) at a player frame: the first ``shown``
    measurements. The spec keeps its parameter at the whole run, so every frame sends the same spec with other rows,
    and Streamlit's frontend swaps the rows into the Vega view it has instead of embedding a new one (a new
    parameter value is a new spec: 50–150 ms in the browser per step)."""
    return _rows(chart_spec, lambda r: r["index"] < shown)


def credits_until(chart_spec: dict[str, Any], hour: int) -> dict[str, Any]:
    """:func:`credit_balance` at a player frame: balance and 'CPU got' up to ``hour``, 'CPU wanted' for the whole run
    (what the ``now`` filter shows), with the same spec on every frame (see :func:`first_measurements`)."""
    return _rows(chart_spec, lambda r: r["series"] == "CPU wanted" or r["hour"] <= hour)