"""Presenter mode: a slim bar above the page that steps a lecturer through the lecture tour (lessons/tour.toml).

Turned on with ``?presenter=1`` or the sidebar toggle; the state is ``st.session_state["presenter"]`` (the chart
theme reads it to enlarge chart text). The step index lives in the address as ``tour=<i>``, so a bookmark reopens
the step. Going to a step switches to its page with its query values, after dropping the widget and player state
that would otherwise win over the address (see :func:`_forget_page_state`).

Keys: the bar's ◀ Prev / Next ▶ buttons carry Streamlit's own shortcuts PageUp / PageDown, which a presenter remote
sends. Shift+← / Shift+→ do the same through two hidden buttons, because ← and → (without Shift) belong to the
animation player on pages that have one (ui/player.py binds Home/Left/P/Right/End); hotkeys only fire for the
exact modifiers, so the two never meet.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from engine.core.lessons import LESSONS_DIR, LessonError
from engine.core.tour import Step, load_tour
from ui import learner
from ui.navigation import BY_TITLE

KEY = "presenter"  # session key (and the sidebar toggle's key); other modules read it
PARAM = "presenter"  # ?presenter=1
STEP_PARAM = "tour"  # ?tour=<0-based step>
TOUR_FILE = LESSONS_DIR / "tour.toml"
_INDEX = "presenter_step"
_GOTO = "presenter_goto"
_NOTICE = "presenter_notice"  # a link notice about ?tour=, shown after the switch to the step's page
_ARRIVALS = "presenter_arrivals"  # counts step switches: each arrival at a step with a section scrolls to it once
# App-wide address values that a step switch keeps (every other value belongs to the page being left).
KEEP = ("learner", "theme")
_SHORTCUTS = {"prev": "PageUp", "next": "PageDown"}
_ALT_SHORTCUTS = {"prev": "Shift+Left", "next": "Shift+Right"}
KEYS_HINT = "Keys: PgDn / PgUp or Shift+→ / Shift+← step the tour; → and ← alone step the animation"

_CSS = """
<style>
  /* Presenter mode: the page starts right under a slim bar, so the first diagram is on the first screen. */
  [data-testid="stMainBlockContainer"] { padding-top: 0.6rem !important; }
  [data-testid="stHeader"] { background: transparent; }
  [data-testid="stElementContainer"]:has([data-testid="stMarkdownContainer"] > style:only-child) { display: none; }  /* style-only Markdown; a diagram (a style and its SVG) stays */
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem !important; padding: 0 !important; }
  /* The page header's "Lecture section" line: the bar already says where the lecture is. */
  [data-testid="stElementContainer"]:has(h1) + [data-testid="stElementContainer"]:has([data-testid="stCaptionContainer"]) {
    display: none; }
  .st-key-presenter_bar {
    position: sticky; top: 0.3rem; z-index: 1000000; background: var(--background-color, #fff);
    border: 1px solid #0072B2; border-radius: 0.5rem; padding: 0.3rem 0.5rem 0.3rem 0.8rem;
    box-shadow: 0 2px 6px rgba(0, 0, 0, 0.12); margin-bottom: -0.4rem;
  }
  .st-key-presenter_bar .st-key-presenter_where { gap: 0.1rem; min-width: 12rem; }
  .st-key-presenter_bar .st-key-presenter_where [data-testid="stMarkdownContainer"] p { font-size: 1.05rem; }
  .st-key-presenter_bar [data-testid="stCaptionContainer"] { font-size: 0.8rem; line-height: 1.3; }
  .st-key-presenter_keys { display: none; }
  /* the bar's own box is as tall as the bar: its wrapper, a child of the page's block, is what can stick */
  [data-testid="stLayoutWrapper"]:has(> .st-key-presenter_bar) { position: sticky; top: 0.3rem; z-index: 1000000;
    box-shadow: 0 -0.5rem 0 0 var(--background-color, #fff); }  /* the page does not show through above the bar */
  /* a step's section lands under the sticky bar, not behind it */
  [data-testid="stHeading"] :is(h1, h2, h3) { scroll-margin-top: 5.5rem; }
  details.presenter-qr summary { list-style: none; cursor: zoom-in; }
  details.presenter-qr summary::-webkit-details-marker { display: none; }
  details.presenter-qr summary svg { width: 3.3rem; height: 3.3rem; display: block; }
  details.presenter-qr[open] summary { cursor: zoom-out; }
  details.presenter-qr .presenter-qr-large {
    position: fixed; top: 4.5rem; right: 2rem; z-index: 1000001; background: #fff; padding: 1rem;
    border: 1px solid #0072B2; border-radius: 0.5rem; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.25); text-align: center;
    color: #1A1A1A;
  }
  details.presenter-qr .presenter-qr-large svg { width: min(70vh, 30rem); height: min(70vh, 30rem); display: block; }
  details.presenter-qr .presenter-qr-url { font-size: 0.85rem; max-width: min(70vh, 30rem); word-break: break-all; }
  details.presenter-qr .presenter-qr-warn { font-size: 0.85rem; max-width: min(70vh, 30rem); color: #D55E00; }
</style>
"""


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(path: str, stamp: int) -> tuple[Step, ...] | LessonError:
    """The tour of ``path``, read again whenever the file changes (``stamp`` is its modification time)."""
    try:
        return load_tour(Path(path), BY_TITLE)
    except LessonError as exc:
        return exc


def steps() -> tuple[Step, ...] | LessonError:
    try:
        stamp = TOUR_FILE.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load(str(TOUR_FILE), stamp)


def base_url() -> str:
    """Where phones reach this app: VIRTLAB_PUBLIC_URL if set, else the address the lecturer's browser uses."""
    configured = os.environ.get("VIRTLAB_PUBLIC_URL", "").strip().rstrip("/")
    if configured:
        return configured
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"


def step_url(base: str, step: Step) -> str:
    """The step's page with its scenario and frame, for a student: no presenter mode, no learner key."""
    query = urlencode(step.query())
    return f"{base.rstrip('/')}/{BY_TITLE[step.page].url_path}" + (f"?{query}" if query else "")


def qr_svg(url: str) -> str:
    """The URL as a QR code, an inline SVG drawn by segno (no network); scaled by CSS."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, border=2, omitsize=True, dark="#000000",
                                                              light="#ffffff")


def _forget_page_state(names: set[str]) -> None:
    """Drop state that would win over the step's address: query-bound selections (``q_<name>``), every player's
    frame and slider, and widgets keyed after a query name (``ept_n`` for ``ept-n``, ``variance_seed`` for ``seed``).
    A page shown again then reads its scenario and frame from the address, as a bookmark does."""
    underscored = {n.replace("-", "_") for n in names}
    for key in list(st.session_state):
        if not isinstance(key, str) or key in (KEY, _INDEX, _GOTO, _NOTICE) or key.startswith(("learner_", "presenter")):
            continue
        if key.startswith(("q_", "player_")):
            if key.startswith("player_"):
                st.session_state.pop(f"{key.removeprefix('player_')}_slider", None)
            del st.session_state[key]
        elif key in underscored or any(key.endswith(f"_{n}") for n in underscored):
            del st.session_state[key]


def _go(tour: tuple[Step, ...], index: int) -> None:
    """Open step ``index``: its page, its query values, presenter mode and the step in the address."""
    step = tour[index]
    shown = st.session_state.get(_INDEX)
    current = tour[shown].query() if shown is not None and 0 <= shown < len(tour) else {}
    _forget_page_state(set(step.query()) | set(current))
    st.session_state[_INDEX] = index
    st.session_state[_ARRIVALS] = st.session_state.get(_ARRIVALS, 0) + 1
    params = {PARAM: "1", STEP_PARAM: str(index), **step.query()}
    params.update({name: st.query_params[name] for name in KEEP if name in st.query_params})
    if learner.key():
        params[learner.PARAM] = learner.key()
    st.switch_page(BY_TITLE[step.page].file, query_params=params)


def _request(index: int) -> None:
    st.session_state[_GOTO] = index


def _toggled() -> None:
    if st.session_state.get(KEY):
        st.query_params[PARAM] = "1"
    else:
        st.query_params.pop(PARAM, None)
        st.query_params.pop(STEP_PARAM, None)
        st.session_state.pop(_INDEX, None)


def _read_index(count: int) -> int:
    raw = st.query_params.get(STEP_PARAM)
    if raw is None:
        return 0
    try:
        index = int(raw)
    except ValueError:
        index = -1
    if not 0 <= index < count:
        st.session_state[_NOTICE] = (f"Link notice: '{STEP_PARAM}={raw[:20]}' is not a step of the tour (its steps are "
                                     f"0–{count - 1}); starting at the first step.")
        return 0
    return index


def on() -> bool:
    return bool(st.session_state.get(KEY))


def bar(page) -> None:
    """Presenter mode's switch (sidebar) and, when it is on, the bar; call after st.navigation, before page.run()."""
    wanted = st.query_params.get(PARAM)
    if wanted is not None:
        st.session_state[KEY] = wanted in ("1", "true", "on", "yes")
    st.sidebar.toggle("Presenter mode", key=KEY, on_change=_toggled,
                      help="A slim bar that steps through the lecture tour (lessons/tour.toml); "
                           "PageDown / PageUp from a presenter remote step it.")
    if not on():
        return
    st.set_page_config(initial_sidebar_state="collapsed")
    tour = steps()
    if isinstance(tour, LessonError):
        st.error(f"The lecture tour needs fixing: {tour}", icon="📝")
        return
    goto = st.session_state.pop(_GOTO, None)
    if goto is not None and 0 <= goto < len(tour):
        _go(tour, goto)
    if st.session_state.get(_INDEX) is None or not 0 <= st.session_state[_INDEX] < len(tour):
        index = _read_index(len(tour))  # a fresh session: the bookmark's step
        st.session_state[_INDEX] = index
        if page.title != tour[index].page and STEP_PARAM in st.query_params:
            _go(tour, index)  # e.g. /?presenter=1&tour=0 opens the first step's page
    index = st.session_state[_INDEX]
    st.query_params[PARAM] = "1"
    st.query_params[STEP_PARAM] = str(index)
    _draw(tour, index, page.title)


def _qr_html(url: str) -> str:
    """A small QR code that enlarges on a click (an HTML <details>, no script), with the link under the large one."""
    svg = qr_svg(url)
    host = urlsplit(url).hostname or ""
    warn = ("" if host not in ("localhost", "127.0.0.1", "::1") else
            '<div class="presenter-qr-warn">Phones cannot reach this machine as '
            f"{html.escape(host)}: start the app with VIRTLAB_PUBLIC_URL=http://&lt;this machine's address&gt;:8501</div>")
    return (f'<details class="presenter-qr"><summary title="This step on a phone: click to enlarge">{svg}</summary>'
            f'<div class="presenter-qr-large">{svg}<div class="presenter-qr-url">{html.escape(url)}</div>{warn}</div>'
            "</details>")


# Scrolls the step's section (a heading of the page, by its text) to the top of the page once per arrival: it waits
# for the page's run to draw the heading, follows it while diagrams and charts above it still change their height,
# and lets go at the lecturer's first scroll, key or touch, or after 4 s.
_LAND = """<script>
(() => {
  const target = %(target)s, arrival = %(arrival)s;
  if (window.virtlabLanded === arrival) return;
  window.virtlabLanded = arrival;
  const started = Date.now();
  let found = 0, stop = false;
  const quit = () => { stop = true; };
  for (const kind of ["wheel", "touchstart", "keydown", "mousedown"]) window.addEventListener(kind, quit, {once: true, capture: true});
  const heading = () => [...document.querySelectorAll('[data-testid="stHeading"] :is(h1, h2, h3)')]
    .find(h => h.textContent.trim() === target);
  const land = () => {
    if (stop || window.virtlabLanded !== arrival) return;
    const h = heading();
    if (h) {
      found = found || Date.now();
      const top = h.getBoundingClientRect().top;
      if (Math.abs(top - parseFloat(getComputedStyle(h).scrollMarginTop)) > 4) h.scrollIntoView({block: "start"});
      if (Date.now() - found > 4000) return;
    } else if (Date.now() - started > 20000) return;
    setTimeout(land, 150);
  };
  land();
})();
</script>"""


def _land(step: Step, index: int) -> None:
    """Scroll to the step's section when the step opens (the script runs in the page; the text is JSON, '<' escaped)."""
    arrival = f"{index}-{st.session_state.get(_ARRIVALS, 0)}"
    st.html(_LAND % {"target": json.dumps(step.section).replace("<", "\\u003c"),
                     "arrival": json.dumps(arrival)}, unsafe_allow_javascript=True)


def _draw(tour: tuple[Step, ...], index: int, page_title: str) -> None:
    step, last = tour[index], len(tour) - 1
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.info(notice, icon="🔗")
    st.html(_CSS)
    if step.section and page_title == step.page:
        _land(step, index)
    with st.container(key="presenter_bar", horizontal=True, vertical_alignment="center", gap="small"):
        with st.container(key="presenter_where", width="stretch"):
            st.markdown(f"**Step {index + 1}/{len(tour)}: {step.title}**")
            following = f"Next: {tour[index + 1].title}" if index < last else "Next: end of the tour"
            st.caption(f"{following}  \n{KEYS_HINT}")
        if page_title != step.page:
            st.button(f"↩ Back to step {index + 1}", key="presenter_back", on_click=_request, args=(index,),
                      help=f"This step is on the page '{step.page}'.")
        with st.popover("📝 Note", help="What to say or ask at this step (lessons/tour.toml)"):
            st.markdown(step.note)
        st.button("◀ Prev", key="presenter_prev", on_click=_request, args=(index - 1,), disabled=index == 0,
                  shortcut=_SHORTCUTS["prev"], help="Previous step of the tour (PageUp, or Shift+←)")
        st.button("Next ▶", key="presenter_next", on_click=_request, args=(index + 1,), disabled=index == last,
                  type="primary", shortcut=_SHORTCUTS["next"], help="Next step of the tour (PageDown, or Shift+→)")
        st.markdown(_qr_html(step_url(base_url(), step)), unsafe_allow_html=True, width="content")
    with st.container(key="presenter_keys"):  # hidden: the Shift+arrow shortcuts
        st.button("Previous step", key="presenter_prev_alt", on_click=_request, args=(index - 1,),
                  disabled=index == 0, shortcut=_ALT_SHORTCUTS["prev"])
        st.button("Next step", key="presenter_next_alt", on_click=_request, args=(index + 1,),
                  disabled=index == last, shortcut=_ALT_SHORTCUTS["next"])


__all__ = ["KEY", "KEYS_HINT", "PARAM", "STEP_PARAM", "bar", "on", "qr_svg", "step_url", "steps"]
