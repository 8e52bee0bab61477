"""Cost model: totals follow the constants exactly; loops amortise translation, straight-line code does not."""

import pytest

from engine.fullvirt.bt import execute
from engine.fullvirt.costs import (
    INTERPRET_CYCLES, LOOKUP_CYCLES, METHODS, NATIVE_CYCLES, TRANSLATE_CYCLES, TRAP_CYCLES, VMM_CALL_CYCLES, compare,
    step_cycles, summarize,
)
from engine.fullvirt.x86 import parse_listing


def counting_loop(n):
    return parse_listing(f"mov ecx, {n}\nagain:\nadd eax, 2\ndec ecx\njnz again\nhlt")


def totals(program, max_unit=12):
    return {s.method: s for s in summarize(program, max_unit)}


def test_constants_are_the_documented_ones():
    assert (NATIVE_CYCLES, TRANSLATE_CYCLES, TRAP_CYCLES, VMM_CALL_CYCLES, LOOKUP_CYCLES, INTERPRET_CYCLES) == (
        1, 2300, 3223, 214, 40, 40)


def test_totals_follow_the_constants_exactly():
    # 2 units: [pushf cli add popf call] (5) and [work: add ret] (2); ret pops the call's return address,
    # which is the end of the program, so the run ends there.
    program = parse_listing("pushf\ncli\nadd eax, 1\npopf\ncall work\nwork:\nadd eax, 1\nret\nret")
    t = totals(program)
    executed = 9  # pushf cli add popf call | add ret | add ret(empty stack: leaves)
    assert len(execute(program)) == executed
    assert t["native"].cycles == executed
    assert t["trap_emulate"].cycles == executed + TRAP_CYCLES
    assert t["interpretation"].cycles == executed * INTERPRET_CYCLES
    translated = 5 + 2
    ident_like = executed - 3  # everything but pushf, popf (VMM calls) and cli (trap)
    assert t["binary_translation"].cycles == (translated * TRANSLATE_CYCLES + ident_like * NATIVE_CYCLES
                                              + 2 * VMM_CALL_CYCLES + (NATIVE_CYCLES + TRAP_CYCLES)
                                              + 2 * LOOKUP_CYCLES)
    assert t["native"].slowdown == 1.0
    assert t["binary_translation"].slowdown == t["binary_translation"].cycles / executed


def test_series_are_cumulative_per_executed_instruction():
    program = counting_loop(5)
    series = compare(program)
    steps = execute(program)
    assert set(series) == set(METHODS)
    for method, values in series.items():
        assert len(values) == len(steps)
        assert values == sorted(values)
        assert values[-1] == totals(program)[method].cycles
        assert values[0] == step_cycles(steps[0], method)
    assert series["native"] == list(range(1, len(steps) + 1))
    assert series["binary_translation"][0] == 4 * TRANSLATE_CYCLES + 1  # entry unit (mov add dec jnz) translated on arrival


def test_loops_amortise_translation():
    ratios = [totals(counting_loop(n))["binary_translation"].slowdown for n in (10, 100, 1000)]
    assert ratios[0] > ratios[1] > ratios[2]
    # the overhead over native is a fixed amount (translation once, the final hlt's trap), whatever the length
    overheads = {t["binary_translation"].cycles - t["native"].cycles
                 for t in (totals(counting_loop(n)) for n in (10, 100, 1000))}
    assert overheads == {(4 + 3 + 1) * TRANSLATE_CYCLES + TRAP_CYCLES}
    # once every unit is cached, one more iteration costs exactly what it costs natively
    bt_10, bt_11 = (totals(counting_loop(n))["binary_translation"].cycles for n in (10, 11))
    assert bt_11 - bt_10 == 3 * NATIVE_CYCLES
    # and a long loop beats the interpreter, which pays on every instruction
    long_loop = totals(counting_loop(1000))
    assert long_loop["binary_translation"].cycles < long_loop["interpretation"].cycles


def test_straight_line_code_pays_translation_for_every_instruction():
    n = 30
    t = totals(parse_listing("nop\n" * n))
    assert t["binary_translation"].cycles == n * (TRANSLATE_CYCLES + NATIVE_CYCLES)
    assert t["binary_translation"].cycles > t["interpretation"].cycles == n * INTERPRET_CYCLES
    assert t["native"].cycles == t["trap_emulate"].cycles == n


def test_unit_size_does_not_change_translation_work_for_straight_line_code():
    program = parse_listing("nop\n" * 24)
    assert {totals(program, k)["binary_translation"].cycles for k in (1, 5, 12, 64)} == {24 * (TRANSLATE_CYCLES + 1)}


def test_trap_and_emulate_is_flagged_incorrect_when_critical_instructions_run():
    t = totals(parse_listing("pushf\ncli\npopf\nhlt"))
    assert not t["trap_emulate"].correct and "Incorrect on IA-32: 2 critical" in t["trap_emulate"].note
    assert all(t[m].correct for m in ("native", "interpretation", "binary_translation"))
    clean = totals(parse_listing("cli\nsti\nhlt"))
    assert clean["trap_emulate"].correct
    assert clean["trap_emulate"].cycles == 3 * (NATIVE_CYCLES + TRAP_CYCLES)


def test_unknown_method_is_rejected():
    step = execute(parse_listing("nop"))[0]
    with pytest.raises(ValueError, match="unknown method 'jit'"):
        step_cycles(step, "jit")


def test_summary_matches_the_lecture_shape():
    """Compute-intensive: BT near native; data-intensive: traps make BT and trap-and-emulate slower."""
    from engine.fullvirt.costs import workload_summary

    rows = {(r["workload"].split(":")[0], r["method"]): r["slowdown"] for r in workload_summary()}
    assert rows[("Compute-intensive", "Binary translation")] == pytest.approx(1.0)
    assert rows[("Data-intensive", "Binary translation")] > 1.5
    assert rows[("Compute-intensive", "Interpretation")] == pytest.approx(40.0)
