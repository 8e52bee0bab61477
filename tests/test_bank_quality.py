"""Written banks a student cannot game: shuffled options, hints and why-nots, checked as a gaming student would play
(always the first option, always the longest, always "none")."""

from __future__ import annotations

import re
from collections import Counter
from statistics import mean

import pytest

from engine.core.quiz import Question, display_order, load_bank, right_answer
from ui.navigation import BY_TITLE

SECTIONS = ("2.1", "2.2", "2.3", "2.4", "2.5")
BANK_SIZES = {"2.1": 22, "2.2": 30, "2.3": 34, "2.4": 19, "2.5": 14}  # the sizes before the rewrite: never fewer


def all_written() -> list[Question]:
    return [q for s in SECTIONS for q in load_bank(s)]


@pytest.mark.parametrize("section", SECTIONS)
def test_banks_keep_their_size_and_every_question_has_a_hint(section):
    bank = load_bank(section)
    assert len(bank) >= BANK_SIZES[section]
    assert [q.id for q in bank if not q.hint] == []


def test_every_distractor_of_a_single_choice_question_says_why_not():
    missing = [(q.id, o) for q in all_written() if q.kind == "single" for o in q.options
               if o not in q.answer and not q.why_not_for(o)]
    assert missing == []


def test_beyond_the_lecture_questions_name_a_real_page():
    beyond = [q for q in all_written() if q.beyond]
    assert beyond and all(q.page in BY_TITLE for q in beyond)


def test_the_new_interaction_types_are_there():
    kinds = Counter(q.kind for q in all_written())
    assert kinds["order"] >= 3 and kinds["table"] >= 3


def test_the_right_answer_is_spread_over_every_displayed_position():
    for q in all_written():
        if q.kind != "single":
            continue
        positions = Counter(display_order(q, seed).index(q.answer[0]) for seed in range(300))
        n = len(q.options)
        assert set(positions) == set(range(n)) and min(positions.values()) / 300 > 1 / n - 0.1, (q.id, positions)


def test_display_order_is_reproducible_and_differs_between_learners():
    q = next(q for q in all_written() if q.kind == "single" and len(q.options) >= 3)
    assert display_order(q, 7) == display_order(q, 7)
    assert len({display_order(q, seed) for seed in range(30)}) > 1
    order_q = next(q for q in all_written() if q.kind == "order")
    assert all(display_order(order_q, seed) != order_q.answer for seed in range(50))


def _gaming_score(pick, sections=SECTIONS) -> tuple[float, float]:
    """(score of a strategy over the single-choice written questions of ``sections``, chance)."""
    singles = [q for s in sections for q in load_bank(s) if q.kind == "single"]
    return (mean(pick(q) == q.answer[0] for q in singles), mean(1 / len(q.options) for q in singles))


def longest(q: Question) -> str:
    return max(q.options, key=len)


def catch_all(q: Question) -> str:
    """'none of these', 'all of the above', 'both' when offered, else the last option."""
    pattern = re.compile(r"\b(none|all of (them|these|the above)|both)\b", re.I)
    return next((o for o in q.options if pattern.search(o)), q.options[-1])


def first(q: Question) -> str:
    return q.options[0]


@pytest.mark.parametrize("strategy", [longest, first, catch_all], ids=["longest", "first", "none-or-all"])
def test_gaming_strategies_score_at_chance_over_all_banks(strategy):
    got, chance = _gaming_score(strategy)
    assert got <= chance + 0.10, (got, chance)


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("strategy", [longest, first, catch_all], ids=["longest", "first", "none-or-all"])
def test_gaming_strategies_score_near_chance_in_each_bank(section, strategy):
    got, chance = _gaming_score(strategy, (section,))
    assert got <= chance + 0.15, (section, got, chance)


def test_right_answer_text_in_words():
    q = Question("t", "2.1", "table", "Classify", "E", "S", rows=("a", "b"), options=("x", "y"), answer=("x", "y"))
    assert right_answer(q) == "a: x; b: y"


def test_every_written_question_names_a_concept_of_its_section():
    from engine.core.lessons import LESSONS_DIR
    from engine.core.outline import load_sections

    concepts = {s.id: {c.name for c in s.concepts} for s in load_sections(LESSONS_DIR / "sections.toml")}
    assert [(q.id, q.concept) for q in all_written() if q.concept not in concepts[q.section]] == []


def test_ordering_and_table_questions_grade_per_place_on_the_page():
    from tests.test_pages import answer, open_page

    for kind in ("order", "table"):
        q = next(q for s in ("2.1", "2.2", "2.3", "2.4", "2.5") for q in load_bank(s) if q.kind == kind)
        at = open_page(f"pages/s{q.section.replace('.', '')}_quiz.py")
        response = list(q.answer)
        response[0], response[1] = response[1], response[0]
        if kind == "table" and response[0] == response[1]:
            response[0] = next(o for o in q.options if o != q.answer[0])
        answer(at, q, response)
        assert any("right" in e.value and "one more try" in e.value for e in at.error), kind
        answer(at, q, list(q.answer), attempt=1)
        assert any(s.value.startswith("Correct on the second try") for s in at.success), kind


