"""Section 2.4 lesson files: the quiz bank loads and cites real slides; the lesson texts exist and name their slides.

tests/test_lessons.py checks the banks of 2.1-2.3 by a fixed list; this file checks 2.4 the same way.
"""

import re
from pathlib import Path

import pytest

from engine.lessons import LESSONS_DIR
from engine.quiz import grade, load_bank

LECTURE = Path(__file__).resolve().parents[2] / "shared" / "lecture" / "chapter2-virtual-machines.txt"
SLIDES_24 = ("Resource Sharing & Performance Implications", "Resource Distribution Among VMs", "CPU Scheduling",
             "CPU Scheduling and Shared I/O")


def lecture_lines() -> set[str]:
    if not LECTURE.exists():
        pytest.fail(f"lecture text not found at {LECTURE}")
    return {line.strip() for line in LECTURE.read_text().splitlines()}


def test_quiz_24_loads_with_enough_questions_on_real_slides():
    bank = load_bank("2.4")
    assert len(bank) >= 10
    assert {q.section for q in bank} == {"2.4"}
    lines = lecture_lines()
    for q in bank:
        assert q.slide in lines and q.slide in SLIDES_24, (q.id, q.slide)  # a whole slide title of section 2.4


def test_quiz_24_answers_grade_as_correct():
    for q in load_bank("2.4"):
        response = f"{q.value:g}" if q.kind == "numeric" else (q.answer[0] if q.kind == "single" else list(q.answer))
        assert grade(q, response).correct, q.id


@pytest.mark.parametrize("name", ["resources", "scheduling", "shared_io"])
def test_lesson_texts_exist_and_name_their_slides(name):
    text = (LESSONS_DIR / "2.4" / f"{name}.md").read_text()
    assert text.startswith("# ") and len(text) > 800
    cited = re.findall(r"'([^']+)'", text.rsplit("Lecture slides:", 1)[1])
    assert cited and all(title in lecture_lines() for title in cited), (name, cited)
