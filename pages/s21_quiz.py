"""Quiz 2.1: written questions from lessons/2.1/quiz.toml and engine-generated practice."""

import streamlit as st

from engine.quizgen import for_section
from ui import content, layout, quiz

layout.header("2.1", "Quiz 2.1: Virtualizability", "Check yourself. Every answer comes with an explanation and the lecture slide to revisit.")
quiz.score_line("2.1")
written, practice = st.tabs(["Written questions", "Generated practice"])
with written:
    quiz.written(content.bank("2.1"))
with practice:
    st.markdown("Fresh questions computed by the simulator, so the answers are right by construction.")
    quiz.generated(for_section("2.1"), "2.1")
