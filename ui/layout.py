"""Page-wide look: larger type for projectors and a consistent page header."""

from __future__ import annotations

import streamlit as st

_PLAYER = '[class*="st-key-player_controls_"]'  # ui/player.py's keyed row of buttons
_COMPACT = '[class*="st-key-player_controls_compact_"]'  # ... of a player in a narrow column


def _icon_only(scope: str) -> str:
    """Player buttons that show only their icon; the word (bold in the label) stays for screen readers and tests.
    Play/Pause shows its word instead, so it cannot be taken for Next's ▶."""
    return f"""
    {scope} button strong {{
      position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
    }}
    {scope} button kbd {{ display: none; }}
    {scope} [data-testid="stBaseButton-primary"] p {{ font-size: 0; }}
    {scope} [data-testid="stBaseButton-primary"] strong {{
      position: static; width: auto; height: auto; clip-path: none; font-size: 1rem;
    }}"""


_CSS = f"""
<style>
  /* Readable at the back of a lecture hall: bigger code, roomier tables. */
  .stCodeBlock code, pre code {{ font-size: 1.05rem !important; line-height: 1.45 !important; }}
  [data-testid="stCaptionContainer"] {{ font-size: 1rem; }}
  [data-testid="stMetricValue"] {{ font-size: 1.8rem; }}
  /* Streamlit forces one small font size on all graphviz text; give back the sizes the DOT
     builders chose (graphviz sized every box for them), so diagrams read well on a projector. */
  [data-testid="stGraphVizChart"] svg text {{ font-size: revert-layer !important; }}
  /* The simulation belongs on the first screen of a projector (1280×720 and up): less empty space above the title. */
  /* (Streamlit's header above it is transparent and empty while the sidebar is open.) */
  [data-testid="stMainBlockContainer"] {{ padding-top: 1.5rem; }}
  [data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{ gap: 0.8rem; }}
  [data-testid="stMainBlockContainer"] h1 {{ font-size: 2.3rem; padding-top: 0.25rem; }}
  [data-testid="stTabPanel"] {{ padding-top: 0.6rem; }}
  /* The frame slider keeps the room above its track (the value) but not the room below, which holds nothing. */
  [class*="st-key-player_slider_"] [data-testid="stSlider"] > div > div {{ padding-bottom: 0.3rem; }}
  /* Player buttons: a label's word is bold only so that it can be hidden; where it shows, it reads as usual. */
  {_PLAYER} button strong {{ font-weight: inherit; }}
  {_icon_only(_COMPACT)}
  /* A touch screen has no keyboard: no shortcut hints (←, →, P, Home, End) on the buttons. */
  @media (hover: none) {{
    button kbd[aria-label^="Shortcut"] {{ display: none; }}
  }}
  /* Phones and narrow windows. */
  @media (max-width: 640px) {{
    /* Room for the sidebar button above the title; narrow side margins. */
    [data-testid="stMainBlockContainer"] {{ padding: 3.5rem 0.9rem 4rem 0.9rem; }}
    /* The player's five buttons stay in one row (Streamlit would stack the columns), icons only; speed below. */
    {_PLAYER} [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; gap: 0.4rem; }}
    {_PLAYER} [data-testid="stColumn"] {{ flex: 1 1 0 !important; min-width: 0 !important; width: auto !important; }}
    {_PLAYER} [data-testid="stColumn"]:has([data-testid="stSlider"]) {{ flex-basis: 100% !important; }}
    {_PLAYER} button {{ padding-left: 0; padding-right: 0; min-width: 0; }}
    {_icon_only(_PLAYER)}
    /* Diagrams keep graphviz's own layout and size instead of shrinking to the screen (5–9 px text), one CSS px per
       point (zoom 0.75 of the SVG's pt size, so 13–22 pt labels read 13–22 px), in a framed box that scrolls sideways. */
    [data-testid="stGraphVizChart"] {{
      overflow-x: auto; justify-content: flex-start !important;
      border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
    }}
    [data-testid="stGraphVizChart"] svg {{
      width: revert-layer !important; height: revert-layer !important; max-width: none !important; flex-shrink: 0;
      zoom: 0.75;
    }}
  }}
</style>
"""


def style() -> None:
    st.html(_CSS)  # style only: Streamlit puts it in its event container, where it takes no space above the title


def header(section: str, title: str, lead: str) -> None:
    st.title(title)
    st.markdown(f"Lecture section {section} · {lead}")
