"""The floor for bench/bench_frames.py: a Streamlit page with one button and one line of text, nothing else.

A player step cannot paint faster than Streamlit itself takes for one click: a websocket round trip, a script run
and React updating one element.
"""

import streamlit as st

st.session_state.setdefault("frame", 1)


def _next() -> None:
    st.session_state.frame += 1


st.button("Next ▶", key="floor_next", on_click=_next)
with st.container(key="floor_caption"):
    st.markdown(f"**Frame {st.session_state.frame}**")
