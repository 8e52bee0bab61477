"""Xen paravirtualization: hypercall numbers, validated page-table updates, batching, the CPU paths,
hypercalls vs events, and the split-driver I/O ring."""

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.assisted.xen import (
    HYPERCALLS, PTE_SIZE, SIMPLIFICATIONS, SOURCES, Domain, Host, MmuUpdate, Pte, XenError, allowed_update,
    batched_updates, check_update, create_host, default_host, event_flow, foreign_frame_rejected, hypercall_flow,
    simulate_updates, split_driver_request, syscall_vs_pagefault, transitions_by_batch_size,
)

HOST = default_host()
U1, U2 = HOST.domain("DomU1"), HOST.domain("DomU2")
PT1 = U1.page_tables[0]


def test_hypercall_numbers_match_xen_h():
    # sources.toml: xen-hypercall-numbers, xen.git xen/include/public/xen.h
    pinned = {"set_trap_table": 0, "mmu_update": 1, "set_gdt": 2, "stack_switch": 3, "set_callbacks": 4,
              "fpu_taskswitch": 5, "sched_op_compat": 6, "platform_op": 7, "update_descriptor": 10, "memory_op": 12,
              "multicall": 13, "update_va_mapping": 14, "set_timer_op": 15, "xen_version": 17, "console_io": 18,
              "grant_table_op": 20, "vm_assist": 21, "iret": 23, "vcpu_op": 24, "mmuext_op": 26, "sched_op": 29,
              "event_channel_op": 32, "physdev_op": 33, "hvm_op": 34, "sysctl": 35, "domctl": 36, "dm_op": 41}
    assert HYPERCALLS == pinned
    assert len(set(HYPERCALLS.values())) == len(HYPERCALLS)


def test_default_host_partitions_memory_statically_and_scattered():
    assert [(d.name, len(d.frames), d.kind) for d in HOST.domains] == [
        ("Dom0", 12, "Domain 0"), ("DomU1", 8, "Domain U"), ("DomU2", 8, "Domain U")]
    assert HOST.xen_frames == (0, 1, 2, 3) and HOST.kernel_ring == 1
    owned = sorted(f for d in HOST.domains for f in d.frames)
    assert owned == list(range(4, 32))  # every frame has exactly one owner
    assert [HOST.owner(f) for f in (0, U1.frames[3], U2.frames[0])] == ["Xen", "DomU1", "DomU2"]
    for seed in range(20):
        for d in default_host(seed).domains:
            assert max(d.frames) - min(d.frames) + 1 > len(d.frames), f"seed {seed}: {d.name} is contiguous"
    assert default_host(1) != default_host(2) and default_host(3) == default_host(3)
    assert create_host((("Dom0", 4),), 8, arch="x86_64").kernel_ring == 3


def test_frame_table_shows_types_and_reference_counts():
    rows = {f: (owner, kind, refs) for f, owner, kind, refs in HOST.frame_rows()}
    assert rows[0] == ("Xen", "Xen", 0)
    assert rows[PT1] == ("DomU1", "PT", 1)  # mapped once, read-only, by its own slot 0
    assert rows[U1.frames[1]] == ("DomU1", "RW", 1)
    assert HOST.table(PT1)[0] == Pte(PT1, writable=False)
    assert HOST.violations() == ()


def test_allowed_preset_applies_the_update():
    trace = allowed_update().run()
    assert [f.state.phase for f in trace] == ["start", "queue", "trap", "check", "return"]
    assert [f.state.ring for f in trace] == [1, 1, 0, 0, 1]
    check = trace[3].state
    assert check.verdict == "applied" and check.rule == ""
    assert dict(trace[-1].counters) == {"hypercalls": 1, "guest_xen_transitions": 2, "updates_applied": 1,
                                        "updates_rejected": 0}
    assert trace[-1].state.host.table(PT1)[len(U1.frames)] == Pte(U1.frames[-1], writable=False)
    assert trace[-1].state.host.ref_count(U1.frames[-1]) == 2
    assert "Hypercall mmu_update (1)" in trace[2].event


