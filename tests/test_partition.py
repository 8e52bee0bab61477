"""Resource distribution (lecture 2.4): static partitions refuse over-commits, pinning vs scheduling, FCFS I/O."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.sharing.partition import (
    IO_PRESETS, PLAN_PRESETS, VM, Host, IoRequest, Layout, Operation, PartitionError, Plan, core_loads, fcfs, fcfs_trace,
    parse_plan, parse_requests, plan_text, refusals, replay, utilisation, waits_by_vm, waits_table,
)
from tests.test_dot_valid import render
from viz.palette import vm_colours
from viz.sharing.partition_view import cores_graph, io_chart, io_rows, partition_chart, partition_rows
from viz.theme import described
from viz.vega import spec

HOST = Host(disk=1000, mem=64, pcpus=8)


def layout(mode="pinned") -> Layout:
    return Layout(HOST, cpu_mode=mode).add(VM("web", 100, 8, 2)).add(VM("db", 400, 32, 4))


def test_add_takes_fixed_fractions_and_lowest_free_cores():
    lay = layout()
    assert (lay.free("disk"), lay.free("mem"), lay.free("vcpus")) == (500, 24, 2)
    assert lay.cores_of("web") == (0, 1) and lay.cores_of("db") == (2, 3, 4, 5)
    assert lay.pinning()[6] is None


def test_memory_overcommit_is_refused_with_resource_requested_and_free():
    lay = layout()
    with pytest.raises(PartitionError, match=r"cannot add 'big': memory needs 32 GiB, but only 24 of 64 GiB are free"):
        lay.add(VM("big", 10, 32, 1))
    with pytest.raises(PartitionError, match=r"cannot resize 'web': memory 8 → 40 GiB needs 32 more, but only 24 of 64"):
        lay.resize("web", mem=40)
    with pytest.raises(PartitionError, match=r"disk needs 600 GB, but only 500 of 1000 GB are free"):
        lay.add(VM("big", 600, 1, 1))
    assert lay == layout()  # frozen: the last good layout is untouched


def test_resize_and_remove():
    lay = layout().resize("web", mem=16, vcpus=3)
    assert lay.vm("web").mem == 16 and lay.cores_of("web") == (0, 1, 6)  # keeps its cores, gains the lowest free
    assert lay.resize("web", vcpus=1).cores_of("web") == (0,)
    gone = lay.remove("db")
    assert [v.name for v in gone.vms] == ["web"] and gone.free("mem") == 48 and gone.free("vcpus") == 5
    with pytest.raises(PartitionError, match="there is no VM 'db'"):
        gone.remove("db")
    with pytest.raises(PartitionError, match="a VM with that name exists"):
        lay.add(VM("web", 1, 1, 1))


def test_pinned_cores_cannot_exceed_pcpus_but_scheduled_vcpus_can():
    with pytest.raises(PartitionError, match=r"CPU needs 4 cores \(pinned: one dedicated core per vCPU\), but only 2 of 8"):
        layout().add(VM("batch", 10, 4, 4))
    scheduled = layout("scheduled").add(VM("batch", 10, 4, 4))
    assert scheduled.used("vcpus") == 10 and scheduled.pinning() == (None,) * 8
    with pytest.raises(PartitionError, match="as many distinct existing cores"):
        Layout(HOST, (VM("a", 1, 1, 2),), "pinned", ((0, 0),))


def test_pinning_utilisation_is_exact():
    lay = Layout(HOST, cpu_mode="pinned").add(VM("web", 1, 1, 4, (10,))).add(VM("mail", 1, 1, 2, (5, 15)))
    use = utilisation(lay)
    assert use.used == pytest.approx(0.6) and use.idle_pinned == pytest.approx(5.4) and use.idle_free == 2
    assert use.utilisation == pytest.approx(0.075) and use.wasted == pytest.approx(0.675)
    assert core_loads(lay) == (0.1, 0.1, 0.1, 0.1, 0.05, 0.15, 0.0, 0.0)
    busy = Layout(Host(10, 10, 2), cpu_mode="scheduled").add(VM("a", 1, 1, 3))
    assert (utilisation(busy).utilisation, utilisation(busy).unmet) == (1.0, 1.0)


def test_replay_refuses_an_operation_and_keeps_the_last_good_layout():
    trace = replay(parse_plan(PLAN_PRESETS["overcommit"].text), "pinned")
    refused = [f for f in trace if f.event.endswith("refused")]
    assert len(refused) == 1 and "only 0 of 64 GiB are free" in refused[0].explanation
    index = trace.frames.index(refused[0])
    assert trace[index].state == trace[index - 1].state
    assert trace[-1].counters["refused"] == 1 and refusals(trace) == (refused[0].caption,)


def test_pinning_preset_fits_only_when_scheduled():
    plan = parse_plan(PLAN_PRESETS["idle-pinned"].text)
    pinned, scheduled = replay(plan, "pinned")[-1], replay(plan, "scheduled")[-1]
    assert pinned.counters["refused"] == 1 and scheduled.counters["refused"] == 0
    assert utilisation(scheduled.state).utilisation > utilisation(pinned.state).utilisation


def test_every_preset_replays_deterministically_and_round_trips():
    for preset in PLAN_PRESETS.values():
        plan = parse_plan(preset.text)
        assert parse_plan(plan_text(plan)) == plan
        for mode in ("pinned", "scheduled"):
            assert replay(plan, mode) == replay(plan, mode)


@pytest.mark.parametrize("text, message", [
    ("", "the plan is empty"),
    ("web disk=1 mem=1 vcpus=1", r"line 1 \('web disk=1 mem=1 vcpus=1'\): the first line must describe the host"),
    ("host disk=10 mem=4", r"line 1 .*the host needs pcpus="),
    ("host disk=10 mem=4 pcpus=2\nweb disk=1 mem=x vcpus=1", r"line 2 .*mem=x must be a whole number"),
    ("host disk=10 mem=4 pcpus=2\n\nweb disk=1 ram=1 vcpus=1", r"line 3 .*unknown setting 'ram'"),
    ("host disk=10 mem=4 pcpus=2\nweb disk=1 mem=1", r"line 2 .*VM 'web' needs vcpus="),
    ("host disk=10 mem=4 pcpus=2\nremove web mem=1", r"line 2 .*takes no settings"),
    ("host disk=10 mem=4 pcpus=2\n9lives disk=1 mem=1 vcpus=1", r"line 2 .*'9lives' is not a VM name"),
    ("host disk=10 mem=4 pcpus=99", r"line 1 .*pcpus must be a whole number from 1 to 32"),
    ("host disk=10 mem=4 pcpus=2\nhost disk=1 mem=1 pcpus=1", r"line 2 .*described once"),
])
def test_parse_errors_are_located(text, message):
    with pytest.raises(PartitionError, match=message):
        parse_plan(text)


def test_bad_values_in_a_valid_line_are_refused_when_applied():
    trace = replay(parse_plan("host disk=10 mem=4 pcpus=2\nweb disk=1 mem=1 vcpus=2 load=50,60,70"), "pinned")
    assert "load gives 3 values for 2 vCPUs" in trace[-1].explanation


def test_fcfs_waiting_times_hand_checked():
    # the device is busy 0-3 (a), 3-5 (b, waited 2), idle 5-6, 6-7 (c), 7-11 (d, waited 1)
    requests = [IoRequest("a", 1, 0, 3), IoRequest("b", 1, 1, 2), IoRequest("c", 1, 6, 1), IoRequest("d", 1, 6, 4)]
    served = fcfs(requests)
    assert [(s.request.vm, s.start, s.finish, s.wait) for s in served] == [
        ("a", 0, 3, 0), ("b", 3, 5, 2), ("c", 6, 7, 0), ("d", 7, 11, 1)]
    assert waits_by_vm(served) == {"a": (0, 0), "b": (2, 2), "c": (0, 0), "d": (1, 1)}


def test_a_greedy_burst_delays_the_others():
    requests = parse_requests(IO_PRESETS["greedy-burst"].text)
    with_burst = waits_by_vm(fcfs(requests))
    alone = waits_by_vm(fcfs([r for r in requests if r.vm != "greedy"]))
    assert with_burst["web"][1] == 23 and alone["web"][1] == 0
    trace = fcfs_trace(requests)
    assert len(trace) == len(requests) + 1 and trace[-1].counters["served"] == len(requests)
    assert trace[-1].counters["waited_ms"] == sum(s.wait for s in fcfs(requests))
    assert "waited 23 ms" in next(f.explanation for f in trace if f.event.endswith("web #1 starts"))


def test_waits_table_names_the_busiest_vm_and_the_waits_without_it():
    requests = parse_requests(IO_PRESETS["greedy-burst"].text)
    busiest, rows = waits_table(requests)
    assert busiest == "greedy"
    by_vm = {w.vm: w for w in rows}
    assert by_vm["greedy"].mean_without_busiest is None
    assert by_vm["web"].longest == 23 and by_vm["web"].mean_without_busiest == 0
    assert sum(w.requests for w in rows) == len(requests)
    assert [w.vm for w in rows] == list(waits_by_vm(fcfs(requests)))


@pytest.mark.parametrize("text, message", [
    ("web at=0", r"line 1 .*needs service="),
    ("web at=0 service=0", r"line 1 .*service= must be from 1"),
    ("web at=0 service=1 count=41", "count= must be from 1 to 40"),
    ("# nothing", "no requests"),
])
def test_io_parse_errors_are_located(text, message):
    with pytest.raises(PartitionError, match=message):
        parse_requests(text)


def test_burst_shorthand_numbers_the_requests():
    requests = parse_requests("web at=2 service=1 count=3 every=4")
    assert [(r.label, r.arrival) for r in requests] == [("web #1", 2), ("web #2", 6), ("web #3", 10)]


def test_pictures_build_for_every_frame():
    for preset in PLAN_PRESETS.values():
        plan = parse_plan(preset.text)
        colours = vm_colours([op.name for op in plan.operations])
        for mode in ("pinned", "scheduled"):
            for frame in replay(plan, mode):
                rows = partition_rows(frame.state, colours)
                for bar in ("Disk", "Memory"):
                    assert sum(r["share"] for r in rows if str(r["resource"]).startswith(bar)) == pytest.approx(1)
                partition_chart(rows).to_dict()
                render(cores_graph(frame.state, colours).source)
    trace = fcfs_trace(parse_requests(IO_PRESETS["greedy-burst"].text))
    for frame in trace:
        rows = io_rows(frame.state, vm_colours(["greedy", "web", "db"]))
        assert all(r["to"] <= frame.state.time for r in rows if r["phase"] == "waiting")
        assert len([r for r in rows if r["phase"] == "span"]) == 11
        assert [r["now"] for r in rows if "now" in r] == [frame.state.time] and rows[-1]["phase"] == "now"
        io_chart(rows).to_dict()


def test_colours_are_distinct_okabe_ito_per_vm():
    colours = vm_colours(["a", "b", "a", "c"])
    assert list(colours) == ["a", "b", "c"] and len(set(colours.values())) == 3


def test_fast_spec_equals_the_validated_altair_spec():
    plan = parse_plan(PLAN_PRESETS["overcommit"].text)
    colours = vm_colours([op.name for op in plan.operations])
    rows = partition_rows(replay(plan)[-1].state, colours)
    trace = fcfs_trace(parse_requests(IO_PRESETS["steady"].text))
    for builder, data in ((partition_chart, rows), (io_chart, io_rows(trace[2].state, colours))):
        assert spec(builder, data) == described(builder(data).to_dict())


NAMES = st.sampled_from(["a", "b", "c", "d"])
OPERATIONS = st.one_of(
    st.builds(lambda n, d, m, v: ("add", n, (("disk", d), ("mem", m), ("vcpus", v))), NAMES,
              st.integers(1, 400), st.integers(1, 40), st.integers(1, 6)),
    st.builds(lambda n, m, v: ("resize", n, (("mem", m), ("vcpus", v))), NAMES, st.integers(1, 40), st.integers(1, 6)),
    st.builds(lambda n: ("remove", n, ()), NAMES),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(OPERATIONS, max_size=12), st.sampled_from(["pinned", "scheduled"]))
def test_every_layout_of_a_random_plan_fits_the_host(ops, mode):
    plan = Plan(HOST, tuple(Operation(i + 2, kind, name, settings) for i, (kind, name, settings) in enumerate(ops)))
    trace = replay(plan, mode)
    assert trace == replay(plan, mode)
    for before, frame in zip(trace, trace.frames[1:]):
        lay = frame.state
        for resource in lay.limited:
            assert lay.used(resource) <= lay.capacity(resource)
        cores = [c for pinned in lay.pins for c in pinned]
        assert len(cores) == len(set(cores)) == (lay.used("vcpus") if mode == "pinned" else 0)
        assert all(0 <= c < HOST.pcpus for c in cores)
        if frame.event.endswith("refused"):
            assert frame.state == before.state
        elif mode == "pinned":  # a VM that stays keeps the cores it had (it may only gain or lose some at the end)
            for vm, pinned in zip(before.state.vms, before.state.pins):
                if vm.name in {v.name for v in lay.vms}:
                    now = lay.cores_of(vm.name)
                    assert now[:len(pinned)] == pinned[:len(now)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(NAMES, st.integers(0, 30), st.integers(1, 8)), min_size=1, max_size=15))
def test_fcfs_serves_in_arrival_order_one_at_a_time_without_idling(raw):
    requests = [IoRequest(vm, i + 1, at, service) for i, (vm, at, service) in enumerate(raw)]
    served = fcfs(requests)
    assert {s.request for s in served} == set(requests) and len(served) == len(requests)
    for earlier, later in zip(served, served[1:]):
        assert earlier.request.arrival <= later.request.arrival
        assert later.start == max(earlier.finish, later.request.arrival)  # never idle while someone waits
    assert all(s.start >= s.request.arrival and s.finish - s.start == s.request.service for s in served)
