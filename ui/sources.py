"""The collapsed "Sources" footnote under every page: each figure the page shows, its source, how sure it is."""

from __future__ import annotations

import streamlit as st

from engine.core.lessons import LessonError
from engine.core.sources import for_page
from ui import content
from ui.escape import literal


def _md(text: str) -> str:
    """Lesson text as literal Markdown: '$' would otherwise start a formula (prices are full of it)."""
    return text.replace("$", r"\$")


def footnote(title: str) -> None:
    """Render page ``title``'s entries of lessons/sources.toml in a collapsed expander; nothing if it has none.

    A malformed sources file is reported in the footnote and never stops the page above it.
    """
    try:
        entries = for_page(content.sources(), title)
    except LessonError as exc:
        st.warning(f"The sources file needs fixing: {literal(exc, limit=800)}", icon="📝")
        return
    if not entries:
        return
    st.divider()
    with st.expander(f"📚 Sources for this page ({len(entries)})", expanded=False):
        st.markdown("\n".join(
            f"- {_md(s.figure)}. Source: {_md(s.source)}. *{s.sureness_words.capitalize()}.*"
            + (f" {_md(s.note)}" if s.note else "") for s in entries))
