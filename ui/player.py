"""The shared animation player: first / back / play-pause / next / last, speed and a frame slider.

Frames are data (an engine :class:`Trace`), so every control is an index change and stepping
back is exact. The frame index is kept in the URL query (``<key>-frame``).

Two ways to play, one look:

* In the browser (``client=True``, when Graphviz's ``dot`` is installed): every frame is drawn once as HTML
  (ui.canvas) and sent with the controls in one ``st.html`` element whose script steps, plays and binds the keys
  itself. A step is an ``innerHTML`` of what changed, with no round trip and no script run: issue 16 measured 57–126 ms
  a step on the server's player against 13 ms for an empty page's button (bench/bench_frames.py).
* On the server (pages whose frames hold Altair charts, or no ``dot``): Streamlit buttons; auto-play uses
  ``st.fragment(run_every=...)``, so while playing only the player fragment reruns, not the page.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import secrets
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable, Mapping

import streamlit as st

from engine.core.markdown import inline
from engine.core.trace import Frame, Trace
from ui import canvas, diagram, query
from viz import theme as chart_theme
from viz import vega
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
    return _literal_cell(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=8192)
def _literal_cell(text: str) -> str:  # a browser player draws every frame's tables at once, and most cells repeat
    return literal(text, limit=2_000, word=200)


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


# The longest trace sent to the browser whole. Longer ones (a typed program that runs thousands of steps) would take
# seconds to draw and megabytes to send before the first frame shows; the server's player draws one frame a step.
BROWSER_FRAMES = 600


def player(trace: Trace[Any], key: str, render: Callable[..., None],
           counter_labels: Mapping[str, str] | None = None, compact: bool = False, shortcuts: bool = True,
           client: bool = False, shared: Hashable | None = None) -> None:
    """Show ``trace`` with the player controls; ``render`` draws one frame (diagram, tables).

    ``trace.scenario`` must identify the inputs: when it changes, the player restarts at frame 1.
    ``compact`` uses icon-only buttons, for players side by side in narrow columns.
    ``shortcuts`` binds Home/Left/P/Right/End (not in compact mode); give them to one player per page only.
    ``client``: ``render(frame, out)`` draws into ``out`` with the calls ui.canvas.Canvas knows, and the browser
    steps (module docstring); without ``dot``, or for a trace longer than BROWSER_FRAMES, it draws into ``st`` on the
    server's player. ``shared``: everything ``render`` reads besides the frame (e.g. the scheduler, the window, the VM
    colours), hashable; then one drawing of the trace serves every session that passes the same.
    """
    if client and diagram.available() and len(trace) <= BROWSER_FRAMES:
        try:
            _browser_player(trace, key, render, counter_labels, compact, shortcuts, shared)
            return
        except LayoutError:  # a frame with a chart more or less than the others: one frame at a time still works
            pass
    _server_player(trace, key, (lambda frame: render(frame, st)) if client else render, counter_labels, compact,
                   shortcuts)


def _server_player(trace: Trace[Any], key: str, render: Callable[[Frame[Any]], None],
                   counter_labels: Mapping[str, str] | None, compact: bool, shortcuts: bool) -> None:
    """The player on the server: Streamlit widgets, one script run of the fragment per step."""
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


# The browser's player: its look (close to Streamlit's buttons and slider, in the page's colours) and its script.
_BROWSER_CSS = """
.vl-player { display: flex; flex-direction: column; gap: 0.8rem; }
.vl-player .vlp-controls { display: flex; gap: 0.5rem; align-items: center; }
.vl-player .vlp-controls > div { flex: 1.3 1 0; min-width: 0; }
.vl-player .vlp-controls > .vlp-speed { flex: 2 1 0; }
.vl-player button { width: 100%; min-height: 2.6rem; padding: 0.25rem 0.5rem; font: inherit; font-size: 1rem;
  color: inherit; background: transparent; border: 1px solid color-mix(in srgb, currentColor 30%, transparent);
  border-radius: 0.5rem; cursor: pointer; white-space: nowrap; }
