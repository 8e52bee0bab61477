"""Section 2.1 generators: one defensible answer per variant, fixed by the prompt, balanced, solved and linked."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from engine.core.quiz import grade
from engine.quizgen import registry
from engine.quizgen.virtualizability import (
    NONE, categories, design_text, parse_design_text, program_code, random_program, which_silent_for,
)
from engine.virtualizability.isa import DesignError, design_from_rows
from engine.virtualizability.trap_emulate import parse_program, simulate
from tests.test_pages import open_page
from tests.test_quizgen_quality import link_params

SEEDS = range(400)
PROGRAM_GENERATORS = ("which-trap", "which-silent", "trap-count")


def make(gen_id, seed, catalogue):
    return registry()[gen_id].make(seed, catalogue)


def isa_of(q, catalogue):
    return next(i for i in catalogue.values() if i.name in q.prompt)


def query_of(q) -> dict[str, str]:
    return link_params(q.link)[1]


# --------------------------------------------------------------------------- the reviewer's two cases

def test_two_subs_pc_lr_lines_are_marked(catalogue):
    """Critical instructions whose effect the simulator does not model still misbehave: the catalogue decides."""
    isa = catalogue["armv7"]
    program = parse_program("SUBS pc, lr\nSUBS pc, lr", isa)
    assert not {f.state.phase for f in simulate(isa, program)} & {"silent"}  # the simulator alone would say "none"
    q = which_silent_for(isa, program, "pin-subs")
    assert q.answer == ("1: SUBS pc, lr", "2: SUBS pc, lr")
    assert NONE in q.options and NONE not in q.answer
    assert "critical in the app's catalogue" in q.prompt and "counts even where its animation shows no difference" in q.prompt
    assert grade(q, list(q.answer)).correct and not grade(q, [NONE]).correct


def _stated_if(prompt: str) -> tuple[str, str]:
    m = re.search(r"the guest's IF is (\d), as on the native machine, and the VMM keeps the real IF at (\d)", prompt)
    assert m, prompt[:300]
    return m.group(1), m.group(2)


def test_pushf_answer_follows_from_what_the_prompt_states(catalogue):
    """Replaying the listing from the IF values the prompt states decides every PUSHF line, as the answer does."""
    isa = catalogue["ia32"]
    found = 0
    for seed in SEEDS:
        q = make("which-silent", seed, catalogue)
        if "PUSHF" not in q.prompt:
            continue
        found += 1
        native, real = _stated_if(q.prompt)
        for option in q.options[:-1]:
            ins = isa.instruction(option.split(": ", 1)[1])
            native = ins.effect.writes.get("IF", native)  # CLI and STI trap and are emulated: native and virtual agree
            if ins.mnemonic == "PUSHF":
                assert (option in q.answer) == (native != real), (q.id, option)
                assert option in q.answer, q.id  # generated programs ask about PUSHF only where it differs
    assert found >= 5


def test_a_pushf_that_would_behave_natively_is_never_asked_about(catalogue):
    isa = catalogue["ia32"]
    with pytest.raises(ValueError):  # IF = 1 natively and really: PUSHF pushes the same value, so no defensible answer
        which_silent_for(isa, parse_program("PUSHF\nCLI", isa), "pin-pushf")
    q = which_silent_for(isa, parse_program("CLI\nPUSHF", isa), "pin-pushf")
    assert q.answer == ("2: PUSHF",) and "IF is 1" in q.prompt


@pytest.mark.parametrize("isa_id", ["ia32", "armv7", "s370"])
def test_random_programs_always_have_one_defensible_answer(catalogue, isa_id):
    isa = catalogue[isa_id]
    for seed in range(300):
        program = random_program(random.Random(seed), isa)
        assert any(line.instruction.privileged for line in program)
        assert not any(line.instruction.effect.pop for line in program)
        which_silent_for(isa, program, "x")  # raises if the simulator and the catalogue could disagree


# --------------------------------------------------------------------------- balance

def rates(gen_id, catalogue) -> dict[str, tuple[float, float]]:
    offered, right, chance = Counter(), Counter(), Counter()
    for seed in SEEDS:
        q = make(gen_id, seed, catalogue)
        for o in q.options:
            offered[o] += 1
            right[o] += o in q.answer
            chance[o] += 1 / len(q.options) if q.kind == "single" else 0.5
    return {o: (right[o] / n, chance[o] / n) for o, n in offered.items() if n >= len(SEEDS) // 5}


def test_classify_offers_only_classes_the_catalogue_has_and_balances_them(catalogue):
    present = {ins.category for isa in catalogue.values() for ins in isa.instructions}
    assert set(categories(catalogue)) == present and "privileged" not in present
    for seed in range(50):
        assert set(make("classify", seed, catalogue).options) == present
    for option, (rate, chance) in rates("classify", catalogue).items():
        assert chance - 0.1 <= rate <= chance + 0.1, option


def test_verdict_yes_and_no_are_balanced_and_explained(catalogue):
    for option, (rate, chance) in rates("verdict", catalogue).items():
        assert abs(rate - chance) <= 0.1, option
    for seed in range(50):
        q = make("verdict", seed, catalogue)
        assert q.explanation.startswith(q.answer[0])


def test_none_of_them_is_right_sometimes_never_mostly(catalogue):
    rate, _ = rates("which-silent", catalogue)[NONE]
    assert 0.1 <= rate <= 0.45


# --------------------------------------------------------------------------- solutions and links

@pytest.mark.parametrize("gen_id", PROGRAM_GENERATORS)
def test_program_solution_traces_every_line_then_concludes(catalogue, gen_id):
    for seed in range(60):
        q = make(gen_id, seed, catalogue)
        listing = re.search(r"```\n(.*?)\n```", q.prompt, re.S).group(1).splitlines()
        assert len(q.solution) == len(listing) + 1
        for n, (step, line) in enumerate(zip(q.solution, listing), start=1):
            assert step.startswith(f"line {n} `{line.split(': ', 1)[1]}`: "), step
        assert q.solution[-1].startswith("So ") or NONE in q.solution[-1]


@pytest.mark.parametrize("gen_id", PROGRAM_GENERATORS)
def test_program_links_open_the_same_program_at_its_moment(catalogue, gen_id):
    for seed in range(60):
        q = make(gen_id, seed, catalogue)
        isa, query = isa_of(q, catalogue), query_of(q)
        assert len(q.link) < 2000 and q.link.startswith("/trap-and-emulate?")
        assert query["isa"] == isa.id and query["program"] == "custom"
        program = parse_program(query["code"], isa)
        listing = re.search(r"```\n(.*?)\n```", q.prompt, re.S).group(1).splitlines()
        assert [f"{line.number}: {line.label}" for line in program] == listing  # the page shows the question's program
        trace = simulate(isa, program)
        frame = trace[int(query["trap-frame"])].state
        if gen_id == "which-trap":
            assert frame.phase == "trap" and f"{frame.line + 1}: {program[frame.line].label}" == q.answer[0]
        elif gen_id == "trap-count":
            assert frame.phase == "done" and trace[int(query["trap-frame"])].counters["traps"] == q.value
        elif q.answer == (NONE,):
            assert frame.phase == "done"
        else:
            assert frame.line is not None and f"{frame.line + 1}: {program[frame.line].label}" in q.answer


def test_classify_and_verdict_links_name_their_scenario(catalogue):
    for seed in range(60):
        q = make("classify", seed, catalogue)
        query = query_of(q)
        isa = catalogue[query["isa"]]
        assert isa.name in q.prompt and isa.instruction(query["instruction"]).category == q.answer[0]
        q = make("verdict", seed, catalogue)
        design = design_from_rows(catalogue["ia32"], parse_design_text(query_of(q)["design"]))
        assert (q.answer[0].startswith("Yes")) == design.verdict().virtualizable
        assert design_text(design.instructions) == query_of(q)["design"]


@pytest.mark.parametrize("text", ["", "OPA", "OPA:px", ":pc", "OPA:pc;;OPB:-"])
def test_unreadable_design_text_is_refused(text):
    with pytest.raises(DesignError):
        parse_design_text(text)


def test_program_code_round_trips(catalogue):
    isa = catalogue["ia32"]
    program = parse_program("CLI\napp: SGDT\nMOV r32, CR0", isa)
    assert parse_program(program_code(program), isa) == program


# --------------------------------------------------------------------------- pages: links that cannot be used

@pytest.mark.parametrize("file, query, notice", [
    ("pages/s21_trap_emulate.py", {"isa": "ia32", "program": "custom", "code": "CLI\n[POPFF](http://x)"}, "does not run on"),
    ("pages/s21_trap_emulate.py", {"isa": "ia32", "program": "custom", "code": "NOP\n" * 1500}, "characters long"),
    ("pages/s21_isa_designer.py", {"design": "OPA:xyz"}, "cannot be read"),
    ("pages/s21_instructions.py", {"isa": "s370", "instruction": "SGDT"}, "not an instruction of"),
])
def test_a_link_that_cannot_be_used_falls_back_with_a_notice(file, query, notice):
    at = open_page(file, query)
    assert any(notice in i.value for i in at.info), [i.value for i in at.info]
    assert not any("](" in i.value for i in at.info)  # link text is shown as text, never as a Markdown link
    at.run()
    assert not any("Link notice" in i.value for i in at.info)  # noticed once: the value left the address
