"""Grading and the seeded generators (answers computed by the engine)."""

import json

import pytest

from engine.core import progress
from engine.core.lessons import LessonError
from engine.core.quiz import Question, grade, load_bank, parse_number
from engine.quizgen import for_section, registry
from engine.virtualizability.trap_emulate import simulate


def single():
    return Question("q", "2.1", "single", "Which?", "Because.", "Slide", options=("a", "b"), answer=("b",))


def test_single_choice_grading():
    assert grade(single(), "b").correct
    wrong = grade(single(), "a")
    assert not wrong.correct and "The right answer: b" in wrong.message and "Because." in wrong.message
    assert not grade(single(), None).correct


def test_multiple_choice_needs_exactly_the_right_set():
    q = Question("m", "2.1", "multiple", "Which?", "E.", "S", options=("a", "b", "c"), answer=("a", "c"))
    assert grade(q, ["c", "a"]).correct
    assert not grade(q, ["a"]).correct
    assert not grade(q, ["a", "b", "c"]).correct


@pytest.mark.parametrize("given, ok", [("17", True), ("17.4", True), ("16,6", True), ("18", False), ("abc", False), ("", False), ("inf", False)])
def test_numeric_with_tolerance(given, ok):
    q = Question("n", "2.1", "numeric", "How many?", "E.", "S", value=17, tolerance=0.5)
    assert grade(q, given).correct is ok


def test_parse_number():
    assert parse_number(" 1 000,5 ") == 1000.5
    assert parse_number("nan") is None and parse_number(True) is None


def test_invalid_question_is_rejected():
    with pytest.raises(LessonError, match="not one of the options"):
        Question("x", "2.1", "single", "?", "E", "S", options=("a", "b"), answer=("z",))


def test_written_bank_has_every_kind():
    kinds = {q.kind for q in load_bank("2.1")}
    assert kinds == {"single", "multiple", "numeric"}


def test_sections_have_enough_generators():
    assert len(for_section("2.1")) >= 3
    assert len(for_section("2.2")) >= 4
    assert len(for_section("2.3")) >= 4


@pytest.mark.parametrize("gen_id", sorted(registry()))
def test_generators_are_deterministic_and_valid(catalogue, gen_id):
    gen = registry()[gen_id]
    for seed in range(25):
        a, b = gen.make(seed, catalogue), gen.make(seed, catalogue)
        assert a == b
        if a.kind == "numeric":
            assert grade(a, str(a.value)).correct
        else:
            assert grade(a, list(a.answer) if a.kind == "multiple" else a.answer[0]).correct
    assert len({gen.make(s, catalogue).prompt for s in range(25)}) > 3  # variants really vary


def test_classify_answer_is_the_catalogue_category(catalogue):
    q = registry()["classify"].make(3, catalogue)
    mnemonic = q.prompt.split("**")[1]
    isa = next(i for i in catalogue.values() if i.name in q.prompt)
    assert q.answer == (isa.instruction(mnemonic).category,)


def test_which_trap_answer_is_exactly_the_privileged_lines(catalogue):
    for seed in range(20):
        q = registry()["which-trap"].make(seed, catalogue)
        isa = next(i for i in catalogue.values() if i.name in q.prompt)
        privileged = tuple(o for o in q.options if isa.instruction(o.split(": ", 1)[1]).privileged)
        assert q.answer == privileged


def test_which_silent_matches_the_simulator(catalogue):
    from engine.virtualizability.trap_emulate import parse_program

    for seed in range(20):
        q = registry()["which-silent"].make(seed, catalogue)
        isa = next(i for i in catalogue.values() if i.name in q.prompt)
        code = "\n".join(o.split(": ", 1)[1] for o in q.options if o != "none of them")
        trace = simulate(isa, parse_program(code, isa))
        silent = {f.state.line for f in trace if f.state.phase == "silent"}
        expected = tuple(o for i, o in enumerate(q.options[:-1]) if i in silent) or ("none of them",)
        assert q.answer == expected


def test_progress_scores_and_exports():
    attempts = {}
    attempts = progress.record(attempts, progress.Attempt("a", "2.1", "Q a", "x", False, False))
    attempts = progress.record(attempts, progress.Attempt("a", "2.1", "Q a", "y", True, False))  # retry replaces
    attempts = progress.record(attempts, progress.Attempt("g", "2.1", "Q g", "1", False, True))
    (s21, s22) = progress.scores(attempts, ["2.1", "2.2"])
    assert (s21.right, s21.answered, round(s21.percent)) == (1, 2, 50)
    assert (s22.answered, s22.percent) == (0, 0.0)
    csv_text = progress.to_csv(attempts)
    assert csv_text.splitlines()[0] == "question_id,section,prompt,given,correct,generated"
    assert len(csv_text.splitlines()) == 3
    payload = json.loads(progress.to_json(attempts, ["2.1", "2.2"]))
    assert payload["sections"][0]["percent"] == 50.0 and len(payload["attempts"]) == 2


def _reference_hits(pages: list[int], entries: int, policy: str) -> int:
    cache: list[int] = []
    hits = 0
    for page in pages:
        if page in cache:
            hits += 1
            if policy == "LRU":
                cache.remove(page)
                cache.append(page)
            continue
        if len(cache) == entries:
            cache.pop(0)
        cache.append(page)
    return hits


def test_tlb_hit_questions_match_a_plain_reference(catalogue):
    import re

    for seed in range(30):
        q = registry()["tlb-hits"].make(seed, catalogue)
        entries, policy = re.search(r"with (\d+) entries and (\w+) replacement", q.prompt).groups()
        pages = [int(p) for p in re.search(r"\*\*([\d, ]+)\*\*", q.prompt).group(1).split(", ")]
        assert q.value == _reference_hits(pages, int(entries), policy)


def test_translate_questions_add_the_offset_to_the_frame(catalogue):
    import re

    for seed in range(30):
        q = registry()["translate"].make(seed, catalogue)
        va = int(re.search(r"\*\*(0x[0-9a-f]+)\*\*", q.prompt).group(1), 16)
        rows = {int(v, 16): (int(f, 16), flags.split()) for v, f, flags in re.findall(r"(0x[0-9a-f]+) -> (0x[0-9a-f]+) ([A-Z ]+)", q.prompt)}
        frame, flags = rows[va & 0xFF00]
        user, write = "user" in q.prompt.split("**")[0].split("A ")[-1], " write of" in q.prompt
        allowed = "P" in flags and (not user or "US" in flags) and (not write or "RW" in flags)
        expected = f"{frame | (va & 0xFF):#06x}" if allowed else "a page fault (#PF)"
        assert q.answer == (expected,), (seed, q.prompt)


def test_exit_questions_respect_unconditional_exits(catalogue):
    from engine.assisted import vmx

    for seed in range(40):
        q = registry()["exit"].make(seed, catalogue)
        instruction = q.prompt.split("`")[1]
        mnemonic = instruction.split()[0]
        if mnemonic in vmx.UNCONDITIONAL:
            assert q.answer == (f"{vmx.UNCONDITIONAL[mnemonic]}: {vmx.exit_name(vmx.UNCONDITIONAL[mnemonic])}",)


def test_mmu_questions_follow_xens_rules(catalogue):
    for seed in range(40):
        q = registry()["mmu"].make(seed, catalogue)
        assert q.answer[0] == ("Xen rejects it" if q.explanation.startswith("(") else "Xen applies it")
