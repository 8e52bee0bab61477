"""Page-wide look: larger type for projectors and a consistent page header."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
  /* Readable at the back of a lecture hall: bigger code, roomier tables. */
  .stCodeBlock code, pre code { font-size: 1.05rem !important; line-height: 1.45 !important; }
  [data-testid="stCaptionContainer"] { font-size: 1rem; }
  [data-testid="stMetricValue"] { font-size: 1.8rem; }
  /* Streamlit forces one small font size on all graphviz text; give back the sizes the DOT
     builders chose (graphviz sized every box for them), so diagrams read well on a projector. */
  [data-testid="stGraphVizChart"] svg text { font-size: revert-layer !important; }
</style>
"""


def style() -> None:
    st.markdown(_CSS, unsafe_allow_html=True)


def header(section: str, title: str, lead: str) -> None:
    st.title(title)
    st.caption(f"Lecture section {section}")
    st.markdown(lead)
