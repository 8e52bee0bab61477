"""Self-test: a fixed set of questions for one section, one attempt each, graded at the end with a summary per concept."""

import secrets
import time
from datetime import datetime, timezone

import streamlit as st

from engine.core import progress
from engine.core.quiz import display_order, grade, solution
from engine.core.review import next_round
from engine.core.selftest import SIZES, TIME_LIMITS_MIN, by_concept, draw
from engine.quizgen import for_section
from ui import content, learner, query, quiz
from ui.navigation import BY_TITLE

STATE = "selftest"
st.title("Self-test")
st.caption("A fixed set of questions drawn with a seed: one attempt each, no feedback until you hand in, then a "
           "summary per lecture concept with the pages to revisit. Share the address to give others the same test.")

sections = content.sections()
section = query.select("Section", {s.id: f"{s.id} {s.title}" for s in sections}, name="section")
left, middle, right = st.columns(3)
with left:
    n = int(query.select("Questions", {str(k): str(k) for k in SIZES}, name="n", default="10"))
with middle:
    limit = int(query.select("Time limit", {str(m): f"{m} min" if m else "none" for m in TIME_LIMITS_MIN}, name="limit",
                             default="0"))
with right:
    if "selftest_seed" not in st.session_state:
        st.session_state["selftest_seed"] = query.read_int("seed", secrets.randbelow(10**6), 0, 10**9)
    seed = st.number_input("Seed", 0, 10**9, key="selftest_seed")
st.query_params.update({"seed": str(seed)})

catalogue = content.catalogue()
questions = draw(content.bank(section), [lambda s, g=g: g.make(s, catalogue) for g in for_section(section)], n, seed)
test = st.session_state.get(STATE)
if test is None or test["id"] != (section, n, seed, limit):
    test = None
    if st.button("▶ Start the self-test", type="primary"):
        st.session_state[STATE] = {"id": (section, n, seed, limit), "started": time.time(), "handed_in": None, "grades": {}}
        st.rerun()
    st.stop()

deadline = test["started"] + limit * 60 if limit else None


def hand_in() -> None:
    events = learner.events()
    grades = {}
    for q in questions:
        g = grade(q, quiz.response(q, f"selftest_{q.id}"))
        grades[q.id] = g
        record = progress.new_record(q, next_round(events, q.id))
        learner.save(record, progress.submit_once(record, g))
    st.session_state[STATE] = {**test, "handed_in": time.time(), "grades": grades}


if test["handed_in"] is None:
    if deadline:
        clock = datetime.fromtimestamp(deadline, tz=timezone.utc).strftime("%H:%M:%S UTC")
        st.info(f"Time limit {limit} min: hand in by {clock}. Answers handed in later are marked late.", icon="⏱️")
    with st.form("selftest_form"):
        for number, q in enumerate(questions, start=1):
            with st.container(border=True):
                st.markdown(f"**Question {number}.** {q.prompt}" + (" :violet-badge[beyond the lecture]" if q.beyond else ""))
                quiz.inputs(q, f"selftest_{q.id}", display_order(q, quiz.learner_seed()))
        st.form_submit_button("Hand in", type="primary", on_click=hand_in)
    st.stop()

grades = test["grades"]
total = sum(g.score for g in grades.values() if g.graded)
late = deadline is not None and test["handed_in"] > deadline
st.metric("Your score", f"{total:g} / {len(questions)}", help="Unanswered questions score 0; partial credit as in the quizzes.")
if late:
    st.warning(f"Handed in {(test['handed_in'] - deadline) / 60:.1f} min after the time limit.", icon="⏱️")
pages = {c.name: c.page for s in sections for c in s.concepts}
st.header("Per concept, weakest first")
for result in by_concept(questions, grades):
    cols = st.columns([5, 2, 3])
    cols[0].markdown(f"**{result.concept}**")
    cols[1].markdown(f"{result.score:.0%} of {result.questions}")
    page = BY_TITLE.get(pages.get(result.concept, ""))
    if page is not None and result.score < 1:
        cols[2].page_link(page.file, label=f"Revisit: {page.title}", icon=page.icon)
st.header("Your answers")
for number, q in enumerate(questions, start=1):
    g = grades[q.id]
    mark = "✅" if g.correct else ("➗" if g.graded and g.score > 0 else "❌")
    with st.expander(f"{mark} Question {number}: {q.prompt.splitlines()[0][:90]}"):
        st.markdown(f"Your answer: {g.given or '(none)'}")
        st.markdown(solution(q))
if st.button("Take another self-test"):
    st.session_state.pop(STATE)
    st.session_state.pop("selftest_seed")
    st.rerun()
