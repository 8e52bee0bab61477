"""The shared animation player: first / back / play-pause / next / last, speed and a frame slider.

Frames are data (an engine :class:`Trace`), so every control is an index change and stepping
back is exact. Auto-play uses ``st.fragment(run_every=...)``: while playing, only the player
fragment reruns, not the page. The frame index is kept in the URL query (``<key>-frame``).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import streamlit as st

from engine.core.trace import Frame, Trace
from ui import query
from ui.escape import literal

SPEEDS: dict[str, float] = {"0.5×": 3.0, "1×": 1.5, "2×": 0.75, "4×": 0.4}  # seconds per frame
DEFAULT_SPEED = "1×"


# Each label is an icon and a word; the word is **bold** so that narrow screens (ui/layout.py) can hide it visually and
# keep the buttons in one row, while a screen reader and the tests still read "◀ Back", "Next ▶".
_LABELS = {"first": "⏮", "back": "◀ **Back**", "play": "▶ **Play**", "pause": "⏸ **Pause**", "next": "**Next** ▶",
           "last": "⏭"}
_HELP = {"first": "First frame", "back": "One frame back", "next": "One frame forward", "last": "Last frame"}
# Keys a lecturer can press (or a presenter remote can send) instead of clicking.
_SHORTCUTS = {"first": "Home", "back": "Left", "play": "P", "next": "Right", "last": "End"}


def _state(key: str) -> dict[str, Any]:
    return st.session_state.setdefault(f"player_{key}", {})


def _go(key: str, index: int, last: int) -> None:
    state = _state(key)
    state["frame"] = max(0, min(last, index))
    st.session_state[f"{key}_slider"] = state["frame"] + 1
    if state["frame"] >= last:
        state["playing"] = False


def _toggle(key: str, last: int) -> None:
    state = _state(key)
    if state.get("frame", 0) >= last:  # play from the start after the end
        _go(key, 0, last)
    state["playing"] = not state.get("playing", False)


def _from_slider(key: str) -> None:
    _state(key)["frame"] = st.session_state[f"{key}_slider"] - 1


def _speed(where: Any, key: str) -> None:
    where.select_slider("Speed", list(SPEEDS), key=key, format_func=lambda value: f"{value} speed",
                        label_visibility="collapsed")


TABLE_ROWS = 12  # a frame's table taller than this scrolls inside this many rows' height
TABLE_ROW_PX = 36  # the height of one st.table row at the page's font size (light and dark theme)


def _cell(value: Any) -> Any:
    """A table cell as text that st.table shows as typed: it renders Markdown in cells and headers."""
    return literal(value, limit=2_000, word=200) if isinstance(value, str) else value


def frame_table(data: Any, target: Any = st, max_rows: int = TABLE_ROWS) -> None:
    """A table inside a player's frame (rows as dicts, or a pandas Styler), without its index.

    An HTML table (st.table), not st.dataframe: the data grid draws on a canvas and keeps changing the page for
    ~200 ms after every step in Chromium (click to last change: 250 ms against 40 ms for st.table with the same rows,
    bench/bench_frames.py's method), which alone put a player over twice the empty page's time. st.table renders
    Markdown, so every header and text cell is escaped (ui.escape.literal): a typed ``[x](url)`` or ``#`` shows as
    typed.
    """
    if hasattr(data, "hide") and hasattr(data, "data"):  # a Styler: escape what it displays, keep its styles
        rows = len(data.data)
        data = data.format(_cell).format_index(_cell, axis=1)
    else:
        rows = len(data)
        data = [{_cell(key): _cell(value) for key, value in row.items()} for row in data]
    target.table(data, hide_index=True, height="content" if rows <= max_rows else TABLE_ROW_PX * (max_rows + 1))


def counters_line(counters: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """'traps **3** · emulated **2**' for the counters a page chose to show, in its order."""
    return " · ".join(f"{label} **{counters.get(name, 0)}**" for name, label in labels.items())


def player(trace: Trace[Any], key: str, render: Callable[[Frame[Any]], None],
           counter_labels: Mapping[str, str] | None = None, compact: bool = False, shortcuts: bool = True) -> None:
    """Show ``trace`` with the player controls; ``render`` draws one frame (diagram, tables).

    ``trace.scenario`` must identify the inputs: when it changes, the player restarts at frame 1.
    ``compact`` uses icon-only buttons, for players side by side in narrow columns.
    ``shortcuts`` binds Home/Left/P/Right/End (not in compact mode); give them to one player per page only.
    """
    state = _state(key)
    last = len(trace) - 1
    signature = (trace.scenario, len(trace), trace.seed)
    if state.get("signature") != signature:
        first_load = "signature" not in state
        start = query.read_int(f"{key}-frame", 0, 0, last) if first_load else 0
        state.update(signature=signature, frame=start, playing=False)
        st.session_state[f"{key}_slider"] = start + 1
    speed_key = f"{key}_speed"
    st.session_state.setdefault(speed_key, DEFAULT_SPEED)
    interval = SPEEDS[st.session_state[speed_key]] if state.get("playing") else None

    @st.fragment(run_every=interval)
    def animation() -> None:
        if state.get("playing") and (interval is None or SPEEDS[st.session_state[speed_key]] != interval):
            st.rerun()  # play was pressed or the speed changed: re-register the timer
        if not state.get("playing") and interval is not None:
            st.rerun()  # paused, or reached the end: stop the timer
        now = time.monotonic()
        if interval is not None and now - state.get("shown_at", now) >= 0.8 * interval:
            _go(key, state["frame"] + 1, last)  # a timer tick, not a click: advance one frame
        state["shown_at"] = now
        index = trace.clamp(state["frame"])
        playing = state.get("playing", False)
        labels = _LABELS
        # One keyed row (class st-key-player_controls_[compact_]<key>): ui/layout.py shows icons only in compact mode
        # and on a phone, where it also keeps the buttons in one row.
        with st.container(key=f"player_controls_{'compact_' if compact else ''}{key}"):
            cols = st.columns([1, 1, 1.2, 1, 1] if compact else [1.25, 1.4, 1.5, 1.4, 1.25, 2],
                              vertical_alignment="center")
            buttons = (("first", 0, index == 0), ("back", index - 1, index == 0), ("play", None, last == 0),
                       ("next", index + 1, index == last), ("last", last, index == last))
            for col, (name, target, disabled) in zip(cols, buttons):
                shortcut = _SHORTCUTS[name] if shortcuts and not compact else None  # hints do not fit compact buttons
                if name == "play":
                    col.button(labels["pause" if playing else "play"], key=f"{key}_play", on_click=_toggle,
                               args=(key, last), type="primary", width="stretch", disabled=disabled,
                               help="Pause" if playing else "Play", shortcut=shortcut)
                else:
                    col.button(labels[name], key=f"{key}_{name}", on_click=_go, args=(key, target, last),
                               disabled=disabled, width="stretch", help=_HELP[name], shortcut=shortcut)
            if not compact:
                _speed(cols[5], speed_key)
        # The sliders' labels are for screen readers: the value says "1× speed", the caption under the frame "Frame i/N".
        with st.container(key=f"player_slider_{key}"):  # ui/layout.py trims the room below its track
            slider_col, speed_col = st.columns([2, 1], vertical_alignment="center") if compact else (st, None)
            if last > 0:
                slider_col.slider("Frame", 1, last + 1, key=f"{key}_slider", on_change=_from_slider, args=(key,),
                                  label_visibility="collapsed")
            if speed_col is not None:
                _speed(speed_col, speed_key)
        frame = trace[index]
        st.query_params[f"{key}-frame"] = str(index)
        with st.container(key=f"player_frame_{key}"):  # the simulation itself, for layout checks and styles
            render(frame)
        with st.container(border=True, key=f"{key}_caption"):
            st.markdown(f"**Frame {index + 1}/{last + 1} — {frame.event}.** {frame.explanation}")
            if counter_labels:
                st.caption(counters_line(frame.counters, counter_labels))

    animation()
