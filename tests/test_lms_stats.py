"""Class statistics on a real store (SQLite and PostgreSQL) and on uploaded export files: aggregate only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.core import progress
from engine.core.lms import stats
from engine.core.quiz import Question, grade
from engine.quizgen.export import QuestionIndex
from tests.test_store import answered, store  # noqa: F401  (store: SQLite and PostgreSQL)


@pytest.fixture(scope="module")
def index(catalogue):
    return QuestionIndex(catalogue=catalogue)


def choice(qid: str = "cls-q") -> Question:
    return Question(qid, "2.1", "single", "Which one?", "Because.", "Slide", options=("right", "wrong A", "wrong B"),
                    answer=("right",))


def test_store_statistics_per_question(store):  # noqa: F811
    q = choice()
    first_tries = ["right", "wrong A", "wrong A", "wrong B", "right"]
    for n, first in enumerate(first_tries):
        key = store.create_learner()
        for event in answered(q, first, *(["right"] if first != "right" else []), at=1000.0 + n):
            store.add(key, event)
    lonely = choice("cls-lonely")  # answered by two learners only: hidden
    for _ in range(2):
        key = store.create_learner()
        for event in answered(lonely, "right"):
            store.add(key, event)
    numbered = store.class_events()
    assert store.class_version() == (len(numbered), store.class_version()[1]) and store.class_version()[1] >= len(numbered)
    assert {n for n, _ in numbered} == set(range(1, 8))
    result = stats.class_stats(stats.by_learner(numbered), {q.id: q, lonely.id: lonely}.get)
    assert result.learners == 7 and result.hidden_questions == 1
    (row,) = result.questions
    assert (row.question, row.learners, row.first_try_right, row.first_try_right_percent) == ("cls-q", 5, 2, 40.0)
    assert row.right_on_second_try == 3 and row.most_chosen_wrong == "wrong A" and row.most_chosen_wrong_learners == 2
    assert row.mean_first_score_percent == 40.0
    text = stats.to_csv(result.questions)
    assert text.splitlines()[0].startswith("question,section,material")
    with store.engine.connect() as conn:  # no learner key anywhere in the table
        keys = {r[0] for r in conn.execute(sa.text("SELECT key FROM learners"))}
    assert len(keys) == 7 and not any(k in text for k in keys)


def test_generated_variants_are_grouped_and_broken_down_by_parameter(index, catalogue):
    gen = index.generators["gen-transfer"]
    learners = []
    for seed in range(1, 13):
        q = gen.make(seed, catalogue)
        response = str(q.value) if seed % 3 else "123456"
        record = progress.new_record(q)
        after = progress.submit(record, grade(q, response))
        learners.append([progress.last_event(record, after, 1000.0 + seed)])
    result = stats.class_stats(learners, index, index.titles)
    (row,) = result.questions
    assert row.question == "gen-transfer" and row.learners == 12 and row.first_try_right == 8
    assert row.prompt == index.titles["gen-transfer"]
    assert row.most_chosen_wrong == "123456" and row.most_chosen_wrong_learners == 4  # typed by 4 >= 3: shown
    assert result.parameters and all(p.learners >= stats.MIN_GROUP for p in result.parameters)
    names = {p.parameter for p in result.parameters}
    assert "month" in names or "gb" in names or "from" in names
    for name in names:  # every shown group of a parameter adds up to at most all answers
        assert sum(p.learners for p in result.parameters if p.parameter == name) <= 12


def test_a_typed_wrong_answer_of_fewer_than_three_learners_is_not_shown():
    q = Question("cls-num", "2.5", "numeric", "How much?", "So.", "Slide", value=4.0)
    learners = [answered(q, typed) for typed in ("4", "4", "17", "17", "99")]
    (row,) = stats.class_stats(learners, {q.id: q}.get).questions
    assert row.learners == 5 and row.first_try_right == 2 and row.most_chosen_wrong == ""


def test_uploaded_exports_count_one_learner_per_file():
    q = choice()
    files = [progress.to_csv(answered(q, first)).encode() for first in ("right", "wrong B", "wrong B", "right")]
    learners = [progress.parse_export(data, f"student{n}.csv", now=0.0) for n, data in enumerate(files)]
    result = stats.class_stats(learners, {q.id: q}.get)
    (row,) = result.questions
    assert result.learners == 4 and row.first_try_right == 2 and row.most_chosen_wrong == "wrong B"


def test_the_index_makes_a_variant_again_from_its_id(index, catalogue):
    q = index.generators["gen-walk"].make(7, catalogue)
    assert index(q.id) == q and index("gen-walk-notaseed") is None and index("gen-nothing-3") is None
    assert index("vmm-type1-pro") is not None
