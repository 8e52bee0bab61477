"""Lasting progress in the app: the learner key in the address, another device, forget me, import, review, self-test."""

from __future__ import annotations

import time

from engine.core import progress
from engine.core.quiz import load_bank
from tests.test_pages import answer, open_page

QUIZ, PROGRESS, REVIEW, SELFTEST = "pages/s21_quiz.py", "pages/progress.py", "pages/review.py", "pages/self_test.py"


def first_single():
    return next(q for q in load_bank("2.1") if q.kind == "single")


def answered_session():
    q = first_single()
    at = open_page(QUIZ)
    answer(at, q, q.answer[0])
    key = at.query_params["learner"]
    key = key[0] if isinstance(key, list) else key
    assert len(key.split("-")) == 4
    return at, q, key


def test_the_first_answer_creates_a_key_and_a_bookmark_of_it_continues_in_a_new_session():
    _, q, key = answered_session()
    later = open_page(PROGRESS, {"learner": key})  # a reload or bookmark: a new session with the key in the address
    assert any(key in s.value for s in later.success)
    assert later.dataframe[0].value.loc[0, "Lecture material"] == "1 / 1 (100 %)"
    quiz = open_page(QUIZ, {"learner": key})
    assert any(i.value.startswith("**Answer:**") for i in quiz.info)  # the answered question shows as done


def test_continue_on_another_device_by_typing_the_key():
    _, _, key = answered_session()
    other = open_page(PROGRESS)
    other.text_input[0].input(key.replace("-", " ").upper())
    other.button[0].click().run()
    assert not other.exception and other.dataframe[0].value.loc[0, "Lecture material"] == "1 / 1 (100 %)"


def test_an_unknown_key_gives_a_message_and_no_history():
    at = open_page(PROGRESS, {"learner": "alpha-bravo-charlie-delta"})
    assert any("No history is kept under the key" in e.value for e in at.error)
    assert any("No answers yet" in i.value for i in at.info)


def test_forget_me_deletes_the_history():
    _, _, key = answered_session()
    at = open_page(PROGRESS, {"learner": key})
    at.checkbox(key="forget_sure").check().run()
    at.button(key="forget_go").click().run()
    again = open_page(PROGRESS, {"learner": key})
    assert any("No history is kept under the key" in e.value for e in again.error)


def test_mastery_per_concept_is_shown_as_a_table_and_a_chart():
    _, q, key = answered_session()
    at = open_page(PROGRESS, {"learner": key})
    mastery = at.dataframe[1].value
    row = mastery[mastery["Concept"] == q.concept].iloc[0]
    assert (row["Score"], row["Status"]) == ("100%", "getting there" if row["Answered"] != "1 / 1" else "mastered")
    assert at.get("vega_lite_chart")


def test_review_serves_a_due_question_as_a_new_round():
    from engine.core.store import Store

    q = first_single()
    assert any("Nothing to review yet" in i.value for i in open_page(REVIEW).info)
    two_days_ago = progress.Event(q.id, "2.1", q.prompt[:100], q.concept, False, False, 0, 0, "try", q.answer[0], 1.0,
                                  time.time() - 2 * 86_400)
    store = Store()  # the app's store (tests/conftest.py points it at a fresh folder)
    key = store.create_learner()
    store.add(key, two_days_ago)
    review = open_page(REVIEW, {"learner": key, "order": "1"})
    assert review.metric[0].value == "1"  # box 1 comes back after a day
    review.radio(key=f"answer_{q.id}_r1_0").set_value(q.answer[0])
    review.button(key=f"FormSubmitter:form_{q.id}_r1_0-Check answer").click().run()
    assert any(s.value.startswith("Correct.") for s in review.success)
    assert [(e.round, e.score) for e in store.events(key)] == [(0, 1.0), (1, 1.0)]
    assert open_page(REVIEW, {"learner": key}).metric[0].value == "0"  # now in box 2: not due for two days


def test_self_test_grades_only_at_the_end_with_a_summary_per_concept():
    at = open_page(SELFTEST, {"section": "2.1", "n": "5", "seed": "7"})
    at.button[0].click().run()  # start
    assert not at.success and not at.error  # no feedback while the test runs
    assert sum(1 for m in at.markdown if m.value.startswith("**Question ")) == 5
    at.button(key="FormSubmitter:selftest_form-Hand in").click().run()  # hand in with nothing answered
    assert at.metric[0].value == "0 / 5"
    assert any(m.value == "**Generated practice**" for m in at.markdown)  # 5 // 3 = 1 generated question
    assert len(at.get("page_link")) >= 1  # the pages to revisit
    assert len(at.expander) >= 5 and any("**Answer:**" in m.value for m in at.markdown)