def test_foreign_frame_preset_is_rejected_and_changes_nothing():
    trace = foreign_frame_rejected().run()
    check = trace[3].state
    assert check.verdict == "rejected" and check.rule == "b"
    assert "belongs to DomU2, not to DomU1" in check.reason and "grant tables" in check.reason
    assert trace[-1].state.host == HOST
    assert dict(trace[-1].counters)["updates_rejected"] == 1


def test_batched_preset_two_traps_and_a_writable_page_table_rejected():
    trace = batched_updates().run()
    counters = dict(trace[-1].counters)
    assert counters == {"hypercalls": 2, "guest_xen_transitions": 4, "updates_applied": 5, "updates_rejected": 1}
    assert [f.state.rule for f in trace if f.state.verdict == "rejected"] == ["c"]
    assert "multicall (13)" in trace[1].explanation


@pytest.mark.parametrize("update, rule, message", [
    (MmuUpdate(PT1 * 4096 + 3, 0), "align", "not the address of an 8-byte PTE"),
    (MmuUpdate.write(U2.page_tables[0], 40, U1.frames[1], True), "a", f"frame {U2.page_tables[0]}, which belongs to DomU2"),
    (MmuUpdate.write(U1.frames[1], 40, U1.frames[2], True), "a", "ordinary RW frame of DomU1, not one of its registered"),
    (MmuUpdate.write(99, 0, U1.frames[2], True), "a", "belongs to nobody: the machine has only frames 0–31"),
    (MmuUpdate.write(PT1, 40, 0, False), "b", "frame 0, which belongs to Xen"),
    (MmuUpdate.write(PT1, 40, 1000, False), "b", "frame 1000, which belongs to nobody"),
    (MmuUpdate.write(PT1, 40, PT1, True), "c", f"machine frame {PT1} is a page table (type PT)"),
    (MmuUpdate.write(PT1, 40, PT1, False), "", ""),
    (MmuUpdate.clear(PT1, 0), "", ""),
])
def test_each_validation_rule(update, rule, message):
    got_rule, reason = check_update(HOST, "DomU1", update)
    assert got_rule == rule and message in reason


def test_unallocated_frame_is_rejected():
    host = create_host((("Dom0", 4), ("DomU1", 4)), 16, 2)
    pt = host.domain("DomU1").page_tables[0]
    assert "no domain (it is unallocated)" in check_update(host, "DomU1", MmuUpdate.write(pt, 9, 15, False))[1]


@pytest.mark.parametrize("n, k", [(0, 1), (1, 1), (7, 1), (7, 2), (7, 7), (7, 10), (12, 4), (13, 4)])
def test_batching_arithmetic_matches_the_simulation(n, k):
    (size, calls, transitions), = transitions_by_batch_size(n, [k])
    assert size == k and calls == -(-n // k) and transitions == 2 * calls
    requests = [MmuUpdate.write(PT1, 20 + i, U1.frames[1 + i % 7], True) for i in range(n)]
    counters = simulate_updates(HOST, "DomU1", requests, k)[-1].counters
    assert (counters["hypercalls"], counters["guest_xen_transitions"]) == (calls, transitions)
    assert counters["updates_applied"] == n


def test_transitions_chart_rows():
    assert transitions_by_batch_size(100, [1, 10, 32, 100]) == [(1, 100, 200), (10, 10, 20), (32, 4, 8), (100, 1, 2)]


DOMAINS = st.sampled_from(["Dom0", "DomU1", "DomU2"])
FRAMES = st.integers(0, 35)
WHOSE = st.one_of(st.just("self"), DOMAINS)  # resolved per host: the caller or a named domain
TABLES = st.one_of(WHOSE, FRAMES)  # that domain's page table, or any frame at all
TARGETS = st.one_of(st.tuples(WHOSE, st.integers(0, 7)), FRAMES)  # that domain's i-th frame (0 = its page table), or any
STRUCTURED = st.tuples(TABLES, st.integers(0, 511), TARGETS, st.integers(0, 7))
RAW = st.builds(MmuUpdate, st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))


