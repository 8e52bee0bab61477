"""Sections still to come: the outline of what is planned, so the chapter's shape is visible."""

import streamlit as st

from ui import content

st.title("Sections still to come")
st.info("These sections are being built. Here is what they will teach, in lecture order.", icon="🗺️")
for section in content.sections():
    if section.status == "planned":
        st.subheader(f"{section.id} {section.title}")
        st.markdown(section.summary)
        st.markdown("\n".join(f"- {c.name}" for c in section.concepts))
