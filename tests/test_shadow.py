"""Shadow paging: the preset's story, the pmap ∘ guest invariant after every frame, hidden vs true faults."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fullvirt.shadow import (
    Access, Entry, Invlpg, ShadowError, SwitchProcess, WritePte, new_process_maps_page, simulate,
)

PROCESSES = {"A": {0x10: Entry(0x3), 0x11: Entry(0x4, writable=False)}, "B": {0x10: Entry(0x7, user=False)}}


def test_preset_shows_hidden_and_true_faults():
    trace = new_process_maps_page().run()
    outcomes = [f.state.outcome for f in trace]
    assert outcomes == ["start", "cr3", "hidden-fault", "hit", "cr3", "true-fault", "pte-write", "hidden-fault", "hit",
                        "pte-write", "invlpg", "true-fault", "cr3", "hit"]
    assert dict(trace[-1].counters) == {"traps": 10, "hidden_faults": 2, "true_faults": 2, "shadow_updates": 4, "cr3_switches": 3}
    assert all(not f.state.invariant_violations() for f in trace)
    assert "Adams & Agesen 2006" in trace[2].explanation and "never sees" in trace[2].explanation
    assert "reflects it to the guest" in trace[5].explanation


def test_cr3_write_switches_the_real_cr3_to_a_lazily_built_shadow():
    trace = new_process_maps_page().run()
    switch_b = trace[4].state
    assert switch_b.active == "B" and switch_b.real_cr3 == "shadow(B)" and switch_b.shadow_table("B") == {}
    assert switch_b.runner == "VMM" and "lazily" in trace[4].explanation
    assert trace[12].state.shadow_table("A") == {0x10: Entry(0x43)}  # shadow(A) was kept and is reused
    assert "reuses" in trace[12].explanation


def test_pte_write_traps_and_updates_an_existing_shadow_entry():
    trace = new_process_maps_page().run()
    before, after = trace[8].state, trace[9].state
    assert before.shadow_table("B")[0x20] == Entry(0x45, writable=True)
    assert after.guest_table("B")[0x20] == Entry(0x05, writable=False)
    assert after.shadow_table("B")[0x20] == Entry(0x45, writable=False)
    assert "write-protected" in trace[9].explanation
    assert 0x20 not in trace[10].state.shadow_table("B")  # INVLPG dropped it


def test_hidden_fault_fills_pmap_of_guest_and_the_guest_sees_only_true_faults():
    ops = [SwitchProcess("A"), Access(0x11, write=True), Access(0x11), Access(0x11, write=True), Access(0x12)]
    trace = simulate(ops, 8, PROCESSES)
    assert [f.state.outcome for f in trace][2:] == ["true-fault", "hidden-fault", "true-fault", "true-fault"]
    assert trace[3].state.shadow_table("A") == {0x11: Entry(0x44, writable=False)}
    assert trace[3].state.host_frame == 0x44
    user_on_kernel_page = simulate([SwitchProcess("B"), Access(0x10), Access(0x10, user=False)], 8, PROCESSES)
    assert [f.state.outcome for f in user_on_kernel_page][2:] == ["true-fault", "hidden-fault"]


def test_invariant_check_catches_a_wrong_shadow():
    state = new_process_maps_page().run()[3].state
    wrong_frame = replace(state, shadows=(("A", ((0x10, Entry(0x44)),)),))
    too_strong = replace(state, shadows=(("A", ((0x11, Entry(0x44, writable=True)),)),))
    unmapped = replace(state, shadows=(("A", ((0x30, Entry(0x44)),)),))
    assert "pmap[0x3]" in wrong_frame.invariant_violations()[0]
    assert "grants more" in too_strong.invariant_violations()[0]
    assert "does not" in unmapped.invariant_violations()[0]


@pytest.mark.parametrize("ops, message", [
    ([SwitchProcess("C")], "op 1 .*unknown process 'C'"),
    ([Access(0x10)], "op 1 .*no guest process runs yet"),
    ([SwitchProcess("A"), WritePte("A", 0x12, 0x8)], "op 2 .*guest-physical frame 8 is outside the guest's memory"),
    ([SwitchProcess("A"), Invlpg(0x100)], "op 2 .*virtual page 256 is outside"),
    ([SwitchProcess("A"), "mov cr3"], "op 2: 'mov cr3' is not a shadow-paging operation"),
])
def test_bad_ops_raise_shadow_errors(ops, message):
    with pytest.raises(ShadowError, match=message):
        simulate(ops, 8, PROCESSES)


def test_bad_setup_raises_shadow_errors():
    with pytest.raises(ShadowError, match="process A, page 0x10: guest-physical frame 3"):
        simulate([], 2, PROCESSES)
    with pytest.raises(ShadowError, match="do not fit"):
        simulate([], 250, PROCESSES)


def test_same_ops_give_the_same_trace():
    assert new_process_maps_page().run() == new_process_maps_page().run()


PAGES = st.integers(0, 5)
OPS = st.one_of(
    st.builds(SwitchProcess, st.sampled_from(["A", "B"])),
    st.builds(WritePte, st.sampled_from(["A", "B"]), PAGES, st.one_of(st.none(), st.integers(0, 7)), st.booleans(), st.booleans()),
    st.builds(Access, PAGES, st.booleans(), st.booleans()),
    st.builds(Invlpg, PAGES),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(OPS, max_size=40))
def test_invariant_holds_after_every_frame_of_random_ops(ops):
    ops = [SwitchProcess("A")] + ops
    trace = simulate(ops, 8, PROCESSES)
    assert len(trace) == len(ops) + 1
    for frame in trace:
        assert frame.state.invariant_violations() == ()
        state = frame.state
        if state.outcome in ("hit", "hidden-fault", "true-fault"):
            # the guest sees a fault exactly when its own table forbids the access (native behaviour)
            gpte = state.guest_table(state.active).get(state.page)
            allowed = gpte is not None and gpte.allows(state.op.write, state.op.user)
            assert (state.outcome == "true-fault") == (not allowed)
    counters = trace[-1].counters
    assert counters["traps"] == len(ops) - sum(f.state.outcome == "hit" for f in trace)
