"""The approaches compared: interventions follow the lecture's mechanisms; cycles only from published figures."""

from engine.assisted import compare


def result(workload: str, technique: str) -> compare.Result:
    return next(r for r in compare.table() if r.workload == workload and r.technique == technique)


def test_ept_removes_every_memory_management_exit():
    for event in ("pte_update", "cr3_switch", "page_fault"):
        assert compare.INTERVENTIONS["vtx_ept"][event][0] == 0
        assert compare.INTERVENTIONS["vtx"][event][0] == 1
    assert result("pagetable", "vtx_ept").interventions == 0 < result("pagetable", "vtx").interventions


def test_paravirtual_syscalls_skip_xen_but_page_faults_do_not():
    assert compare.INTERVENTIONS["pv"]["syscall"][0] == 0
    assert compare.INTERVENTIONS["pv"]["page_fault"][0] == 1
    assert compare.INTERVENTIONS["pv"]["pte_update"][0] == 1 / compare.PV_BATCH


def test_cycles_come_from_adams_and_agesen():
    # sources.toml: aa-nanobenchmarks: ptemod 391 (BT) and 12733 (VT-x) cycles vs ~1 native; pgfault 3927 / 11242 vs 1093
    assert compare.overhead_cycles("bt", "pte_update") == 390
    assert compare.overhead_cycles("vtx", "pte_update") == 12732
    assert compare.overhead_cycles("vtx", "page_fault") == 11242 - 1093
    assert compare.overhead_cycles("bt", "port_io") == 214  # the emulation path in full, not 214 - 3209 < 0
    assert compare.overhead_cycles("pv", "pte_update") is None  # no published figure: not invented
    assert compare.overhead_cycles("vtx_ept", "pte_update") == 0  # no exit at all


def test_unknown_events_are_listed_not_guessed():
    r = result("pagetable", "pv")
    assert set(r.unknown_events) == {"pte_update", "cr3_switch", "page_fault"}
    assert result("compute", "vtx_ept").unknown_events == ()


def test_published_tables_carry_their_sources():
    assert "Adams & Agesen, ASPLOS 2006" in compare.ADAMS_AGESEN_SOURCE
    assert "Barham et al., SOSP 2003" in compare.XEN_PAPER_SOURCE and "left out" in compare.XEN_PAPER_SOURCE
    assert compare.XEN_PAPER[0]["XenoLinux"] == 567 and compare.ADAMS_AGESEN[0]["Hardware VMM (VT-x, no EPT)"] == "106.4 s"
    assert [row["Modified guest OS?"] for row in compare.LECTURE_SUMMARY] == ["NO", "YES", "NO"]
    assert [row["Hardware support?"] for row in compare.LECTURE_SUMMARY] == ["NO", "NO", "YES"]


# ----------------------------------------------------------------------------------------- the page's chart and table

def _panel(workload: str) -> dict:
    from viz.charts import interventions_by_workload

    name = next(w.name for w in compare.WORKLOADS if w.id == workload)
    return interventions_by_workload([{"workload": name, "technique": compare.TECHNIQUE_LABELS[r.technique],
                                       "interventions": r.interventions, "top": 100_000}
                                      for r in compare.table() if r.workload == workload]).to_dict()


def test_chart_axis_shows_its_values_from_zero_in_powers_of_ten():
    chart = _panel("pagetable")
    x = chart["layer"][0]["encoding"]["x"]
    assert x["scale"] == {"type": "symlog", "constant": 1, "domain": [0, 100_000], "nice": False}
    assert x["axis"]["values"] == [0, 1, 10, 100, 1_000, 10_000, 100_000]
    assert "'k'" in x["axis"]["labelExpr"]  # 1k, 10k, 100k
    assert chart["title"] == "Page-table-heavy (fork/exec)"  # one chart per workload: no panel titles to collide


def test_a_zero_count_is_a_visible_mark_with_its_value_written():
    chart = _panel("compute")
    marks = [layer["mark"]["type"] for layer in chart["layer"]]
    assert marks == ["bar", "point", "text"]
    zero = chart["layer"][1]
    assert zero["transform"] == [{"filter": "(datum.interventions === 0)"}] and zero["mark"]["size"] >= 200
    assert chart["layer"][2]["encoding"]["text"]["field"] == "interventions"  # "0" written beside the diamond
    assert any(v["interventions"] == 0 for v in chart["data"]["values"])


def test_page_says_unknown_where_no_cost_is_published_never_zero():
    from tests.test_pages import open_page

    at = open_page("pages/s23_compare.py")
    cost = "Extra cycles / 10⁶ instr. (published per-event figures)"
    rows = next(t.value for t in at.table if cost in t.value.columns)
    by = {(w, a): c for w, a, c in zip(rows["Workload"], rows["Approach"], rows[cost])}
    assert by[("Compute-bound", "Paravirtualization (Xen)")] == "unknown"  # every event it has lacks a figure
    assert by[("Compute-bound", "Full virtualization (BT)")] == "0.1 M + unknown"  # CR3 switches lack one
    assert by[("Compute-bound", "VT-x with EPT")] == "0"  # no VMM entry at all: a real zero
    assert by[("I/O-heavy", "VT-x with EPT")] == "158.3 M"  # 10,000 IN exits × 15,826 cycles
    assert list(rows["Interventions / 10⁶ instr."])[:2] == ["40", "21.25"]
    assert len(at.get("vega_lite_chart")) == len(compare.WORKLOADS)
