"""My progress: scores per section and a download of every answer (CSV, JSON)."""

import streamlit as st

from engine.core import progress
from ui import content, quiz

st.title("My progress")
st.caption("Your answers stay in this browser session only. Download them to keep a record.")
sections = content.sections()
attempts = quiz.attempts()
scores = progress.scores(attempts, [s.id for s in sections])
titles = {s.id: s.title for s in sections}
st.dataframe(
    [{"Section": f"{s.section} {titles[s.section]}", "Answered": s.answered, "Right": s.right,
      "Score": f"{s.percent:.0f} %" if s.answered else "—"} for s in scores],
    hide_index=True, width="stretch",
)
if attempts:
    left, right = st.columns(2)
    left.download_button("⬇ Download CSV", progress.to_csv(attempts), file_name="virtlab-progress.csv", mime="text/csv")
    right.download_button("⬇ Download JSON", progress.to_json(attempts, [s.id for s in sections]),
                          file_name="virtlab-progress.json", mime="application/json")
    st.dataframe([{"Section": a.section, "Question": a.prompt, "Your answer": a.given, "Right?": "✅" if a.correct else "❌"}
                  for a in attempts.values()], hide_index=True, width="stretch")
else:
    st.info("No answers yet. Try a quiz, for example Quiz 2.1.", icon="❓")
    st.page_link("pages/s21_quiz.py", label="Go to Quiz 2.1", icon="❓")
