"""Home: what VirtLab is and the chapter outline with where each concept is taught."""

import streamlit as st

from ui import content
from ui.navigation import BY_TITLE

st.title("VirtLab: Virtual Machines")
st.markdown(
    "Interactive lessons for **Chapter 2 of Cloud Systems**. Step through animations of traps, address "
    "translations and scheduling, change the inputs, and test yourself with quizzes tied to each lecture section. "
    "Every animation frame has a link: copy the page address to share exactly what you see. "
    "Keys in the player: **←/→** step, **P** play/pause, **Home/End** first/last frame."
)
left, middle, right = st.columns(3)
left.page_link("pages/progress.py", label="My progress: scores, mastery per concept, your learner key", icon="📊")
middle.page_link("pages/review.py", label="Review: the questions that are due again", icon="🔁")
right.page_link("pages/self_test.py", label="Self-test: a fixed set, graded at the end", icon="📝")

sections = content.sections()
for section in (s for s in sections if s.status == "ready"):
    with st.container(border=True):
        st.header(f"{section.id} {section.title}")
        st.markdown(section.summary)
        for concept in section.concepts:
            spec = BY_TITLE.get(concept.page)
            if spec:
                st.page_link(spec.file, label=f"{concept.name}  →  {spec.title}", icon=spec.icon)
            else:
                st.markdown(f"- {concept.name}")

planned = [s for s in sections if s.status == "planned"]
if planned:
    st.header("Coming next")
    columns = st.columns(2)
    for index, section in enumerate(planned):
        with columns[index % 2].container(border=True):
            st.markdown(f"**{section.id} {section.title}**")
            st.caption(section.summary)
            st.markdown("\n".join(f"- {c.name}" for c in section.concepts))
