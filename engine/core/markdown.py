"""Markdown as HTML, the one way the app renders it outside Streamlit: LMS exports and frames the browser steps.

markdown-it-py's CommonMark preset with raw HTML switched off: a ``<`` in a question or a typed program is shown as
text, never interpreted. Backslash escapes work as in Streamlit's renderer, so text that ui.escape.literal made safe
for Streamlit is safe here too.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False})


def html(markdown: str) -> str:
    """Block Markdown as HTML (paragraphs, code blocks, lists)."""
    return _MD.render(markdown).strip()


def inline(markdown: str) -> str:
    """One line of Markdown as inline HTML (no surrounding <p>): for options, rows, table cells and captions."""
    return _MD.renderInline(markdown).strip()
