"""Quiz 2.1: written questions from lessons/2.1/quiz.toml and engine-generated practice."""

from ui import quiz

quiz.section_page("2.1", "Quiz 2.1: Virtualizability",
                  "Check yourself. Every answer comes with an explanation and the lecture slide to revisit.")
