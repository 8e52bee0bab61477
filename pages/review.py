"""Review: the questions that are due again under Leitner's boxes, written and generated ones mixed."""

import time
from collections import Counter
from datetime import datetime, timezone

import streamlit as st

from engine.core.review import INTERVAL_DAYS, boxes, due_now, next_round
from ui import learner, quiz

BATCH = 5
st.title("Review")
st.caption("Spaced review with Leitner's boxes: a question you answer right on the first try moves up a box and comes "
           f"back later (box 1 after {INTERVAL_DAYS[0]:g} day, then {', '.join(f'{d:g}' for d in INTERVAL_DAYS[1:])} days); "
           "a wrong first try sends it back to box 1. Only your first try in each round counts.")

events = learner.events()
if not events:
    st.info("Nothing to review yet: answer some quiz questions first. They come back here when they are due.", icon="🔁")
    st.page_link("pages/s21_quiz.py", label="Go to Quiz 2.1", icon="❓")
    st.stop()

known = {e.question_id for e in events}
askable = {qid for qid in known if quiz.lookup(qid) is not None}
now = time.time()


def new_batch() -> None:
    due = due_now(learner.events(), time.time(), askable)
    st.session_state["review_batch"] = [(d.question_id, next_round(learner.events(), d.question_id)) for d in due[:BATCH]]


if "review_batch" not in st.session_state:
    new_batch()
batch = st.session_state["review_batch"]
places = boxes(events)
left, right = st.columns([2, 3])
with left:
    counts = Counter(d.box for d in places.values())
    st.dataframe([{"Box": b, "Questions": counts.get(b, 0), "Comes back after": f"{INTERVAL_DAYS[b - 1]:g} days"}
                  for b in range(1, len(INTERVAL_DAYS) + 1)], hide_index=True, width="stretch")
with right:
    due_count = len(due_now(events, now, askable))
    st.metric("Due now", due_count)
    if not batch:
        upcoming = min((d for d in places.values() if d.question_id in askable), key=lambda d: d.due, default=None)
        when = datetime.fromtimestamp(upcoming.due, tz=timezone.utc).strftime("%d %b %Y, %H:%M UTC") if upcoming else "—"
        st.success(f"Nothing is due right now. The next question comes back on {when}.", icon="✅")
    st.button("Fetch the questions due now", on_click=new_batch, disabled=not due_count)

for number, (qid, rnd) in enumerate(batch, start=1):
    q = quiz.lookup(qid)
    if q is not None:
        st.caption(f"Section {q.section} · round {rnd} · box {places[qid].box if qid in places else 1}")
        quiz.question(q, number, round=rnd)
