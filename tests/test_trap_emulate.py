"""Trap-and-emulate simulator: the lecture's behaviour, determinism and Theorem 1 as a property."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.virtualizability.isa import design_from_rows, design_rows
from engine.virtualizability.trap_emulate import ProgramError, ProgramLine, classify_program, parse_program, simulate, simulate_text


def final(trace):
    return trace[-1].state


def test_popf_in_deprivileged_kernel_silently_leaves_if_unchanged(catalogue):
    trace = simulate_text(catalogue["ia32"], "PUSHF\nCLI\nPOPF")
    end = final(trace)
    assert end.native.get("IF") == "1"  # natively POPF restores IF
    assert end.vcpu.get("IF") == "0"  # under the VMM the guest's IF silently stays 0
    assert "IF" in end.diverged
    popf = [f for f in trace if f.state.phase == "silent"]
    assert len(popf) == 1 and "POPF" in popf[0].event
    assert trace[-1].counters["divergences"] == 1
    assert "Equivalence violated" in trace[-1].explanation


def test_privileged_instruction_traps_and_is_emulated_on_the_virtual_cpu(catalogue):
    trace = simulate_text(catalogue["ia32"], "LGDT")
    phases = [f.state.phase for f in trace]
    assert phases == ["start", "trap", "emulate", "done"]
    trap, emulate = trace[1].state, trace[2].state
    assert trap.runner == "CPU" and trap.real_mode == "ring 1"
    assert emulate.runner == "VMM" and emulate.real_mode == "ring 0"
    assert emulate.vcpu.get("GDTR") == emulate.native.get("GDTR") == "0x00200000"
    assert emulate.host.get("GDTR") == "0xFFC0A000"  # the real GDTR stays the VMM's
    assert trace[-1].counters["traps"] == 1 and trace[-1].counters["emulated"] == 1
    assert "Equivalence holds" in trace[-1].explanation


def test_sgdt_reveals_the_vmm_table_even_from_an_application(catalogue):
    trace = simulate_text(catalogue["ia32"], "app: SGDT")
    silent = [f for f in trace if f.state.phase == "silent"][0].state
    assert silent.native_result == "GDTR=0x00100000"
    assert silent.virt_result == "GDTR=0xFFC0A000"
    assert silent.runner == "guest app"


def test_push_cs_reveals_ring_1_instead_of_0(catalogue):
    state = [f for f in simulate_text(catalogue["ia32"], "PUSH Sreg") if f.state.phase == "silent"][0].state
    assert (state.native_result, state.virt_result) == ("CPL=0", "CPL=1")


def test_privileged_instruction_in_application_is_reflected_to_guest_kernel(catalogue):
    trace = simulate_text(catalogue["ia32"], "app: HLT")
    assert [f.state.phase for f in trace] == ["start", "trap", "reflect", "done"]
    assert trace[2].state.runner == "guest kernel"
    assert trace[-1].counters["emulated"] == 0 and trace[-1].counters["divergences"] == 0


def test_s370_privileged_program_keeps_equivalence(catalogue):
    s370 = catalogue["s370"]
    code = "\n".join(i.mnemonic for i in s370.instructions)
    trace = simulate_text(s370, code)
    assert trace[-1].counters["divergences"] == 0
    assert trace[-1].counters["traps"] == sum(i.privileged for i in s370.instructions)


def test_same_program_gives_the_same_trace(catalogue):
    a = simulate_text(catalogue["ia32"], "PUSHF\nCLI\nPOPF\nSGDT")
    b = simulate_text(catalogue["ia32"], "pushf\n  cli # comment\nPOPF\nsgdt")
    assert a == b and a.scenario == b.scenario


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("# only a comment", "empty"),
    ("FOO", "line 1: 'FOO' is not an instruction"),
    ("CLI\nPOPFF", "Did you mean POPF"),
    ("app:", "names no instruction"),
    ("POPF", "nothing was pushed before it; put PUSHF earlier"),
    ("NOP\n" * 61, "at most 60"),
])
def test_bad_programs_give_clear_messages(catalogue, text, message):
    with pytest.raises(ProgramError, match=message):
        simulate_text(catalogue["ia32"], text)


def test_classify_program_lists_trapping_and_silent_lines(catalogue):
    ia32 = catalogue["ia32"]
    program = parse_program("CLI\nSGDT\nADD\nLIDT", ia32)
    assert classify_program(ia32, program) == {"traps": (0, 3), "silent": (1,)}


def _programs(isa):
    usable = [i for i in isa.instructions if not i.effect.pop]  # POP needs a matching push first
    line = st.tuples(st.sampled_from(["kernel", "app"]), st.sampled_from(usable))
    return st.lists(line, min_size=1, max_size=12).map(
        lambda items: tuple(ProgramLine(n, ctx, ins) for n, (ctx, ins) in enumerate(items, start=1)))


@pytest.mark.parametrize("isa_id", ["s370", "power", "sparc"])
def test_theorem_1_virtualizable_isa_never_diverges(catalogue, isa_id):
    """Popek–Goldberg Theorem 1 in this model: sensitive ⊆ privileged ⇒ equivalence for every program."""
    isa = catalogue[isa_id]

    @settings(max_examples=60, deadline=None)
    @given(_programs(isa))
    def check(program):
        trace = simulate(isa, program)
        assert trace[-1].counters["divergences"] == 0
        assert all(not f.state.diverged for f in trace)

    check()


def test_theorem_1_ia32_made_virtualizable_in_the_designer_never_diverges(catalogue):
    ia32 = catalogue["ia32"]
    rows = design_rows(ia32)
    for row in rows:
        row["Privileged"] = row["Privileged"] or row["Control-sensitive"] or row["Behaviour-sensitive"]
    fixed = design_from_rows(ia32, rows)

    @settings(max_examples=60, deadline=None)
    @given(_programs(fixed))
    def check(program):
        assert simulate(fixed, program)[-1].counters["divergences"] == 0

    check()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_frame_is_consistent(catalogue, data):
    ia32 = catalogue["ia32"]
    program = data.draw(_programs(ia32))
    trace = simulate(ia32, program)
    traps = [f.counters["traps"] for f in trace]
    assert traps == sorted(traps)  # running counters never go back
    assert trace[-1].counters["instructions"] == len(program)
    assert trace[-1].counters["traps"] == sum(line.instruction.privileged for line in program)
