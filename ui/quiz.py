"""Quiz widgets: one question with immediate feedback, the generated-question practice, the score."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from engine.core import progress
from engine.core.quiz import Grade, Question, grade
from engine.quizgen import Generator, for_section
from ui import content, layout, query

ATTEMPTS = "attempts"
MAX_SEED = 10**9


def attempts() -> dict[str, progress.Attempt]:
    return st.session_state.setdefault(ATTEMPTS, {})


def _option_key(widget_key: str, index: int) -> str:
    return f"{widget_key}__{index}"


def _check(q: Question, widget_key: str) -> None:
    if q.kind == "multiple":
        response = [o for i, o in enumerate(q.options) if st.session_state.get(_option_key(widget_key, i))]
    else:
        response = st.session_state.get(widget_key)
    result = grade(q, response)
    st.session_state[f"{widget_key}_grade"] = result
    st.session_state[ATTEMPTS] = progress.record(
        attempts(), progress.Attempt(q.id, q.section, q.prompt.split("\n")[0][:120], result.given, result.correct, bool(q.generator))
    )


def question(q: Question, number: int | None = None) -> None:
    """Render a question in a bordered box; 'Check answer' grades it and records the attempt."""
    widget_key = f"answer_{q.id}"
    with st.container(border=True):
        title = f"**Question {number}.** " if number is not None else ""
        st.markdown(title + q.prompt)
        with st.form(key=f"form_{q.id}", border=False):
            if q.kind == "single":
                st.radio("Your answer", q.options, index=None, key=widget_key, label_visibility="collapsed")
            elif q.kind == "multiple":
                if "select all" not in q.prompt.lower():
                    st.caption("Select all that apply.")
                for i, option in enumerate(q.options):
                    st.checkbox(option, key=_option_key(widget_key, i))
            else:
                st.text_input(f"Your answer{f' ({q.unit})' if q.unit else ''}", key=widget_key, placeholder="a number")
            st.form_submit_button("Check answer", on_click=_check, args=(q, widget_key))
        result: Grade | None = st.session_state.get(f"{widget_key}_grade")
        if result is not None:
            show = st.success if result.correct else st.error
            show(f"{result.message}\n\n📖 Lecture slide: *{q.slide}*", icon="✅" if result.correct else "❌")


def score_line(section: str) -> None:
    (s,) = progress.scores(attempts(), [section])
    if s.answered:
        st.metric(f"Your score in {section}", f"{s.right} / {s.answered}", help="Right answers out of questions answered; a retry replaces the earlier answer.")
    else:
        st.caption(f"No answers in {section} yet: your score appears here.")


def written(questions: Sequence[Question]) -> None:
    for number, q in enumerate(questions, start=1):
        question(q, number)


def generated(generators: Sequence[Generator], section: str) -> None:
    """Practice with engine-generated questions; the seed is in the URL, so a variant can be shared."""
    if not generators:
        return
    options = {g.id: g.title for g in generators}
    gen_id = query.select("Question type", options, name="gen")
    gen = next(g for g in generators if g.id == gen_id)
    seed_key = f"seed_{section}"
    if seed_key not in st.session_state:
        st.session_state[seed_key] = query.read_int("seed", 1, 0, MAX_SEED)

    def new_variant() -> None:
        st.session_state[seed_key] = (st.session_state[seed_key] * 7919 + 13) % MAX_SEED

    st.button("🎲 Try a new variant", on_click=new_variant, key=f"variant_{section}")
    seed = st.session_state[seed_key]
    st.query_params["seed"] = str(seed)
    st.caption(f"Variant #{seed}: share the page link to give someone the same question.")
    question(gen.make(seed, content.catalogue()))


def section_page(section: str, title: str, lead: str) -> None:
    """A section's quiz page: score, the written bank, and generated practice."""
    layout.header(section, title, lead)
    score_line(section)
    tab_written, tab_practice = st.tabs(["Written questions", "Generated practice"])
    with tab_written:
        written(content.bank(section))
    with tab_practice:
        st.markdown("Fresh questions computed by the simulator, so the answers are right by construction.")
        generated(for_section(section), section)