def _resolve(host, caller, request):
    if isinstance(request, MmuUpdate):
        return request
    table, slot, frame, flags = request

    def named(who):
        return host.domain(caller if who == "self" else who)

    pt = named(table).page_tables[0] if isinstance(table, str) else table
    frame = named(frame[0]).frames[frame[1]] if isinstance(frame, tuple) else frame
    return MmuUpdate((pt << 12) + slot * PTE_SIZE, (frame << 12) | flags)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(DOMAINS, st.lists(st.one_of(STRUCTURED, STRUCTURED, RAW), max_size=12), st.integers(1, 5)),
                max_size=6),
       st.integers(0, 3))
def test_no_update_sequence_breaks_isolation(runs, seed):
    host = default_host(seed)
    for domain, requests, batch in runs:
        trace = simulate_updates(host, domain, [_resolve(host, domain, r) for r in requests], batch)
        for frame in trace:
            assert frame.state.host.violations() == ()
            assert frame.state.host.domains == host.domains  # ownership is static
        counters = trace[-1].counters
        assert counters["updates_applied"] + counters["updates_rejected"] == len(requests)
        assert counters["hypercalls"] == -(-len(requests) // batch)
        host = trace[-1].state.host
        for pt, table in host.tables:
            for _, pte in table:
                assert host.owner(pte.frame) == host.owner(pt)
                assert not (pte.writable and host.frame_type(pte.frame) == "PT")


def test_syscall_skips_xen_and_page_fault_enters_it():
    syscall, fault = syscall_vs_pagefault()
    assert dict(syscall[-1].counters) == {"xen_entries": 0, "ring_transitions": 2}
    assert dict(fault[-1].counters) == {"xen_entries": 1, "ring_transitions": 3}
    assert [f.state.ring for f in syscall] == [3, 1, 1, 3]
    assert [f.state.ring for f in fault] == [3, 0, 0, 1, 3]
    assert all(f.state.actor != "Xen" for f in syscall)
    assert "without indirecting via ring 0" in syscall[1].explanation
    assert "readable only in ring 0" in fault[1].explanation and fault[1].state.cr2 == "0x0804a000"
    assert dict(fault[3].state.stack_frame)["faulting address (CR2)"] == "0x0804a000"


@pytest.mark.parametrize("name", ["mmu_update", "multicall", "event_channel_op", "grant_table_op", "xen_version"])
def test_hypercall_is_a_synchronous_round_trip(name):
    trace = hypercall_flow(name)
    number = HYPERCALLS[name]
    assert [f.state.actor for f in trace] == ["guest kernel", "Xen", "Xen", "guest kernel"]
    assert [f.state.ring for f in trace] == [1, 0, 0, 1]
    assert all(f.state.number == number for f in trace) and f"hypercall {number}" in trace[1].event
    assert dict(trace[-1].counters) == {"hypercalls": 1, "guest_xen_transitions": 2}
    assert [f.state.ring for f in hypercall_flow(name, "x86_64")] == [3, 0, 0, 3]


def test_event_is_deferred_while_masked_then_delivered():
    trace = event_flow()
    deferred = next(f for f in trace if "deferred" in f.event)
    assert deferred.state.masked and deferred.state.pending[3] and deferred.state.handled == ()
    assert deferred.counters["callbacks"] == 0
    after = trace[-1]
    assert not after.state.masked and not any(after.state.pending) and after.state.handled == (3, 1)
    assert dict(after.counters) == {"hypercalls": 1, "events_sent": 2, "events_deferred": 1, "callbacks": 2}
    assert "event_channel_op (32)" in trace[2].explanation and "virtual CLI" in trace[1].event


@pytest.mark.parametrize("kind, front, back, header", [("block", "blkfront", "blkback", "io/blkif.h"),
                                                       ("net", "netfront", "netback", "io/netif.h")])
def test_split_driver_ring_pointers(kind, front, back, header):
    trace = split_driver_request(kind)
    for frame in trace:
        s = frame.state
        assert s.pointer_violations() == ()
        assert s.req_cons <= s.req_prod and s.rsp_cons <= s.rsp_prod and s.rsp_prod <= s.req_cons
    pointers = [(f.state.req_prod, f.state.req_cons, f.state.rsp_prod, f.state.rsp_cons) for f in trace]
    assert pointers == [(0, 0, 0, 0), (1, 0, 0, 0), (1, 0, 0, 0), (1, 1, 0, 0), (1, 1, 0, 0), (1, 1, 1, 0),
                        (1, 1, 1, 0), (1, 1, 1, 1)]
    assert trace[1].state.slots[0].kind == "request" and trace[5].state.slots[0].kind == "response"
    assert trace[5].state.slots[0].id == trace[1].state.slots[0].id
    assert dict(trace[-1].counters) == {"hypercalls": 3, "event_notifications": 2, "requests": 1, "responses": 1}
    text = " ".join(f.caption for f in trace)
    assert front in text and back in text and header in text and "acts as a capability" in text
    for name in ("io/ring.h", "io/blkif.h", "io/netif.h", "grant_table.h"):
        assert name in SOURCES["split-drivers"]


def test_pointer_invariant_catches_a_response_before_its_request():
    state = split_driver_request()[0].state
    assert "rsp_prod = 1 > req_cons = 0" in replace(state, rsp_prod=1).pointer_violations()
    assert "requests outstanding" in replace(state, req_prod=9).pointer_violations()[0]


def test_same_inputs_give_the_same_traces():
    assert batched_updates(5).run() == batched_updates(5).run()
    assert syscall_vs_pagefault() == syscall_vs_pagefault()
    assert event_flow() == event_flow() and split_driver_request("net") == split_driver_request("net")
    assert hypercall_flow("multicall") == hypercall_flow("multicall")


def test_simplifications_are_stated():
    for words in ("one-level page tables", "grant tables", "ring 3", "8-slot ring"):
        assert words in SIMPLIFICATIONS


def _host(**changes):
    base = dict(machine_frames=8, xen_frames=(0,), domains=(Domain("Dom0", (1, 2), (1,), True),
                                                            Domain("DomU1", (3, 4), (3,))),
                tables=((1, ((0, Pte(2, True)),)),))
    base.update(changes)
    return Host(**base)


@pytest.mark.parametrize("changes, message", [
    ({"machine_frames": 0}, "machine_frames must be a whole number from 1 to 256, got 0"),
    ({"arch": "arm"}, "unknown architecture 'arm'"),
    ({"domains": ()}, "at least one domain"),
    ({"domains": (Domain("Dom0", (1,), (1,), True), Domain(" ", (3,), (3,)))}, "domain name ' ' must be non-empty"),
    ({"domains": (Domain("Dom0", (1,), (1,), True), Domain("Dom0", (3,), (3,)))}, "duplicate domain name 'Dom0'"),
    ({"domains": (Domain("Dom0", (1,), (1,)),), "tables": ()}, "exactly one domain must be Domain 0"),
    ({"domains": (Domain("Dom0", (1, 9), (1,), True),)}, "Dom0: machine frame 9 does not exist"),
    ({"domains": (Domain("Dom0", (0, 1), (1,), True),)}, "machine frame 0 is given to both Xen and Dom0"),
    ({"domains": (Domain("Dom0", (1, 2), (3,), True),)}, "Dom0: page-table frame 3 is not one of its own"),
    ({"tables": ((2, ()),)}, "table at frame 2 (Dom0): frame 2 is not a registered page-table frame"),
    ({"tables": ((1, ((512, Pte(2, True)),)),)}, "table at frame 1 (Dom0): slot 512 is outside 0–511"),
    ({"tables": ((1, ((0, Pte(3, True)),)),)}, "break isolation: Dom0's table at frame 1, slot 0, maps frame 3 of DomU1"),
    ({"tables": ((1, ((0, Pte(1, True)),)),)}, "maps page-table frame 1 writable"),
])
def test_bad_hosts_raise_xen_errors(changes, message):
    with pytest.raises(XenError, match=re.escape(message)):
        _host(**changes)


@pytest.mark.parametrize("call, message", [
    (lambda: create_host((("Dom0", 4),), 8, xen_frames=8), "xen_frames must be a whole number from 0"),
    (lambda: create_host((("Dom0", 4),), 1000), "machine_frames must be a whole number"),
    (lambda: create_host((("Dom0", 4), ("Dom0", 4)), 16), "duplicate domain name 'Dom0'"),
    (lambda: create_host((("Dom0", 4), ("DomU1", 1)), 16), "domain DomU1: needs a whole number of at least 2 frames"),
    (lambda: create_host((("Dom0", 20), ("DomU1", 10)), 32, 4),
     "over-commit: the domains ask for 30 frames, but only 28 of 32 machine frames are free"),
    (lambda: HOST.domain("DomU9"), "unknown domain 'DomU9' \\(known: Dom0, DomU1, DomU2\\)"),
    (lambda: simulate_updates(HOST, "DomU9", []), "unknown domain 'DomU9'"),
    (lambda: simulate_updates(HOST, "DomU1", [], 0), "batch_size must be a whole number of at least 1, got 0"),
    (lambda: simulate_updates(HOST, "DomU1", [MmuUpdate(0, 0)] * 65), "65 requests; at most 64"),
    (lambda: simulate_updates(HOST, "DomU1", [MmuUpdate(0, 0), "pte"]), "request 2: 'pte' is not an MmuUpdate"),
    (lambda: simulate_updates(HOST, "DomU1", [MmuUpdate(-8, 0)]), "request 1: ptr must be a whole number .* got -8"),
    (lambda: simulate_updates(HOST, "DomU1", [MmuUpdate(0, 2**64)]), "request 1: val must be a whole number"),
    (lambda: transitions_by_batch_size(-1, [1]), "n_updates must be a whole number of at least 0, got -1"),
    (lambda: transitions_by_batch_size(5, []), "sizes: give at least one batch size"),
    (lambda: transitions_by_batch_size(5, [2, 0]), "batch size 0 must be a whole number of at least 1"),
    (lambda: hypercall_flow("vmcall"), "unknown hypercall 'vmcall' \\(known: console_io"),
    (lambda: hypercall_flow("multicall", "arm"), "unknown architecture 'arm'"),
    (lambda: split_driver_request("usb"), "unknown split-driver kind 'usb' \\(known: block, net\\)"),
])
def test_bad_input_raises_xen_errors(call, message):
    with pytest.raises(XenError, match=message):
        call()
    assert issubclass(XenError, ValueError)


def test_hypercall_builder_text():
    from engine.assisted.xen import XenError, parse_requests

    reqs = parse_requests("5 8 -> 11 rw  # map\n0x5 9 -> 12\n5 10 -> clear")
    assert [r.new_pte.writable if r.new_pte else None for r in reqs] == [True, False, None]
    assert reqs[0].table_frame == 5 and reqs[0].slot == 8 and reqs[0].new_pte.frame == 11
    for text, message in (("", "no requests"), ("5 -> 3", "write '<table frame>"), ("5 8 -> x", "not a whole number"),
                          ("5 8 -> 3 wx", "must be rw or ro"), ("5 9999 -> 3", "slot 9999"), ("999 1 -> 3", "numbered 0")):
        with pytest.raises(XenError, match=message):
            parse_requests(text)
