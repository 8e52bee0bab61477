"""My progress: the learner key, scores per section, mastery per lecture concept, export, import and "forget me"."""

from collections import Counter

import streamlit as st

from engine.core import progress
from engine.core.review import mastery
from engine.core.store import StoreError
from ui import content, learner, quiz
from ui.charts import chart
from ui.escape import literal
from viz.charts import mastery_by_concept

st.title("My progress")
sections = content.sections()
ids = [s.id for s in sections]
titles = {s.id: s.title for s in sections}

learner.show_notice()
key = learner.key()
if key:
    st.success(f"Your learner key: **{key}**. It is in this page's address: bookmark it, or type the key on "
               "another device to continue there. It is all that links you to your answers: no name, no account.", icon="🔑")
else:
    st.info("You get a learner key (four random words) with your first answer; your answers are then kept on this "
            "server under it, so a reload or a bookmark continues where you stopped.", icon="🔑")
with st.expander("Continue on another device: type your key"):
    with st.form("open_key", border=False):
        typed = st.text_input("Learner key", placeholder="e.g. stout-film-thumb-chow", max_chars=100)
        if st.form_submit_button("Continue with this key"):
            if learner.open_key(typed):
                st.rerun()
            learner.show_notice()

records = quiz.records()
lecture = progress.scores(records, ids)
beyond = progress.scores(records, ids, beyond=True)
practice = progress.scores(records, ids, generated=True)


def cell(s: progress.SectionScore) -> str:
    return f"{s.points:g} / {s.answered} ({s.percent:.0f} %)" if s.answered else "—"


st.header("Scores (first tries)")
st.dataframe(
    [{"Section": f"{s.id} {titles[s.id]}", "Lecture material": cell(a), "Beyond the lecture": cell(b),
      "Generated practice": cell(c)} for s, a, b, c in zip(sections, lecture, beyond, practice)],
    hide_index=True, width="stretch",
)

events = learner.events()
if events:
    st.header("Mastery per lecture concept")
    counts = Counter((q.section, q.concept) for s in ids for q in content.bank(s))  # written questions per concept
    concepts = [(s.id, c.name, counts[(s.id, c.name)]) for s in sections for c in s.concepts if counts.get((s.id, c.name))]
    rows = [{"section": m.section, "concept": m.concept, "score": m.score, "status": m.label,
             "answered": f"{m.answered} / {m.questions}"} for m in mastery(events, concepts)]
    started = [r for r in rows if r["status"] != "not started"]
    if started:
        chart(mastery_by_concept, started)
        st.caption("Each bar: the mean first-try score of the latest round of the written questions on that concept "
                   "(a review counts as a new round). 'Revisit' below 50 %, 'mastered' from 80 % with every question answered.")
    st.dataframe([{"Section": r["section"], "Concept": r["concept"], "Answered": r["answered"],
                   "Score": f"{r['score']:.0%}" if r["status"] != "not started" else "—", "Status": r["status"]}
                  for r in rows], hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.download_button("⬇ Download CSV", progress.to_csv(events), file_name="virtlab-progress.csv", mime="text/csv")
    right.download_button("⬇ Download JSON", progress.to_json(events, ids),
                          file_name="virtlab-progress.json", mime="application/json")
    answered = [r for r in records.values() if r.counts]
    st.dataframe([{"Section": r.section, "Question": r.prompt, "First answer": r.tries[0].given if r.tries else "—",
                   "First-try score": f"{r.first_score:.0%}", "Tries": len(r.tries),
                   "Solution shown": "yes" if r.revealed else "no"} for r in answered], hide_index=True, width="stretch")
else:
    st.info("No answers yet. Try a quiz, for example Quiz 2.1.", icon="❓")
    st.page_link("pages/s21_quiz.py", label="Go to Quiz 2.1", icon="❓")

with st.expander("Import an earlier export (CSV or JSON)"):
    upload = st.file_uploader("Export file", type=["csv", "json"], key="import_file")
    if upload is not None and st.button("Import these answers", key="import_go"):
        try:
            st.success(learner.import_file(upload.getvalue(), upload.name), icon="📥")
        except (progress.ExportError, StoreError) as exc:
            st.error(f"{literal(exc)} Nothing was imported; your history is as it was.", icon="✋")

if key:
    with st.expander("Forget me"):
        st.markdown("Deletes every answer kept under your key on this server. This cannot be undone.")
        sure = st.checkbox("Yes, delete my history", key="forget_sure")
        if st.button("Forget me", disabled=not sure, key="forget_go"):
            learner.forget()
            st.rerun()
