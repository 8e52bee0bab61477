"""Widgets whose value lives in the URL query, so a lecturer can bookmark an exact state.

A malformed or unknown value in a shared link never raises: the widget falls back to its
default and the page shows a visible notice saying what was ignored.
"""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from ui.escape import literal


def _notice(message: str) -> None:
    """A notice about a link's value; the message quotes the address bar, so it is shown as text, never Markdown."""
    st.info(f"Link notice: {literal(message, limit=600)}", icon="🔗")


def read_int(name: str, default: int, low: int, high: int) -> int:
    """An integer query value in [low, high]; otherwise the default, with a notice."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        _notice(f"'{name}={raw}' is not a whole number; using {default}.")
        return default
    if not low <= value <= high:
        _notice(f"'{name}={raw}' is outside {low}–{high}; using {default}.")
        return default
    return value


def select(label: str, options: Mapping[str, str], name: str, default: str | None = None, **kwargs) -> str:
    """A selectbox over ``options`` (id -> label) kept in the query under ``name``."""
    ids = list(options)
    default = default if default in options else ids[0]
    widget_key = f"q_{name}"
    if widget_key not in st.session_state:
        raw = st.query_params.get(name)
        if raw is not None and raw not in options:
            _notice(f"'{name}={raw}' is not one of {', '.join(ids)}; showing '{options[default]}'.")
            raw = None
        st.session_state[widget_key] = raw or default

    def sync() -> None:
        st.query_params[name] = st.session_state[widget_key]

    choice = st.selectbox(label, ids, format_func=options.__getitem__, key=widget_key, on_change=sync, **kwargs)
    st.query_params[name] = choice
    return choice


def read_text(name: str, default: str, max_chars: int = 4000) -> str:
    """A free-text query value (an editor's starting text from a shared link), at most ``max_chars`` long.

    Generated quiz questions link to their simulator with the scenario as text; a value that is too long is
    ignored with a notice. The text is only ever parsed by the page's own reader, never rendered as Markdown.
    """
    raw = st.query_params.get(name)
    if raw is None:
        return default
    if len(raw) > max_chars:
        _notice(f"the '{name}' value is {len(raw):,} characters long, more than {max_chars:,}; using the default.")
        return default
    return raw
