"""Rows of the scheduling tables and the guest's-eye chart, checked against the engine's results."""

from engine.sharing import sched
from engine.sharing.sched_presets import PRESETS, shared_io_effect
from viz.sharing.sched_tables import compare_rows, frame_table, metric_rows
from viz.sharing.shared_io_view import guest_rows, guest_view


def test_frame_table_shows_what_each_scheduler_decides_by():
    for scheduler, column in (("credit", "priority"), ("credit2", "credit (ms)"), ("rtds", "deadline (ms)")):
        trace = sched.simulate(PRESETS["weights"].scenario, scheduler, window_ms=60)
        rows = frame_table(trace[-1].state)
        assert [r["vCPU"] for r in rows] == ["vm1.v0", "vm1.v1", "vm2.v0", "vm2.v1"]
        assert all(column in r for r in rows)
    pinned = frame_table(sched.simulate(PRESETS["pinning"].scenario, "pinning", window_ms=60)[-1].state)
    assert "credit" not in pinned[0] and {r["state"] for r in pinned} <= set(
        ("▶ running", "⏳ runnable", "⏸ blocked", "⛔ parked"))


def test_metric_rows_give_shares_in_the_weight_ratio():
    rows = metric_rows(sched.run(PRESETS["weights"].scenario, "credit").metrics())
    assert [(r["VM"], r["entitled (pCPUs)"]) for r in rows] == [("vm1", "0.67"), ("vm2", "1.33")]
    assert [r["wake-up latency (ms) mean / p95 / max"] for r in rows] == ["—", "—"]  # CPU-bound: never wakes


def test_compare_rows_name_the_worst_vm_per_measure():
    scenario = PRESETS["rtds-overload"].scenario
    results = {"RTDS": sched.run(scenario, "rtds").metrics(), "Credit": sched.run(scenario, "credit").metrics()}
    rows = compare_rows(results, "response")
    assert [r["scheduler"] for r in rows] == ["RTDS", "Credit"]
    assert int(rows[0]["deadline misses"]) > 0 and rows[1]["deadline misses"] == "0"
    assert "worst p95 response time (ms)" in rows[0]


def test_guest_rows_are_the_guests_own_bursts():
    effects, off, on = shared_io_effect(PRESETS["shared-io"].scenario, "credit")
    rows = guest_rows({"off": off, "on": on}, "web1")
    assert len(rows) == sum(b.vm == "web1" for b in off.bursts) + sum(b.vm == "web1" for b in on.bursts)
    assert max(r["response"] for r in rows if r["setting"] == "on") > max(r["response"] for r in rows if r["setting"] == "off")
    assert guest_view(rows).to_dict()["data"]["values"] == rows


def test_colour_key_names_each_vms_colour_in_words():
    from viz.palette import colour_key, vm_colours

    assert colour_key(vm_colours(["web", "batch", "web"])) == "web orange · batch sky blue"
