"""Binary translator: what it replaces, lazy translation, the translation cache, chaining, errors."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fullvirt.bt import (
    ASSUMPTIONS, COUNTERS, DEFAULT_MAX_UNIT, MAX_STEPS, BTError, Unit, execute, load_bt_programs, render, simulate,
)
from engine.core.lessons import LESSONS_DIR, LessonError
from engine.fullvirt.x86 import classification, ia32, parse_hex, parse_listing

PRESETS = LESSONS_DIR / "2.2" / "bt_programs.toml"

# The loop head is the first instruction, so iteration 1 translates it and every later one is a hit.
HEAD_LOOP = """
again:
    add eax, 1
    cmp eax, 10
    jne again
    hlt
"""


def run(code, **kw):
    return simulate(parse_listing(code), **kw)


def translated(trace):
    """guest text -> translated text, over every unit in the final translation cache."""
    return {line.guest: line.translated for entry in trace[-1].state.cache for line in entry.lines if line.guest}


def test_critical_instructions_are_replaced_by_vmm_calls():
    trace = run("pushf\npopf\nsgdt [ebx]\nsmsw eax\nmov ds, ax\nmov eax, cs\npush cs\npop ds\nstr eax")
    assert translated(trace) == {
        "pushf": "call vmm_emulate_PUSHF", "popf": "call vmm_emulate_POPF", "sgdt [ebx]": "call vmm_emulate_SGDT",
        "smsw eax": "call vmm_emulate_SMSW", "mov ds, ax": "call vmm_emulate_MOV_SREG",
        "mov eax, cs": "call vmm_emulate_MOV_SREG", "push cs": "call vmm_emulate_PUSH_SREG",
        "pop ds": "call vmm_emulate_POP_SREG", "str eax": "call vmm_emulate_STR",
    }
    assert trace[-1].counters["vmm_calls"] == 9 and trace[-1].counters["traps"] == 0


def test_privileged_instructions_stay_and_trap_and_innocuous_ones_are_copied():
    trace = run("mov ebx, 0x2000\nlgdt [ebx]\ncli\nadd eax, ebx\nmov ecx, eax\nsti\nhlt")
    lines = {line.guest: line for line in trace[-1].state.cache[0].lines if line.guest}
    for text in ("lgdt [ebx]", "cli", "sti", "hlt"):
        assert lines[text].kind == "privileged" and lines[text].translated == text
    for text in ("add eax, ebx", "mov ecx, eax", "mov ebx, 0x2000"):
        assert lines[text].kind == "ident" and lines[text].translated == text
    assert [f.state.phase for f in trace] == ["start", "translate", "trap", "trap", "trap", "trap", "done"]
    assert trace[-1].counters["traps"] == 4
    assert trace[-1].state.result.startswith("The VMM halted")


def test_second_iteration_of_a_loop_translates_nothing():
    trace = run(HEAD_LOOP)
    phases = [f.state.phase for f in trace]
    assert phases[:3] == ["start", "translate", "hit"]
    after_first = trace[1].counters["translated_instructions"]
    assert after_first == 3
    loop_frames = [f for f in trace if f.state.unit == 0x1000]
    assert all(f.counters["translated_instructions"] == after_first for f in loop_frames)
    end = trace[-1].counters
    assert end["cache_hits"] == 9 and end["units_translated"] == 2  # the loop body and the hlt unit
    assert trace[-1].state.registers.eax == 10


def test_unreached_code_is_never_translated():
    trace = run("""
        jmp main
    handler:            ; an exception handler that never runs
        cli
        iretd
    main:
        mov eax, 1
        hlt
    """)
    starts = {e.start for e in trace[-1].state.cache}
    assert starts == {0x1000, 0x100C}
    assert all(line.guest != "cli" for e in trace[-1].state.cache for line in e.lines)
    assert trace[-1].counters["translated_instructions"] == 3


def test_counting_loop_preset_amortises_translation():
    presets = {p.id: p for p in load_bt_programs(PRESETS)}
    trace = simulate(presets["loop"].parse())
    end = trace[-1]
    assert end.state.registers.eax == 20 and end.state.registers.ecx == 0
    assert end.counters["guest_instructions"] == 2 + 3 * 10 + 1
    assert end.counters["translated_instructions"] == 5 + 3 + 1  # entry block, loop body (entered anew), hlt
    assert end.counters["cache_hits"] == 8
    assert "already sits inside unit 0x1000" in trace[2].explanation


def test_continuation_then_chaining():
    trace = run(HEAD_LOOP)
    first = trace[1].state.listing
    assert [line.translated for line in first] == ["add eax, 1", "cmp eax, 10", "jne tc[0x1000]", "jmp translator(0x100c)"]
    assert "continuation" in first[-1].callout and "chained" in first[2].callout
    final = {e.start: e for e in trace[-1].state.cache}
    assert final[0x1000].lines[-1].translated == "jmp tc[0x100c]"  # patched once 0x100c was translated
    assert trace[-1].counters["chained"] == 1


def test_translation_unit_cap():
    program = parse_listing("nop\n" * 30)
    trace = simulate(program, max_unit=12)
    sizes = [e.guest_count for e in trace[-1].state.cache]
    assert sizes == [12, 12, 6]
    assert "size cap of 12" in trace[1].explanation
    assert [e.guest_count for e in simulate(program, max_unit=64)[-1].state.cache] == [30]
    assert DEFAULT_MAX_UNIT == 12


def test_call_and_ret():
    trace = run("""
        mov ecx, 2
    again:
        call work
        loop again
        hlt
    work:
        add eax, 5
        ret
    """)
    assert trace[-1].state.registers.eax == 10
    assert trace[-1].state.stack == ()
    lines = translated(trace)
    assert lines["call work"] == "push 0x1008; jmp tc[0x1010]"
    assert "tc_lookup" in lines["ret"]


def test_the_vmm_emulates_on_the_virtual_cpu():
    trace = run("pushf\ncli\nsmsw ebx\nmov edx, cs\npush ss\npop esi\npopf\nhlt")
    frames = {f.state.line: f for f in trace if f.state.phase in ("vmm", "trap")}
    assert frames[2].state.registers.vif is False  # CLI cleared the virtual IF
    end = trace[-1].state.registers
    assert end.vif is True  # POPF, emulated by the VMM, restored it (natively de-privileged it would not)
    assert end.ebx == 0x3B  # the guest's CR0[15:0], not the VMM's
    assert end.edx == 0x08 and end.esi == 0x10  # guest selectors with RPL 0
    assert "virtual IF = 1" in frames[7].explanation


def test_interpreter_arithmetic_and_signed_branches():
    trace = run("""
        mov eax, 0
        sub eax, 1          ; -1
        cmp eax, 0
        jl negative
        mov ebx, 1
    negative:
        mov ecx, 0xffffffff
        add ecx, 1          ; carry out, zero
        jb carried
        hlt
    carried:
        xor edx, edx
        or edx, 7
        and edx, 3
        test edx, 4
        jz done
        mov edi, 9
    done:
        hlt
    """)
    r = trace[-1].state.registers
    assert (r.eax, r.ebx, r.ecx, r.edx, r.edi) == (0xFFFFFFFF, 0, 0, 3, 0)
    assert r.zf is True and r.cf is False


def test_same_program_same_trace():
    a, b = run(HEAD_LOOP), run(HEAD_LOOP)
    assert a == b and a.scenario == b.scenario
    assert run(HEAD_LOOP, max_unit=2).scenario != a.scenario


def test_hex_program_runs_like_its_listing():
    hexed = simulate(parse_hex("b9 05 00 00 00 9c fa 40 9d e2 fa f4"))
    assert hexed[-1].counters["vmm_calls"] == 10 and hexed[-1].counters["traps"] == 6
    assert hexed[-1].state.registers.eax == 5


def test_counters_are_consistent_and_only_grow():
    trace = run(HEAD_LOOP)
    for name in COUNTERS:
        values = [f.counters[name] for f in trace]
        assert values == sorted(values)
    end = trace[-1]
    assert end.counters["cache_hits"] + end.counters["cache_misses"] == sum(
        f.state.phase in ("hit", "translate") for f in trace)
    assert end.counters["units_translated"] == sum(f.state.phase == "translate" for f in trace)
    assert end.counters["translated_instructions"] == sum(e.guest_count for e in end.state.cache)


def test_execute_stream_matches_the_trace():
    program = parse_listing(HEAD_LOOP)
    steps = execute(program)
    trace = simulate(program)
    assert len(steps) == trace[-1].counters["guest_instructions"]
    assert sum(s.translated for s in steps) == trace[-1].counters["translated_instructions"]
    assert steps[0].translated == 3 and steps[3].translated == 0


# Snippets of straight-line code; pops come with their push so the stack never runs dry.
_SNIPPETS = {
    "nop": (0, 0), "add eax, 1": (0, 0), "mov ebx, eax": (0, 0), "cli": (0, 1), "sti": (0, 1),
    "lgdt [ebx]": (0, 1), "mov cr3, eax": (0, 1), "sgdt [ebx]": (1, 0), "mov ds, ax": (1, 0), "smsw eax": (1, 0),
    "pushf\npopf": (2, 0), "push cs\npop ds": (2, 0), "push eax\npopf": (1, 0),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(_SNIPPETS)), min_size=1, max_size=30), st.integers(1, 64))
def test_straight_line_code_translates_every_instruction_once(snippets, max_unit):
    program = parse_listing("\n".join(snippets))
    end = simulate(program, max_unit=max_unit)[-1]
    assert end.counters["translated_instructions"] == end.counters["guest_instructions"] == len(program)
    assert end.counters["cache_hits"] == 0
    assert end.counters["vmm_calls"] == sum(_SNIPPETS[s][0] for s in snippets)
    assert end.counters["traps"] == sum(_SNIPPETS[s][1] for s in snippets)
    assert all(e.guest_count <= max_unit for e in end.state.cache)
    assert end.state.result == "The guest ran off the end of the program."


def test_render_chains_only_exits_whose_target_is_cached():
    program = parse_listing(HEAD_LOOP)
    unit = Unit(0x1000, program[:3], tuple(classification(i, ia32()) for i in program[:3]), "a control transfer (jne)")
    assert unit.exits == (0x1000, 0x100C)
    cold = [line.translated for line in render(unit, frozenset())]
    warm = [line.translated for line in render(unit, frozenset({0x1000, 0x100C}))]
    assert cold[2:] == ["jne translator(0x1000)", "jmp translator(0x100c)"]
    assert warm[2:] == ["jne tc[0x1000]", "jmp tc[0x100c]"]
    assert cold[:2] == warm[:2] == ["add eax, 1", "cmp eax, 10"]


@pytest.mark.parametrize("code, max_unit, message", [
    ("again: jmp again", 12, f"did not halt within {MAX_STEPS} instructions"),
    ("pop eax", 12, "line 1: 'pop eax' pops from an empty stack"),
    ("popf", 12, "line 1: 'popf' pops from an empty stack"),
    ("cmp eax, 1\njp 0x1000", 12, "line 2: 'jp 0x1000' tests the parity flag"),
    ("nop", 0, "between 1 and 64 instructions, not 0"),
    ("nop", 65, "between 1 and 64 instructions, not 65"),
])
def test_run_errors_are_clear(code, max_unit, message):
    with pytest.raises(BTError, match=message):
        run(code, max_unit=max_unit)


@pytest.mark.parametrize("code, where", [
    ("nop\njmp 0x1002", "'jmp 0x1002' (line 2) continues at 0x1002, which is not the address of one of its instructions"),
    ("jmp [ebx]", "'jmp [ebx]' (line 1) takes its target from memory"),
    ("mov eax, 0x5000\njmp eax", "'jmp eax' (line 2) continues at 0x5000"),
])
def test_control_leaving_the_listing_ends_the_run_with_a_frame(code, where):
    trace = run(code)
    last = trace[-1].state
    assert last.phase == "done" and last.result.startswith("Control leaves the listing: " + where)


def test_a_run_that_cannot_go_on_ends_with_a_frame_when_not_strict():
    trace = simulate(parse_listing("pop eax"), strict=False)
    assert trace[-1].state.result.startswith("The run stopped: line 1: 'pop eax' pops from an empty stack")


def test_empty_program_is_an_error():
    with pytest.raises(BTError, match="empty"):
        simulate(())


def test_assumptions_are_stated():
    for word in ("no modelled effect", "ring 1", "virtual IF"):
        assert word in ASSUMPTIONS


# --------------------------------------------------------------------------- presets

def test_presets_load_and_run():
    presets = load_bt_programs(PRESETS)
    ids = [p.id for p in presets]
    assert {"loop", "critical-section", "redpill", "hex-loop"} <= set(ids)
    assert {p.format for p in presets} == {"asm", "hex"}
    for p in presets:
        trace = simulate(p.parse())
        assert trace[-1].state.phase == "done"
    hexed = {p.id: p for p in presets}["hex-loop"].parse()
    assert [i.mnemonic for i in hexed] == ["mov", "pushfd", "cli", "inc", "popfd", "loop", "hlt"]


def test_critical_section_preset_never_translates_its_handler():
    preset = {p.id: p for p in load_bt_programs(PRESETS)}["critical-section"]
    trace = simulate(preset.parse())
    guests = {line.guest for e in trace[-1].state.cache for line in e.lines}
    assert "iretd" not in guests and "pushf" in guests and "cli" in guests
    assert trace[-1].counters["vmm_calls"] == 6 and trace[-1].counters["traps"] == 5


@pytest.mark.parametrize("body, message", [
    ('[[program]]\nid = "a"\nname = "A"\ndescription = "d"\nformat = "bin"\ncode = "nop"', "'format' must be"),
    ('[[program]]\nid = "a"\nname = "A"\ndescription = "d"\ncode = "mvo eax, 1"', "#1 \\(a\\): the code does not run: line 1: 'mvo'"),
    ('[[program]]\nid = "a"\nname = "A"\ndescription = "d"\nformat = "hex"\ncode = "9c f"', "odd number of digits"),
    ('[[program]]\nid = "a"\nname = "A"\ndescription = "d"\ncode = "x: jmp x"', "did not halt"),
    ('[[program]]\nid = "a"\nname = "A"\ndescription = "d"\ncode = "nop"\n'
     '[[program]]\nid = "a"\nname = "B"\ndescription = "d"\ncode = "nop"', "program id 'a' is used twice"),
    ('[[program]]\nid = "a"\ndescription = "d"\ncode = "nop"', "missing required key 'name'"),
])
def test_preset_file_errors_are_located(tmp_path: Path, body, message):
    path = tmp_path / "bt_programs.toml"
    path.write_text(body)
    with pytest.raises(LessonError, match=message):
        load_bt_programs(path)
