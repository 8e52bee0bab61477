"""The "For lecturers" page under AppTest: export choices, class statistics from the store, the lecturer password."""

from __future__ import annotations

from engine.core.quiz import load_bank
from tests.test_pages import answer, open_page, wrong_option

PAGE, QUIZ = "pages/lecturers.py", "pages/s23_quiz.py"


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def test_export_offers_a_download_for_the_chosen_sections_kinds_and_format():
    at = open_page(PAGE)
    (label,) = [d for d in downloads(at) if "questions" in d]
    assert label.startswith("⬇ Download ") and "Moodle XML" in label
    total = int(label.split()[2])
    at.multiselect[0].set_value(["2.1"]).run()
    at.multiselect[1].set_value(["numeric"]).run()
    (label,) = [d for d in downloads(at) if "questions" in d]
    assert int(label.split()[2]) < total
    assert any("numeric" in c.value for c in at.caption)
    at.radio[0].set_value("qti").run()
    assert not at.exception
    assert any("QTI 1.2 package" in d for d in downloads(at))
    assert any("Canvas" in m.value for m in at.markdown)
    at.multiselect[1].set_value([]).run()
    assert any("Choose at least one" in i.value for i in at.info)


def test_class_statistics_from_the_store_show_a_question_answered_by_three_learners():
    q = next(q for q in load_bank("2.3") if q.kind == "single")
    for response in (q.answer[0], wrong_option(q), wrong_option(q)):
        at = open_page(QUIZ)  # a new session: a new anonymous learner
        answer(at, q, response)
    at = open_page(PAGE)
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Question" in d.value.columns)
    row = table[table["Question"] == q.id].iloc[0]
    assert row["Learners"] >= 3 and row["Most chosen wrong"].startswith(wrong_option(q)[:40])
    assert any("learners." in m.value for m in at.markdown)
    assert "⬇ Per question (CSV)" in downloads(at)


def test_the_lecturer_password_guards_the_page_when_it_is_set(monkeypatch):
    monkeypatch.setenv("VIRTLAB_LECTURER_SECRET", "s3cret")
    at = open_page(PAGE)
    assert not downloads(at) and at.text_input[0].label == "Lecturer password"
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert any("not the lecturer password" in e.value for e in at.error) and not downloads(at)
    at.text_input[0].input("s3cret")
    at.button[0].click().run()
    assert any("questions" in d for d in downloads(at))
