"""Scheduling chart builders: valid Vega-Lite specs carrying the right rows."""

from __future__ import annotations

import json

import pytest

from engine.sharing.sched import play
from engine.sharing.sched_presets import PRESETS, shared_io_effect
from viz import palette
from viz.sharing import sched_charts as charts
from viz.palette import vm_colours
from viz.vega import spec


def test_gantt_rows_cover_each_pcpu_and_carry_now():
    preset = PRESETS["shared-io"]
    trace, _ = play(preset.scenario, preset.scheduler, window_ms=200)
    colours = vm_colours([vm.name for vm in preset.scenario.vms])
    frame = trace[len(trace) // 2]
    rows = charts.gantt_rows(frame.state, 200, colours)
    assert [r["now"] for r in rows if r["kind"] == "now"] == [frame.state.time]  # one row: the blue rule
    assert all("now" not in r for r in rows if r["kind"] != "now")  # so an ended segment's row is the same every frame
    later = charts.gantt_rows(trace[-1].state, 200, colours)
    ended = [r for r in rows if r["kind"] in ("guest", "io", "idle") and r["end"] < frame.state.time]
    assert ended and all(r in later for r in ended)
    assert {r["pcpu"] for r in rows if r["kind"] not in ("span", "now")} == {"pCPU 0", "pCPU 1"}
    assert all(r["colour"] == palette.BLACK for r in rows if r["kind"] == "io")
    assert any(r["kind"] == "io" for r in charts.gantt_rows(trace[-1].state, 200, colours))
    guest = next(r for r in rows if r["kind"] == "guest")
    assert guest["colour"] == colours[guest["vm"]]
    assert rows[-2]["kind"] == "span" and rows[-2]["end"] == 200
    chart = charts.gantt(rows).to_dict()
    assert chart["data"]["values"] == rows
    assert len(chart["layer"]) == 5 and chart["layer"][-1]["mark"]["type"] == "rule"


def test_template_spec_swaps_only_the_rows():
    preset = PRESETS["weights"]
    trace, _ = play(preset.scenario, preset.scheduler)
    colours = vm_colours(["vm1", "vm2"])
    a, b = (spec(charts.gantt, charts.gantt_rows(f.state, 600, colours)) for f in (trace[1], trace[-1]))
    assert a["layer"] == b["layer"] and a["data"] != b["data"]
    json.dumps(a)


def test_share_chart_rows_match_metrics():
    preset = PRESETS["weights"]
    _, result = play(preset.scenario, preset.scheduler)
    metrics = result.metrics()
    rows = charts.share_rows(metrics, vm_colours(["vm1", "vm2"]))
    assert [(r["vm"], r["share"], r["entitlement"]) for r in rows] == [
        (m.vm, round(m.share, 4), round(m.entitlement, 4)) for m in metrics.vms]
    chart = charts.shares(rows).to_dict()
    assert chart["data"]["values"] == rows and {layer["mark"]["type"] for layer in chart["layer"]} >= {"bar", "tick"}


def test_distribution_compares_settings():
    _, off, on = shared_io_effect(PRESETS["shared-io"].scenario, "credit")
    rows = charts.distribution_rows({"I/O processing off": off, "I/O processing on": on}, "response", ["web1", "web2"])
    assert {r["setting"] for r in rows} == {"I/O processing off", "I/O processing on"}
    assert {r["vm"] for r in rows} == {"web1", "web2"}
    assert len(rows) == sum(1 for b in off.bursts + on.bursts if b.vm in ("web1", "web2"))
    assert len({r["colour"] for r in rows}) == 2
    chart = charts.distribution(rows).to_dict()
    assert chart["data"]["values"] == rows and any(layer["mark"]["type"] == "boxplot" for layer in chart["layer"])
    with pytest.raises(ValueError, match="measure"):
        charts.distribution_rows({"x": on}, "speed")
