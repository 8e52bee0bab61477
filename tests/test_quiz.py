"""Grading and the seeded generators (answers computed by the engine)."""

import json

import pytest

from engine.core import progress
from engine.core.lessons import LessonError
from engine.core.quiz import Question, grade, load_bank, parse_number, solution
from engine.quizgen import for_section, registry
from engine.virtualizability.trap_emulate import simulate


def single():
    return Question("q", "2.1", "single", "Which?", "Because.", "Slide", options=("a", "b", "c"), answer=("b",),
                    why_not=(("a", "a is the other thing."),))


def test_single_choice_grading_does_not_reveal_the_answer():
    assert grade(single(), "b").correct
    wrong = grade(single(), "a")
    assert not wrong.correct and wrong.graded and "b" not in wrong.message.replace("Because", "")
    assert "a is the other thing." in wrong.message  # the chosen distractor's why_not
    assert "**Answer:** b" in solution(single()) and "Because." in solution(single())


@pytest.mark.parametrize("response", [None, "", [], ["", None]])
def test_empty_submission_is_not_graded(response):
    result = grade(single(), response)
    assert result.status == "empty" and not result.graded and "Choose an answer first" in result.message


def test_multiple_choice_partial_credit_is_right_minus_wrong_floored_at_zero():
    q = Question("m", "2.1", "multiple", "Which?", "E.", "S", options=("a", "b", "c", "d"), answer=("a", "c"))
    assert grade(q, ["c", "a"]).score == 1.0 and grade(q, ["c", "a"]).correct
    assert grade(q, ["a"]).score == 0.5
    assert grade(q, ["a", "c", "b"]).score == 0.5
    assert grade(q, ["a", "b"]).score == 0.0
    assert grade(q, ["a", "b", "d"]).score == 0.0


def test_ordering_and_table_grade_per_place_and_cell():
    order = Question("o", "2.1", "order", "Order?", "E.", "S", answer=("entry", "exit", "handler", "resume"))
    assert grade(order, ["entry", "exit", "handler", "resume"]).correct
    assert grade(order, ["exit", "entry", "handler", "resume"]).score == 0.5
    assert grade(order, ["entry", None, None, None]).status == "empty"
    table = Question("t", "2.1", "table", "Classify", "E.", "S", rows=("POPF", "CLI", "ADD"),
                     options=("trap", "silent", "runs"), answer=("silent", "trap", "runs"))
    assert grade(table, ["silent", "trap", "runs"]).correct
    assert abs(grade(table, ["silent", "runs", ""]).score - 1 / 3) < 1e-9
    assert grade(table, [None, None, None]).status == "empty"


@pytest.mark.parametrize("given, ok", [("17", True), ("17.4", True), ("16,6", True), ("18", False)])
def test_numeric_with_tolerance(given, ok):
    q = Question("n", "2.1", "numeric", "How many?", "E.", "S", value=17, tolerance=0.5)
    assert grade(q, given).correct is ok


@pytest.mark.parametrize("given", ["abc", "inf", "9" * 5000, "1e400", "12 apples"])
def test_unreadable_numbers_get_a_message_not_a_grade(given):
    q = Question("n", "2.1", "numeric", "How many?", "E.", "S", value=17)
    result = grade(q, given)
    assert result.status == "unreadable" and "cannot be read as a number" in result.message and len(result.message) < 200


@pytest.mark.parametrize("value, unit, typed", [
    (0.4, "", "40%"), (40, "%", "40%"), (40, "%", "40"), (40, "%", "0.4"), (0.04, "USD", "$0.04"),
    (0.04, "USD", "0.04 USD"), (2 / 3, "", "2/3"), (1080, "", "1,080"), (1080, "", "1 080"), (1500, "", "1.5e3"),
    (1500, "", "1.5×10^3"), (1234.5, "", "1.234,5"), (-3, "", "−3"),
])
def test_numeric_answers_are_read_as_students_write_them(value, unit, typed):
    q = Question("n", "2.5", "numeric", "How much?", "E.", "S", value=value, unit=unit, rel_tolerance=0.001)
    assert grade(q, typed).correct, (value, typed)


def test_relative_tolerance_and_accepted_values():
    q = Question("n", "2.5", "numeric", "?", "E.", "S", value=200, rel_tolerance=0.05, accepted=(100,))
    assert grade(q, "209").correct and not grade(q, "211").correct and grade(q, "100").correct


def test_parse_number():
    assert parse_number(" 1 000,5 ") == 1000.5 and parse_number("1,080") == 1080 and parse_number("40%") == 40
    assert parse_number("nan") is None and parse_number(True) is None


def test_invalid_question_is_rejected():
    with pytest.raises(LessonError, match="not one of the options"):
        Question("x", "2.1", "single", "?", "E", "S", options=("a", "b"), answer=("z",))


