"""Editable lesson inputs that never break the page: a mistake is shown, the last good input stays.

Students type programs, plans and scenarios; a typo must give a clear message and leave the
pictures as they were, not a traceback or an empty page.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import streamlit as st

T = TypeVar("T")


def parsed(text: str, parse: Callable[[str], T], good_key: str, fallback: str, what: str = "input") -> T:
    """``parse(text)``; on a ValueError show it and return the parse of the last text that worked (or ``fallback``)."""
    try:
        value = parse(text)
    except ValueError as exc:
        st.error(f"{exc}. Showing the last {what} that worked.", icon="✋")
        return parse(st.session_state.get(good_key, fallback))
    st.session_state[good_key] = text
    return value