.vl-player button:hover:not(:disabled) { border-color: #0072B2; color: #0072B2; }
.vl-player button.vlp-primary { background: #0072B2; border-color: #0072B2; color: #FFFFFF; }
.vl-player button.vlp-primary:hover { background: #00578A; color: #FFFFFF; }
.vl-player button.vlp-primary, .vl-player button.vlp-primary * { color: #FFFFFF !important; }
.vl-player button:disabled { opacity: 0.45; cursor: not-allowed; }
.vl-player button:focus-visible, .vl-player select:focus-visible, .vl-player input:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 2px; }
.vl-player button strong { font-weight: inherit; }
.vl-player kbd { margin-left: 0.4rem; padding: 0 0.3rem; font-size: 0.75rem; border-radius: 0.25rem; opacity: 0.75;
  border: 1px solid color-mix(in srgb, currentColor 40%, transparent); font-family: inherit; }
.vl-player select { width: 100%; min-height: 2.6rem; font: inherit; font-size: 1rem; color: inherit;
  background: transparent; border: 1px solid color-mix(in srgb, currentColor 30%, transparent); border-radius: 0.5rem;
  padding: 0 0.5rem; }
.vl-player select option { color: #000000; }
.vl-player input[type=range] { width: 100%; accent-color: #0072B2; margin: 0.2rem 0; }
.vlp-caption { border: 1px solid color-mix(in srgb, currentColor 22%, transparent); border-radius: 0.5rem;
  padding: 0.8rem 1rem; }
.vlp-caption p { margin: 0; }
.vlp-caption .vlp-counters { margin-top: 0.3rem; font-size: 1rem; opacity: 0.8; }
.vl-player.vlp-compact button strong, .vl-player.vlp-compact kbd { position: absolute; width: 1px; height: 1px;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.vl-player.vlp-compact .vlp-play strong { position: static; width: auto; height: auto; clip-path: none; }
.vl-player.vlp-compact .vlp-play .vlp-icon { display: none; }
@media (hover: none) { .vl-player kbd { display: none; } }
@media (max-width: 640px) {
  .vl-player .vlp-controls { flex-wrap: wrap; }
  .vl-player .vlp-controls > .vlp-speed { flex-basis: 100%; }
  .vl-player button strong { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .vl-player .vlp-play strong { position: static; width: auto; height: auto; clip-path: none; }
  .vl-player .vlp-play .vlp-icon { display: none; }
}
"""
_BROWSER_PROJECTOR_CSS = """
.vl-player button, .vl-player select, .vlp-caption { border: 2px solid #000000; }
.vl-player button.vlp-primary { background: #00467A; border-color: #000000; }
.vl-canvas pre { border: 2px solid #000000; }
.vl-canvas th, .vl-canvas td { border: 1.5px solid #000000; }
"""

# Steps, plays and binds keys in the browser. DATA: parts (each distinct HTML piece once), frames (per frame, per
# slot, the numbers of its parts), captions. Slots are the st.html elements that hold a frame's HTML (between them,
# the charts Streamlit draws once, which follow the slider: viz.vega.frames); they and the caption may mount after
# this script runs, so they are looked up on every step, and filled again if Streamlit replaced one. The frame shown
# is kept in the address (history.replaceState, and again if Streamlit rewrites the address) and in sessionStorage
# for this visit (data-visit: new whenever the server picks the start again), so a rerun that redraws the player (a
# theme switch) keeps it; a new scenario, a link with another frame, or a presenter step opened again (it drops the
# page's player state) starts where the server said.
_BROWSER_JS = """(() => {
  const root = document.currentScript.parentElement.querySelector(".vl-player");
  const DATA = /*vlp-data*/__DATA__/*end-vlp-data*/;
  const KEY = root.dataset.key, SID = root.dataset.sid, N = DATA.frames.length, PARAM = KEY + "-frame";
  const SPEEDS = __SPEEDS__, STORE = "vlp:" + KEY + ":" + root.dataset.visit;
  const slider = root.querySelector("input[type=range]"), speed = root.querySelector("select");
  const button = name => root.querySelector('[data-go="' + name + '"]');
  const find = name => document.querySelector('[data-vlp="' + KEY + ":" + SID + ":" + name + '"]');
  const play = button("play"), icon = document.createElement("span"), word = document.createElement("strong");
  icon.className = "vlp-icon";
  play.prepend(icon, word);
  let current = -1, timer = null, retry = null;
  function fill() {
    if (!root.isConnected) return;  /* a player Streamlit replaced: its slots are gone too */
    let missing = false;
    DATA.frames[current].forEach((parts, slot) => {
      const box = find(slot);
      if (!box) { missing = true; return; }
      const shown = box.vlpShown || [];
      while (box.children.length > parts.length) box.lastElementChild.remove();
      parts.forEach((part, place) => {
        if (shown[place] === part && box.children[place]) return;
        let piece = box.children[place];
        if (!piece) { piece = document.createElement("div"); box.appendChild(piece); }
        piece.innerHTML = DATA.parts[part];
      });
      box.vlpShown = parts.slice();
    });
    const caption = find("caption");
    if (caption && caption.vlpShown !== current) { caption.innerHTML = DATA.captions[current]; caption.vlpShown = current; }
    if ((missing || !caption) && !retry) retry = setTimeout(() => { retry = null; fill(); }, 40);
  }
  function show(index) {
    index = Math.max(0, Math.min(N - 1, index | 0));
    if (index === current) return;
    current = index;
    fill();
    if (String(slider.value) !== String(index + 1)) {
      slider.value = index + 1;
      slider.dispatchEvent(new Event("input"));  /* charts bound to the slider follow (viz.vega.frames) */
    }
    slider.setAttribute("aria-valuetext", "Frame " + (index + 1) + " of " + N);
    button("first").disabled = button("back").disabled = index === 0;
    button("next").disabled = button("last").disabled = index === N - 1;
    try { sessionStorage.setItem(STORE, String(index)); } catch (e) {}
    address();
    if (index === N - 1) stop();
  }
  function address() {
    const url = new URL(location.href);
    if (url.searchParams.get(PARAM) !== String(current)) {
      url.searchParams.set(PARAM, String(current));
      history.replaceState(history.state, "", url);
    }
  }
  function label(playing) {
    icon.textContent = playing ? "\\u23f8 " : "\\u25b6 ";
    word.textContent = playing ? "Pause" : "Play";
    play.title = playing ? "Pause" : "Play";
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } label(false); }
  function start() {
    if (current >= N - 1) show(0);
    timer = setInterval(() => show(current + 1), SPEEDS[speed.value] * 1000);
    label(true);
  }
  const actions = {first: () => show(0), back: () => show(current - 1), next: () => show(current + 1),
                   last: () => show(N - 1), play: () => (timer ? stop() : start())};
  root.querySelectorAll("[data-go]").forEach(b => b.addEventListener("click", () => actions[b.dataset.go]()));
  slider.addEventListener("input", () => show(Number(slider.value) - 1));
  speed.addEventListener("change", () => { if (timer) { stop(); start(); } });
  play.disabled = N < 2;
  if (root.dataset.shortcuts === "1") {
    const keys = {Home: "first", ArrowLeft: "back", p: "play", P: "play", ArrowRight: "next", End: "last"};
    window.vlPlayerKeys = window.vlPlayerKeys || {};
    if (window.vlPlayerKeys[KEY]) document.removeEventListener("keydown", window.vlPlayerKeys[KEY]);
    const onKey = event => {
      if (!root.isConnected) { document.removeEventListener("keydown", onKey); return; }
      const target = event.target;
      if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey || !(event.key in keys)) return;
      if (target && target.closest && target.closest("input, textarea, select, [contenteditable], [role=slider]")) return;
      const name = keys[event.key];
      if (name !== "play" && button(name).disabled) return;
      event.preventDefault();
      actions[name]();
    };
    window.vlPlayerKeys[KEY] = onKey;
    document.addEventListener("keydown", onKey);
  }
  const keeper = setInterval(() => { if (!root.isConnected) { clearInterval(keeper); stop(); } else address(); }, 1000);
  let first = Number(root.dataset.start);
  try { const kept = sessionStorage.getItem(STORE); if (kept !== null) first = Number(kept); } catch (e) {}
  label(false);
  show(first);
})();"""

_BUTTON_HTML = {"first": "\u23ee", "back": "\u25c0 <strong>Back</strong>", "next": "<strong>Next</strong> \u25b6",
                "last": "\u23ed"}
_KEY_HINTS = {"first": "Home", "back": "\u2190", "play": "P", "next": "\u2192", "last": "End"}


def _caption_html(index: int, total: int, frame: Frame[Any], counter_labels: Mapping[str, str] | None) -> str:
    text = f"<p><strong>Frame {index + 1}/{total} — {inline(frame.event)}.</strong> {inline(frame.explanation)}</p>"
    if counter_labels:
        text += f'<p class="vlp-counters">{inline(counters_line(frame.counters, counter_labels))}</p>'
    return text


def _shape(blocks: list[canvas.Block]) -> tuple:
    """What a frame's blocks look like without their content: every frame of a trace must look the same."""
    return tuple((b[0], b[1], tuple(map(_shape, b[2]))) if b[0] == "columns" else (b[0],) for b in blocks)


def _walk(blocks: list[canvas.Block], slots: list[list[str]], charts: list[dict]) -> None:
    """Collect a frame's HTML slots and chart specs in the order the page shows them."""
    for block in blocks:
        if block[0] == "html":
            slots.append(block[1])
        elif block[0] == "chart":
            charts.append(block[1])
        else:
            for column in block[2]:
                _walk(column, slots, charts)


class LayoutError(ValueError):
    """A trace whose frames do not all have the same layout of HTML runs and charts (the server's player shows it)."""


class Drawn:
    """A trace drawn for the browser's player: the first frame's layout, the data the script steps through, and one
    chart spec per chart position with every frame's rows (viz.vega.frames)."""

    def __init__(self, trace: Trace[Any], render: Callable[..., None], counter_labels: Mapping[str, str] | None,
                 slider: str) -> None:
        canvases = []
        for frame in trace:
            out = canvas.Canvas()
            render(frame, out)
            canvases.append(out)
        svgs = diagram.svgs([source for out in canvases for source in out.sources()])
        blocks = [out.blocks(svgs) for out in canvases]
        self.layout = blocks[0]
        if any(_shape(b) != _shape(self.layout) for b in blocks[1:]):
            raise LayoutError("every frame of a browser player must have the same layout")
        parts: dict[str, int] = {}
        frames, chart_specs = [], []
        for frame_blocks in blocks:
            slots: list[list[str]] = []
            charts: list[dict] = []
            _walk(frame_blocks, slots, charts)
            frames.append([[parts.setdefault(piece, len(parts)) for piece in slot] for slot in slots])
            chart_specs.append(charts)
        self.charts = [vega.frames([specs[i] for specs in chart_specs], slider)
                       for i in range(len(chart_specs[0]))]
        self.data = {"parts": list(parts), "frames": frames,
                     "captions": [_caption_html(i, len(trace), f, counter_labels) for i, f in enumerate(trace)]}


def _controls(key: str, trace: Trace[Any], drawn: Drawn, compact: bool, shortcuts: bool, start: int,
              sid: str, visit: str) -> str:
    """The player's own element: its style, controls, slider and script."""
    # Streamlit's sanitiser (DOMPurify) drops a script whose text has "<" before a letter, "/" or "!" (its mXSS
    # rule), so every "<" of the frames' HTML travels as \u003c; the script itself has none.
    payload = json.dumps(drawn.data, separators=(",", ":")).replace("<", "\\u003c")
    hints = shortcuts and not compact
    buttons = []
    for name in ("first", "back", "play", "next", "last"):
        inner = "" if name == "play" else _BUTTON_HTML[name]
        hint = f'<kbd aria-label="Shortcut {_SHORTCUTS[name]}">{_KEY_HINTS[name]}</kbd>' if hints else ""
        kind = ' class="vlp-primary"' if name == "play" else ""
        title = "Play" if name == "play" else _HELP[name]
        buttons.append(f'<div class="st-key-{key}_{name} vlp-{name}"><button type="button" data-go="{name}"{kind} '
                       f'title="{title}">{inner}{hint}</button></div>')
    speeds = "".join(f'<option value="{html.escape(label)}"{" selected" if label == DEFAULT_SPEED else ""}>'
                     # compact players share a narrow column: "1×" fits there, the select's label says "Speed"
                     f"{html.escape(label)}{'' if compact else ' speed'}</option>" for label in SPEEDS)
    css = _BROWSER_CSS + canvas.STYLE + (_BROWSER_PROJECTOR_CSS if diagram.page_theme.scheme() == "projector" else "")
    script = _BROWSER_JS.replace("__DATA__", payload).replace("__SPEEDS__", json.dumps(SPEEDS))
    return (f"<style>{' '.join(css.split())}</style>{diagram.style()}"
            f'<div class="vl-player{" vlp-compact" if compact else ""}" data-key="{key}" data-sid="{sid}" '
            f'data-start="{start}" data-visit="{visit}" data-shortcuts="{1 if hints else 0}">'
            f'<div class="vlp-controls st-key-player_controls_{"compact_" if compact else ""}{key}">{"".join(buttons)}'
            f'<div class="vlp-speed"><select aria-label="Speed">{speeds}</select></div></div>'
            f'<div class="st-key-player_slider_{key}"><input type="range" min="1" max="{len(trace)}" value="{start + 1}" '
            f'step="1" aria-label="Frame" id="{key}-frame-input"></div></div>'
            f"<script>{script}</script>")


def _place(blocks: list[canvas.Block], target: Any, key: str, sid: str, counter: list[int], charts: list[dict]) -> None:
    """The first frame's layout as Streamlit elements: an empty st.html slot per run of HTML (the script fills it),
    the charts, and st.columns around blocks that hold a chart."""
    for block in blocks:
        if block[0] == "html":
            slot = counter[0]
            counter[0] += 1
            frame_class = f" st-key-player_frame_{key}" if slot == 0 else ""
            target.html(f'<div class="vl-canvas vlp-frame{frame_class}" data-vlp="{key}:{sid}:{slot}"></div>')
        elif block[0] == "chart":
            target.vega_lite_chart(charts.pop(0), width="stretch")
        else:
            for column, inner in zip(target.columns(list(block[1])), block[2]):
                _place(inner, column, key, sid, counter, charts)


def _content(trace: Trace[Any]) -> str:
    """A digest of what the frames say and of the last frame's state. The frames drawn for the browser are reused
    while the trace is the same, and some engines name a trace by part of its inputs only (a walk by its address, a
    TLB run by its length): another page table or reference string of the same length must not show the old frames.
    ~1 ms for a few hundred frames."""
    said = [(f.event, f.explanation, tuple(f.counters.items())) for f in trace]
    return hashlib.blake2b(repr((said, trace[-1].state)).encode(), digest_size=8).hexdigest()


SHARED_DRAWN = 16  # drawn scenarios kept for every session (player(..., shared=...)), each up to a few MB


@st.cache_resource(show_spinner=False, max_entries=SHARED_DRAWN)
def _shared_drawing(key: str, signature: tuple, shared: Hashable, labels: tuple | None, _trace: Trace[Any],
                    _render: Callable[..., None]) -> Drawn:
    """A drawing for every session that shows the same trace (``signature``) with the same other inputs (``shared``)
    in the same look; the largest scheduling presets take up to a second to draw."""
    return Drawn(_trace, _render, dict(labels) if labels else None, f"#{key}-frame-input")


def _drawn(key: str, signature: tuple, trace: Trace[Any], render: Callable[..., None],
           counter_labels: Mapping[str, str] | None, shared: Hashable | None) -> Drawn:
    """The trace drawn for the browser: per session, or with ``shared`` (what else ``render`` reads) once for all."""
    if shared is None:
        return Drawn(trace, render, counter_labels, f"#{key}-frame-input")
    labels = tuple(counter_labels.items()) if counter_labels else None
    return _shared_drawing(key, signature, shared, labels, trace, render)


KEPT_PLAYERS = 4  # drawn players a session keeps (a page has at most three): a drawn scenario is up to a few MB


def _browser_player(trace: Trace[Any], key: str, render: Callable[..., None],
                    counter_labels: Mapping[str, str] | None, compact: bool, shortcuts: bool,
                    shared: Hashable | None) -> None:
    """The player in the browser: its controls and script in one st.html element, the frames' HTML in empty slots
    the script fills, charts drawn once. All built once per scenario and theme and kept in the session.

    Streamlit leaves an st.html element (and a chart) alone while it does not change, so a rerun of the page for
    another widget costs little here and the browser keeps its frame."""
    state = _state(key)
    signature = (trace.scenario, len(trace), trace.seed, _content(trace), diagram.page_theme.scheme(),
                 chart_theme.current(), compact, shortcuts)  # the chart look: presenter mode's larger text
    kept: OrderedDict[str, tuple] = st.session_state.setdefault("player_browser_drawn", OrderedDict())
    if key not in kept or kept[key][0] != signature:
        if state.get("browser_scenario") != signature[:4]:  # a new scenario starts at frame 1, a link's at its frame
            first_load = "browser_scenario" not in state
            state["browser_start"] = query.read_int(f"{key}-frame", 0, 0, len(trace) - 1) if first_load else 0
            state["browser_scenario"] = signature[:4]
            state["browser_visit"] = secrets.token_hex(6)
        start, visit = state["browser_start"], state["browser_visit"]
        sid = hashlib.blake2b(repr((signature, visit)).encode(), digest_size=6).hexdigest()
        drawn = _drawn(key, signature, trace, render, counter_labels, shared)
        kept[key] = (signature, _controls(key, trace, drawn, compact, shortcuts, start, sid, visit), drawn.layout,
                     drawn.charts, sid)
        while len(kept) > KEPT_PLAYERS:  # the players of pages left behind: drawn again if the learner comes back
            kept.popitem(last=False)
    kept.move_to_end(key)
    _, controls, layout, charts, sid = kept[key]
    st.html(controls, unsafe_allow_javascript=True)
    _place(layout, st, key, sid, [0], list(charts))
    st.html(f'<div class="vlp-caption st-key-{key}_caption" aria-live="polite" data-vlp="{key}:{sid}:caption">'
            "</div>")