def test_written_bank_has_every_kind():
    kinds = {q.kind for q in load_bank("2.1")}
    assert kinds == {"single", "multiple", "numeric", "order", "table"}


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
    """The answer is the critical lines (the catalogue's class); the simulator shows each one misbehaving, except
    those whose effect it does not model (ARMv7's SUBS pc, lr and the like), and shows no other line misbehaving."""
    from engine.virtualizability.trap_emulate import parse_program

    for seed in range(40):
        q = registry()["which-silent"].make(seed, catalogue)
        isa = next(i for i in catalogue.values() if i.name in q.prompt)
        lines = q.options[:-1]
        assert q.options[-1] == "none of them"
        instructions = [isa.instruction(o.split(": ", 1)[1]) for o in lines]
        trace = simulate(isa, parse_program("\n".join(i.mnemonic for i in instructions), isa))
        silent = {f.state.line for f in trace if f.state.phase == "silent"}
        critical = {n for n, ins in enumerate(instructions) if ins.critical}
        assert silent <= critical
        assert all(not instructions[n].effect.fields for n in critical - silent), q.id
        assert q.answer == (tuple(lines[n] for n in sorted(critical)) or ("none of them",))


def test_attempt_policy_counts_the_first_try_and_allows_one_more():
    q = single()
    r = progress.new_record(q)
    r = progress.submit(r, grade(q, None))  # empty: not an attempt
    assert r.stage == "new" and not r.counts
    r = progress.submit(r, grade(q, "a"))
    assert r.stage == "retry" and r.first_score == 0
    r = progress.submit(r, grade(q, "b"))
    assert r.stage == "done" and r.first_score == 0 and len(r.tries) == 2
    assert progress.submit(r, grade(q, "b")) == r  # nothing after the end
    shown = progress.reveal(progress.new_record(q))
    assert shown.stage == "done" and shown.counts and shown.first_score == 0


def test_progress_scores_and_exports():
    q = single()
    beyond = Question("z", "2.1", "single", "Which?", "E.", "", options=("a", "b"), answer=("a",), beyond=True, page="VT-x and the VMCS")
    gen = Question("gen-x-1", "2.1", "numeric", "How many?", "E.", "S", value=1, generator="x")
    events = []
    for question, responses in ((q, ("a", "b")), (beyond, ("a",)), (gen, ("1",))):
        record = progress.new_record(question)
        for response in responses:
            after = progress.submit(record, grade(question, response))
            events.append(progress.last_event(record, after, 100.0))
            record = after
    records = progress.quiz_records(events)
    (s21, s22) = progress.scores(records, ["2.1", "2.2"])
    assert (s21.points, s21.answered, s22.answered) == (0, 1, 0)  # the retry does not replace the first try
    assert progress.scores(records, ["2.1"], beyond=True)[0].points == 1
    assert progress.scores(records, ["2.1"], generated=True)[0].answered == 1
    csv_text = progress.to_csv(events)
    assert csv_text.splitlines()[0] == ",".join(progress.EVENT_FIELDS) and len(csv_text.splitlines()) == 5
    payload = json.loads(progress.to_json(events, ["2.1", "2.2"]))
    assert payload["sections"][0]["percent"] == 0.0 and payload["beyond_the_lecture"][0]["percent"] == 100.0
    assert len(payload["events"]) == 4 and payload["format"] == "virtlab-progress"


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

    for seed in range(60):
        q = registry()["translate"].make(seed, catalogue)
        va = int(re.search(r"\*\*(0x[0-9a-f]+)\*\*", q.prompt).group(1), 16)
        rows = {int(v, 16): (int(f, 16), flags.split()) for v, f, flags in re.findall(r"(0x[0-9a-f]+) -> (0x[0-9a-f]+) ([A-Z ]+)", q.prompt)}
        who, access = re.search(r"A (user|kernel) (read|write) of \*\*", q.prompt).groups()
        user, write = who == "user", access == "write"
        frame, flags = rows.get(va & 0xFF00, (0, []))  # an address on no line is not mapped
        allowed = "P" in flags and (not user or "US" in flags) and (not write or "RW" in flags)
        expected = f"{frame | (va & 0xFF):#06x}" if allowed else "a page fault (#PF)"
        assert q.answer == (expected,), (seed, q.prompt)
        assert len(q.options) == 4 and "a page fault (#PF)" in q.options


def test_exit_questions_respect_unconditional_exits(catalogue):
    from engine.assisted import vmx

    unconditional = 0
    for seed in range(200):
        q = registry()["exit"].make(seed, catalogue)
        instruction = q.prompt.split("`")[1]
        mnemonic = instruction.split()[0]
        if mnemonic in vmx.UNCONDITIONAL:
            unconditional += 1
            assert q.answer == (f"{vmx.UNCONDITIONAL[mnemonic]}: {vmx.exit_name(vmx.UNCONDITIONAL[mnemonic])}",)
            assert "no VM exit" in q.options  # offered, and wrong: the controls never matter for these
    assert unconditional >= 40


def test_mmu_questions_follow_xens_rules(catalogue):
    from urllib.parse import parse_qs, urlsplit

    from engine.assisted import xen

    rules = set()
    for seed in range(200):
        q = registry()["mmu"].make(seed, catalogue)
        p = {k: v[0] for k, v in parse_qs(urlsplit(q.link).query).items()}
        host = xen.default_host(int(p["xen-layout"]))
        (update,) = xen.parse_requests(p["requests"])
        rule, _ = xen.check_update(host, p["domain"], update)
        rules.add(rule)
        assert q.answer[0] == ("Xen rejects it" if rule else "Xen applies it"), q.id
        for d in host.domains:  # the prompt gives every owner's frames, so the question is decidable from it
            assert f"{d.name} {', '.join(map(str, d.frames))} (page table in frame {d.page_tables[0]})" in q.prompt
        assert f"{p['domain']} calls mmu_update" in q.prompt
    assert rules == {"", "a", "b", "c"}
