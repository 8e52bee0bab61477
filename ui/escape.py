"""Text that a user typed or a link supplied, made safe to show inside Markdown (st.error, st.info, st.markdown).

The one place that escapes echoed text: every notice and error that quotes an editor's input, a link's value or a
lesson file goes through ``literal``. Streamlit renders those strings as Markdown, so ``[x](https://…)`` would be a
link, ``![x](https://…)`` would load a remote image (the app must work offline), ``<b>`` could be markup, ``$…$``
LaTeX and ``:red[…]`` a colour directive. ``literal`` backslash-escapes the characters that start Markdown, HTML
or math (``\\ ` * _ { } [ ] ( ) # + ! | < > ~ $ & @ ^``, and a ``-``, ``=`` or ``1.`` that starts a line; CommonMark
allows a backslash before any ASCII punctuation), puts an invisible word joiner into ``://``, ``www.``, after ``@``
(autolinks) and between ``:`` and a letter (colour, icon and emoji directives), keeps the rest as typed (so
``'isa=vax'`` or ``line 3: 0.5`` read and search as written), shows control and bidi-override characters as
``\\xNN`` / ``\\u202e``, and cuts the text to a readable length: a run of more than ``word`` characters without a
space (a 5,000-digit number, a 100 kB line) keeps its start and end and says how long it was, and the whole text
keeps ``limit`` characters.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|<>~$&@^])")
# GFM's autolinks (Streamlit's remark-gfm) are found in the text *after* backslash escapes are resolved, so
# "https\://…" still becomes a link: a word joiner (U+2060, invisible) breaks "://", "www." and "@" instead.
# Streamlit's directives (":red[…]", ":material/…:", ":smile:") are found the same way: a joiner after ":" too.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=[a-z/])|(?<=@)")
_JOINER = "\u2060"
_LINE_START = re.compile(r"(?m)^(\s*)([-=]|\d+[.)])")  # a list item, a setext underline
# C0/C1 controls except tab and newline, zero-width and bidi controls, line/paragraph separators.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

WORD = 60  # the longest run without a space shown whole
LIMIT = 400  # the longest text shown whole


def shorten(text: str, limit: int = LIMIT, word: int = WORD) -> str:
    """``text`` with long runs cut to their start plus their length, and the whole cut to ``limit`` characters."""

    def cut(match: re.Match[str]) -> str:
        run = match.group(0)
        return f"{run[:word // 2]}…{run[-5:]} ({len(run):,} characters)"

    text = re.sub(r"\S{%d,}" % (word + 1), cut, text) if len(text) > word else text
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text


def visible(text: str) -> str:
    """Control, zero-width and bidi characters as escapes (``\\x07``, ``\\u202e``); tabs as spaces."""
    return _INVISIBLE.sub(lambda m: repr(m.group(0))[1:-1], text).replace("\t", " ")


def literal(text: object, limit: int = LIMIT, word: int = WORD) -> str:
    """``text`` as Markdown that shows exactly these characters (shortened), with no link, image, HTML or markup.

    Line breaks stay line breaks (a hard break each), so a message of several lines reads as several lines.
    """
    text = visible(shorten(str(text), limit, word))
    text = _MARKUP.sub(r"\\\1", text)
    text = _AUTOLINK.sub(_JOINER, text)
    text = _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return text.replace("\n", "  \n")
