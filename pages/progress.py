"""My progress: scores per section (first tries; lecture and beyond-the-lecture apart) and a download of every answer."""

import streamlit as st

from engine.core import progress
from ui import content, quiz

st.title("My progress")
st.caption("Your answers stay in this browser session only. Download them to keep a record. "
           "Scores count your first try at each written question; generated practice is listed apart.")
sections = content.sections()
records = quiz.records()
ids = [s.id for s in sections]
titles = {s.id: s.title for s in sections}
lecture = progress.scores(records, ids)
beyond = progress.scores(records, ids, beyond=True)
practice = progress.scores(records, ids, generated=True)


def cell(s: progress.SectionScore) -> str:
    return f"{s.points:g} / {s.answered} ({s.percent:.0f} %)" if s.answered else "—"


st.dataframe(
    [{"Section": f"{s.id} {titles[s.id]}", "Lecture material": cell(a), "Beyond the lecture": cell(b),
      "Generated practice": cell(c)} for s, a, b, c in zip(sections, lecture, beyond, practice)],
    hide_index=True, width="stretch",
)
answered = [r for r in records.values() if r.counts]
if answered:
    left, right = st.columns(2)
    left.download_button("⬇ Download CSV", progress.to_csv(records), file_name="virtlab-progress.csv", mime="text/csv")
    right.download_button("⬇ Download JSON", progress.to_json(records, ids),
                          file_name="virtlab-progress.json", mime="application/json")
    st.dataframe([{"Section": r.section, "Question": r.prompt, "First answer": r.tries[0].given if r.tries else "—",
                   "First-try score": f"{r.first_score:.0%}", "Tries": len(r.tries),
                   "Solution shown": "yes" if r.revealed else "no"} for r in answered], hide_index=True, width="stretch")
else:
    st.info("No answers yet. Try a quiz, for example Quiz 2.1.", icon="❓")
    st.page_link("pages/s21_quiz.py", label="Go to Quiz 2.1", icon="❓")
