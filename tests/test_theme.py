"""Chart theme and page themes: every chart reads from the back of a hall, in light, dark and projector.

Every chart builder of viz/ is serialised with sample rows and its resolved text sizes are checked (the theme's config
and anything a builder sets itself); the theme switch is checked under AppTest: it lands in the address, survives a
page switch, and a bad ``?theme=`` falls back to light with a link notice.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path
from typing import Any, Callable, Iterator

import altair as alt
import pytest
from streamlit.testing.v1 import AppTest

import viz
from engine.ec2 import billing, elasticity, variance
from engine.sharing.partition import IO_PRESETS, PLAN_PRESETS, fcfs_trace, parse_plan, parse_requests, replay
from engine.sharing.sched import play
from engine.sharing.sched_presets import PRESETS, shared_io_effect
from tests.test_ec2 import LECTURE
from viz import charts, live, lms_stats, palette, theme
from viz.ec2 import ec2_charts
from viz.palette import vm_colours
from viz.sharing import partition_view, sched_charts, shared_io_view
from viz.vega import spec

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MIN_PX = 16


def _sched_rows() -> dict[str, list[dict[str, Any]]]:
    preset = PRESETS["shared-io"]
    trace, result = play(preset.scenario, preset.scheduler, window_ms=200)
    colours = vm_colours([vm.name for vm in preset.scenario.vms])
    _, off, on = shared_io_effect(preset.scenario, "credit")
    return {"gantt": sched_charts.gantt_rows(trace[-1].state, 200, colours),
            "shares": sched_charts.share_rows(result.metrics(), colours),
            "distribution": sched_charts.distribution_rows({"I/O processing off": off, "I/O processing on": on}),
            "guest_view": shared_io_view.guest_rows({"off": off, "on": on}, "web1")}


def _partition_rows() -> dict[str, list[dict[str, Any]]]:
    plan = parse_plan(PLAN_PRESETS["overcommit"].text)
    colours = vm_colours([op.name for op in plan.operations])
    trace = fcfs_trace(parse_requests(IO_PRESETS["steady"].text))
    return {"partition_chart": partition_view.partition_rows(replay(plan)[-1].state, colours),
            "io_chart": partition_view.io_rows(trace[-1].state, colours)}


def samples() -> list[tuple[str, Callable[[list[dict[str, Any]]], Any], list[dict[str, Any]]]]:
    """(name, builder, rows) for every chart builder in viz/."""
    methods = ["Native", "Binary translation"]
    techniques = list(charts.TECHNIQUE_COLOURS)
    sched, partition = _sched_rows(), _partition_rows()
    options = [("POPF traps", 3), ("POPF fails silently", 9)]
    rows: dict[Callable[..., Any], list[dict[str, Any]]] = {
        charts.hit_rate_over_time: [{"accesses": i, "hit rate": i / 10, "policy": p} for p in ("LRU", "FIFO") for i in range(5)],
        charts.hit_rate_by_size: [{"TLB entries": 2 ** i, "hit rate": i / 7, "policy": "LRU"} for i in range(7)],
        charts.cumulative_cycles: [{"instructions executed": i, "cycles": 10 ** i, "method": m} for m in methods for i in range(1, 5)],
        charts.slowdown_by_iterations: [{"iterations": 10 ** i, "slowdown": 5 / i, "method": m} for m in methods for i in range(1, 5)],
        charts.cache_hit_rate: [{"unit arrivals": i, "hit rate": i / 5} for i in range(1, 6)],
        charts.interventions_by_workload: [{"workload": "I/O-heavy", "technique": t, "interventions": n, "top": 100_000}
                                           for t, n in zip(techniques, (16_500, 1_062.5, 0, 10_000))],
        charts.transitions_by_batch: [{"batch size": b, "hypercalls": 16 // b, "guest↔Xen transitions": 32 // b} for b in (1, 2, 4)],
        charts.exits_by_reason: [{"exit": "30: I/O instruction", "count": 12, "cycles": 15_000}],
        charts.tagged_vs_flushed: [{"TLB": "flushed on every switch", "hit rate": 0.4, "walk references": 90},
                                   {"TLB": "tagged with VPIDs", "hit rate": 0.8, "walk references": 30}],
        charts.mastery_by_concept: [{"concept": "trap and emulate", "section": "2.1", "score": 0.8, "status": "mastered"}],
        ec2_charts.billing_timeline: billing.bill(billing.parse_timeline("vm1 t2.small 0:00-1:01", LECTURE), LECTURE
                                                  ).timeline_rows("hour"),
        ec2_charts.provisioning: elasticity.fixed(elasticity.demand("daily", 1), 0.1).rows(20),
        ec2_charts.credit_balance: [{"hour": h, "series": s, "value": 0.5} for h in range(3)
                                    for s in ("credit balance", "CPU wanted", "CPU got")],
        ec2_charts.runtime_histogram: [{"index": i, "runtime": 100.0 + i, "processor": "processor type A (newer)"} for i in range(9)],
        ec2_charts.runtime_box: [{"index": i, "runtime": 100.0 + i, "group": "all runs"} for i in range(9)],
        ec2_charts.confidence: [{"measurements": n, "mean": 100.0, "low": 99.0, "high": 101.0} for n in (5, 50)],
        ec2_charts.cov_by_mix: variance.sweep(20, 1, 0.03, steps=3),
        sched_charts.gantt: sched["gantt"],
        sched_charts.shares: sched["shares"],
        sched_charts.distribution: sched["distribution"],
        shared_io_view.guest_view: sched["guest_view"],
        partition_view.partition_chart: partition["partition_chart"],
        partition_view.io_chart: partition["io_chart"],
        live.distribution: live.distribution_rows(options, 12, ("POPF fails silently",)),
        live.rounds: live.rounds_rows(options, 12, options[::-1], 12),
        live.movement: live.movement_rows([("POPF traps", "POPF fails silently", 3)], tuple(t for t, _ in options)),
        lms_stats.first_try_right: [{"question": "2.1-popf", "section": "2.1", "prompt": "POPF in ring 1", "learners": 12,
                                     "first_try_right_percent": 42.0, "most_chosen_wrong": "B", "material": "lecture"}],
        lms_stats.by_parameter: [{"parameter": "isa", "value": v, "learners": 5, "first_try_right_percent": p}
                                 for v, p in (("IA-32", 40.0), ("ARMv7", 80.0))],
    }
    return [(f"{b.__module__}.{b.__name__}", b, r) for b, r in rows.items()]


SAMPLES = samples()


def _builders_in_viz() -> set[str]:
    """Every public function of a viz module that returns an Altair chart (by its annotation)."""
    found = set()
    for info in pkgutil.walk_packages(viz.__path__, "viz."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and "Chart" in str(fn.__annotations__.get("return", "")):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_chart_builder_is_checked():
    assert _builders_in_viz() == {name for name, _, _ in SAMPLES}


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), value
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path)


def _text_sizes(chart: dict[str, Any]) -> dict[str, float]:
    """Every text size the spec resolves to: the config's and those a builder set on an axis, legend or mark."""
    config = chart["config"]
    sizes = {f"config.{part}.{key}": config[part][key] for part, key in (
        ("axis", "labelFontSize"), ("axis", "titleFontSize"), ("legend", "labelFontSize"), ("legend", "titleFontSize"),
        ("header", "labelFontSize"), ("header", "titleFontSize"), ("title", "fontSize"), ("text", "fontSize"))}
    for path, value in _walk({k: v for k, v in chart.items() if k not in ("config", "data", "datasets")}):
        if path[-1] in ("labelFontSize", "titleFontSize", "fontSize") and isinstance(value, (int, float)):
            sizes[".".join(path)] = value
    return sizes


