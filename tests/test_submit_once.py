"""A self-test answer is taken once and graded at hand-in: progress.submit_once scores an empty answer 0."""

from engine.core import progress
from engine.core.quiz import Grade

RECORD = progress.Record("q1", "2.1", "Which instruction?", False, False, concept="critical instructions")


def test_a_graded_answer_is_the_one_try():
    done = progress.submit_once(RECORD, Grade("graded", 0.5, "half right", "A, C"))
    assert done.tries == (progress.Try("A, C", 0.5),) and done.first_score == 0.5 and done.counts


def test_an_empty_or_unreadable_answer_scores_zero_instead_of_waiting():
    for status in ("empty", "unreadable"):
        done = progress.submit_once(RECORD, Grade(status, 0.0, "no answer", "  "))
        assert done.tries == (progress.Try("", 0.0),) and done.counts
    assert progress.submit(RECORD, Grade("empty", 0.0, "no answer", "")).tries == ()  # the quizzes wait for one


def test_it_replaces_rather_than_adds_a_try():
    once = progress.submit_once(RECORD, Grade("graded", 1.0, "right", "B"))
    assert progress.submit_once(once, Grade("graded", 0.0, "wrong", "C")).tries == (progress.Try("C", 0.0),)