def _x_angles(chart: dict[str, Any]) -> list[Any]:
    """The label angle of every x axis: the config's, and any set on an x encoding."""
    angles = [chart["config"].get("axisX", {}).get("labelAngle")]
    for path, value in _walk({k: v for k, v in chart.items() if k not in ("config", "data", "datasets")}):
        if path[-1] == "labelAngle" and "x" in path:
            angles.append(value)
    return angles


@pytest.mark.parametrize("name, builder, rows", SAMPLES, ids=[s[0].removeprefix("viz.") for s in SAMPLES])
def test_chart_text_is_at_least_16_px_with_horizontal_x_labels(name, builder, rows):
    chart = builder(rows).to_dict()
    small = {where: size for where, size in _text_sizes(chart).items() if size < MIN_PX}
    assert not small, f"{name}: text below {MIN_PX} px: {small}"
    assert all(angle == 0 for angle in _x_angles(chart)), f"{name}: x labels turned: {_x_angles(chart)}"
    assert "configure" not in json.dumps({k: v for k, v in chart.items() if k != "config"})
    assert chart["usermeta"]["embedOptions"]["renderer"] == "svg"  # so a browser test can measure the text
    json.dumps(chart)


def test_titles_are_larger_than_labels_and_the_palette_is_okabe_ito():
    config = theme.config()["config"]
    assert config["axis"]["titleFontSize"] > config["axis"]["labelFontSize"] >= MIN_PX
    assert config["legend"]["titleFontSize"] > config["legend"]["labelFontSize"] >= MIN_PX
    assert config["axisX"]["labelAngle"] == 0
    okabe_ito = {palette.ORANGE, palette.SKY, palette.GREEN, palette.YELLOW, palette.BLUE, palette.VERMILLION,
                 palette.PURPLE, palette.BLACK}
    assert set(config["range"]["category"]) <= okabe_ito and len(config["range"]["category"]) == 8


def test_presenter_size_is_about_1_3_times_and_schemes_change_the_ink():
    normal, presenter = theme.config("normal")["config"], theme.config("presenter")["config"]
    for part, key in (("axis", "labelFontSize"), ("axis", "titleFontSize"), ("legend", "labelFontSize"), ("text", "fontSize")):
        assert presenter[part][key] / normal[part][key] == pytest.approx(1.3, abs=0.05)
    projector = theme.config(scheme="projector")["config"]
    assert projector["axis"]["labelColor"] == palette.BLACK and projector["axis"]["domainWidth"] >= 2
    assert projector["axis"]["labelFontSize"] > normal["axis"]["labelFontSize"]
    with pytest.raises(ValueError, match="chart size must be one of normal, presenter"):
        theme.config("huge")
    with pytest.raises(ValueError, match="chart scheme must be one of light, projector"):
        theme.config(scheme="dark")  # the dark page shows charts on a white card, in the light scheme


def test_the_look_is_per_thread_and_part_of_the_cache_key():
    builder = charts.tagged_vs_flushed
    rows = next(r for _, b, r in SAMPLES if b is builder)
    assert theme.current() == ("normal", "light")
    with theme.looking("presenter", "projector"):
        themed = builder(rows).to_dict()
        cached = spec(builder, rows)
    assert themed["config"]["axis"]["labelColor"] == cached["config"]["axis"]["labelColor"] == palette.BLACK
    assert themed["config"]["axis"]["labelFontSize"] == cached["config"]["axis"]["labelFontSize"] == round(16 * 1.3 * 1.15)
    assert theme.current() == ("normal", "light")  # restored after the block
    assert spec(builder, rows)["config"]["axis"]["labelColor"] == theme.INKS["light"].text
    assert alt.theme.active == theme.NAME


# ----------------------------------------------------------------------------------------- the switch (AppTest)

def _open(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _css(at: AppTest) -> str:
    """The page's style elements (st.html of style only, which Streamlit keeps out of the page's flow)."""
    return "\n".join(h.proto.body for h in at.get("html") if "<style>" in h.proto.body)


def _switch(at: AppTest):
    return next(w for w in at.get("button_group") if w.key == "theme")


def test_the_theme_switch_changes_the_page_and_lands_in_the_address():
    at = _open(page="pages/s23_compare.py")
    assert _switch(at).value == "light" and "theme" not in at.query_params
    assert "--background-color: #0E1117" not in _css(at)
    _switch(at).set_value("dark").run()
    assert not at.exception
    assert at.query_params["theme"] in ("dark", ["dark"])
    assert "--background-color: #0E1117" in _css(at)
    at.switch_page("pages/s22_paging.py").run()  # another page keeps it
    assert _switch(at).value == "dark" and at.query_params["theme"] in ("dark", ["dark"])
    _switch(at).set_value("projector").run()
    assert at.query_params["theme"] in ("projector", ["projector"]) and "font-size: 21px" in _css(at)
    _switch(at).set_value("light").run()
    assert "theme" not in at.query_params  # the default stays out of the address


def test_a_linked_theme_opens_in_it_with_charts_on_a_white_card():
    at = _open({"theme": "dark"}, "pages/s23_compare.py")
    assert _switch(at).value == "dark" and "--background-color: #0E1117" in _css(at)
    assert not any("Link notice" in i.value for i in at.info)
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["config"]["axis"]["labelColor"] == theme.INKS["light"].text  # dark text: the card is white
    assert '[data-testid="stVegaLiteChart"] { background-color: #FFFFFF' in _css(at)


@pytest.mark.parametrize("raw", ["neon", "DARK", "<script>"])
def test_a_bad_theme_in_the_link_gives_a_notice_and_the_light_theme(raw):
    at = _open({"theme": raw})
    notices = [i.value for i in at.info if "Link notice" in i.value]
    assert notices and f"'theme={raw}'" in notices[0].replace("\\", "") and "light" in notices[0]  # shown escaped
    assert _switch(at).value == "light" and "--background-color" not in _css(at)


def test_presenter_mode_enlarges_chart_text():
    from ui import theme as page_theme

    at = _open(page="pages/s23_compare.py")
    at.session_state["presenter"] = True
    at.run()
    assert not at.exception
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["config"]["axis"]["labelFontSize"] == round(16 * 1.3)
    assert page_theme.LABELS.keys() == set(page_theme.SCHEMES) == set(page_theme.CHART_SCHEME)
    assert set(page_theme.CHART_SCHEME.values()) <= set(theme.SCHEMES)
