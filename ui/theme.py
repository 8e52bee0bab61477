"""The page's colour theme: light (Streamlit's own, as configured), dark, and a high-contrast projector theme.

A compact control in the sidebar switches it; the choice is kept in ``st.session_state["theme"]`` and in the address
(``?theme=dark``, written on every run so every page keeps it; the default, light, is left out). Streamlit 1.67
cannot change its theme from Python at run time, so dark and projector are CSS laid over the light theme: page,
sidebar, text, widgets, tables, code, alerts. Altair charts get the matching chart theme (viz/theme.py: black and
thicker on the projector) and, in presenter mode (``st.session_state["presenter"]``, set by ui/presenter.py), larger
chart text. In dark, charts and graphviz diagrams keep their colours on a white card: their builders draw black marks
and black labels inside coloured bars that would vanish on a dark ground.

Contrast of body text against its background: light #2F2D2B on white 13.9:1, dark #FAFAFA on #0E1117 18.8:1,
muted dark text #C4C8D2 on #0E1117 11.6:1, projector black on white 21:1 (greys for text are not used there).
st.dataframe draws on a canvas that CSS cannot recolour: in dark it is inverted (light text on dark, hues kept by a
half-turn of hue), which keeps it readable.
"""

from __future__ import annotations

import streamlit as st

from ui.escape import literal
from viz import theme as chart_theme

KEY = "theme"  # session key of the sidebar control, and the query parameter that keeps it
SCHEMES = ("light", "dark", "projector")
CHART_SCHEME = {"light": "light", "dark": "light", "projector": "projector"}  # dark: charts on a white card
DEFAULT = "light"
LABELS = {"light": "Light", "dark": "Dark", "projector": "Projector"}
PRESENTER = "presenter"  # session key of presenter mode (ui/presenter.py owns it)

# Vega draws charts as SVG (viz/theme.py asks for it); its axis, legend and title text can be recoloured here, so a
# chart whose spec a page cached under another theme still reads (sizes come from the spec).
_CHART = """
  [data-testid="stVegaLiteChart"] g.role-axis-label text, [data-testid="stVegaLiteChart"] g.role-axis-title text,
  [data-testid="stVegaLiteChart"] g.role-legend-label text, [data-testid="stVegaLiteChart"] g.role-legend-title text,
  [data-testid="stVegaLiteChart"] g.role-title-text text, [data-testid="stVegaLiteChart"] g.role-header-label text,
  [data-testid="stVegaLiteChart"] g.role-header-title text { fill: %(text)s !important; }
  [data-testid="stVegaLiteChart"] g.role-axis-domain line, [data-testid="stVegaLiteChart"] g.role-axis-tick line
    { stroke: %(domain)s !important; }
  [data-testid="stVegaLiteChart"] g.role-axis-grid line { stroke: %(grid)s !important; }
"""

# Every theme: a page's sections are h2 under its h1 title (st.header, never st.subheader's h3: a skipped heading level
# breaks a screen reader's outline of the page) drawn at the size st.subheader had (1.75rem), so a section heading stays
# smaller than the title and the first screen keeps its room; an h3 that titles a column (one of two players side by
# side) is smaller still. Captions, quotes and the keys shown on buttons are not faded with opacity (Streamlit's 0.6
# gives 3.9:1 on white, 2.9:1 on a blue button), and the chosen segment of a segmented control is white on blue (5.2:1)
# rather than blue on pale blue (4.3:1).
_BASE = """
  .stApp [data-testid="stHeading"] h2 { font-size: 1.75rem; padding: 0.75rem 0 1rem; letter-spacing: -0.005em; }
  .stApp [data-testid="stColumn"] [data-testid="stMarkdownContainer"] h3 { font-size: 1.25rem; padding: 0.5rem 0 0.25rem; }
  .stApp [data-testid="stCaptionContainer"] { opacity: 1 !important; color: %(muted)s !important; }
  .stApp button kbd, .stApp blockquote { opacity: 1 !important; }
  .stApp [data-testid="stCaptionContainer"] p { color: %(muted)s !important; }
  .stApp button[data-variant="segmented_control"][aria-checked="true"],
  .stApp button[data-variant="segmented_control"][aria-checked="true"] p
    { background-color: #0072B2 !important; color: #FFFFFF !important; border-color: #0072B2 !important; }
"""

_LIGHT = {"muted": "#55575F"}  # 7.3:1 on white
DARK = {"bg": "#0E1117", "panel": "#1A1D26", "raised": "#262A35", "text": "#FAFAFA", "muted": "#C4C8D2",
        "border": "#6A7080", "link": "#8CCBF2", "code": "#9FE0C0", "accent": "#56B4E9", "hover": "#34495E"}

_DARK = """
  :root, .stApp { --background-color: %(bg)s; --text-color: %(text)s; color-scheme: dark; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stHeader"],
  [data-testid="stBottomBlockContainer"] { background-color: %(bg)s !important; color: %(text)s; }
  .stApp, .stApp p, .stApp li, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp h5, .stApp h6,
  .stApp strong, .stApp em, .stApp summary, .stApp th, .stApp td, .stApp dt, .stApp dd,
  .stApp [data-testid="stMarkdownContainer"], .stApp [data-testid="stText"], .stApp [data-testid="stMetricValue"],
  .stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricDelta"] div { color: %(text)s !important; }
  .stApp a:not([data-testid="stSidebarNavLink"]), .stApp a:not([data-testid="stSidebarNavLink"]) *
    { color: %(link)s !important; }
  [data-testid="stSidebar"], [data-testid="stSidebarContent"], [data-testid="stSidebarHeader"]
    { background-color: %(panel)s !important; }
  .stApp [data-testid="stSidebarNavLink"]:hover, .stApp [data-testid="stSidebarNavLink"][aria-current="page"]
    { background-color: %(raised)s !important; }
  .stApp [data-testid="stSidebarNavSeparator"], .stApp hr { border-color: %(border)s !important; }
  .stApp [data-testid="stIconMaterial"] { color: %(text)s !important; }
  .stApp [data-testid="stMetricDelta"], .stApp [data-testid="stMetricDelta"] * { background-color: %(raised)s !important; }
  /* widgets (Streamlit 1.67 draws them with react-aria): select boxes, text, numbers, buttons, segments */
  .stApp .react-aria-ComboBox [role="group"], .stApp [data-testid="stNumberInputContainer"],
  .stApp [data-testid="stTextAreaRootElement"], .stApp [data-testid="stTextInputRootElement"], .stApp input,
  .stApp textarea, .stApp [data-testid="stMultiSelect"] [role="group"], .stApp [data-testid="stDateInput"] [role="group"]
    { background-color: %(raised)s !important; color: %(text)s !important; border-color: %(border)s !important; }
  .stApp input::placeholder, .stApp textarea::placeholder { color: %(muted)s !important; opacity: 1; }
  .stApp .react-aria-ComboBox button, .stApp [data-testid^="stNumberInputStep"]
    { background-color: %(raised)s !important; color: %(text)s !important; }
  .stApp button[kind^="secondary"], .stApp button[kind="tertiary"], .stApp button[data-variant="segmented_control"],
  .stApp button[data-variant="pills"], .stApp [data-testid="stPopover"] button, .stApp [data-testid="stDownloadButton"] button
    { background-color: %(raised)s !important; color: %(text)s !important; border-color: %(border)s !important; }
  .stApp button:disabled, .stApp button:disabled * { color: #9A9FAB !important; }
  .stApp button[kind^="primary"], .stApp button[kind^="primary"] * { color: #FFFFFF !important; }
  .stApp kbd { background-color: %(panel)s !important; color: %(muted)s !important; border-color: %(border)s !important; }
  [data-testid="stSelectboxVirtualDropdown"], [data-testid="stSelectboxVirtualDropdown"] *, [role="listbox"],
  [data-testid="stTooltipContent"], [data-testid="stPopoverBody"], div[role="dialog"], div[role="dialog"] *
    { background-color: %(raised)s; color: %(text)s !important; }
  [data-testid="stSelectboxVirtualDropdown"] [data-focused="true"], [role="option"]:hover { background-color: %(hover)s !important; }
  .stApp [data-testid="stRadioOption"] > div > div:first-child, .stApp [data-testid="stCheckbox"] label > div:first-of-type
    { border-color: %(muted)s !important; }
  .stApp [data-testid="stExpander"] details, .stApp [data-testid="stTable"] table, .stApp [data-testid="stTable"] th,
  .stApp [data-testid="stTable"] td, .stApp [role="tablist"], .stApp [data-testid="stVerticalBlock"]
    { border-color: %(border)s !important; }
  .stApp [data-testid="stTooltipIcon"] svg { color: %(muted)s !important; }
  .stApp [data-testid="stCheckbox"]:has(input[role="switch"]:not(:checked)) label > div:first-of-type
    { background-color: %(border)s !important; }
  .stApp [data-testid="stExpander"] details, .stApp [data-testid="stExpander"] summary { background-color: %(bg)s !important; }
  .stApp [data-testid="stTable"] thead th, .stApp [data-testid="stTable"] thead tr { background-color: %(panel)s !important; }
  .stApp [data-testid="stExpander"] summary:hover, .stApp [data-testid="stExpander"] summary:hover * { color: %(link)s !important; }
  .stApp [data-testid="stTab"][aria-selected="true"] p { color: %(link)s !important; }
  /* code blocks and inline code */
  .stApp [data-testid="stCode"] pre, .stApp pre, .stApp code { background-color: %(panel)s !important; }
  .stApp [data-testid="stCode"] code, .stApp [data-testid="stCode"] code span { color: %(text)s !important; }
  .stApp [data-testid="stCode"] .token.comment { color: %(muted)s !important; }
  .stApp [data-testid="stCode"] .token.keyword, .stApp [data-testid="stCode"] .token.builtin { color: #8CCBF2 !important; }
  .stApp [data-testid="stCode"] .token.number, .stApp [data-testid="stCode"] .token.string { color: #F0C674 !important; }
  .stApp :not(pre) > code { color: %(code)s !important; }
  /* alerts: the page's text on a dark panel; their kind shows as an Okabe–Ito bar on the left (and in their icon) */
  .stApp [data-testid="stAlertContainer"] { background-color: %(panel)s !important; box-shadow: inset 0.3rem 0 0 %(accent)s; }
  .stApp [data-testid="stAlertContainer"] * { color: %(text)s !important; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentSuccess"]) { box-shadow: inset 0.3rem 0 0 #009E73; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentWarning"]) { box-shadow: inset 0.3rem 0 0 #E69F00; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentError"]) { box-shadow: inset 0.3rem 0 0 #D55E00; }
  /* st.dataframe is a canvas: inverted, its cells read light on dark; half a turn of hue keeps its colours' hues */
  .stApp [data-testid="stDataFrame"] { filter: invert(0.92) hue-rotate(180deg); }
  /* graphviz diagrams and Altair charts keep their colours (black marks, black labels in coloured bars) on a white card */
  .stApp [data-testid="stGraphVizChart"] { background-color: #FFFFFF; border-radius: 0.5rem; padding: 0.4rem; }
  .stApp [data-testid="stVegaLiteChart"] { background-color: #FFFFFF; border-radius: 0.3rem;
    box-shadow: 0 0 0 0.45rem #FFFFFF; }  /* a margin of white outside the chart: padding would narrow what Vega fills */
  .stApp [data-testid="stGraphVizChart"] svg { background-color: #FFFFFF; }
  /* HTML a page writes itself (badges, QR codes) keeps a light card of its own */
  .stApp [data-testid="stMarkdownContainer"] svg { background-color: #FFFFFF; }
"""

_PROJECTOR = """
  html { font-size: 21px !important; }
  :root, .stApp { --background-color: #FFFFFF; --text-color: #000000; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stHeader"]
    { background-color: #FFFFFF !important; color: #000000; }
  .stApp, .stApp p, .stApp li, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp h5, .stApp h6,
  .stApp strong, .stApp em, .stApp summary, .stApp th, .stApp td,
  .stApp [data-testid="stMarkdownContainer"], .stApp [data-testid="stText"], .stApp [data-testid="stMetricValue"],
  .stApp [data-testid="stMetricLabel"], .stApp [data-testid="stCode"] code, .stApp [data-testid="stCode"] code span,
  .stApp [data-testid="stAlertContainer"] *, .stApp input, .stApp textarea
    { color: #000000 !important; opacity: 1 !important; }
  /* white on Okabe–Ito blue is 5.2:1; on a darker blue 9.6:1, and the chosen segment is white on black */
  .stApp button[kind^="primary"] { background-color: #00467A !important; border: 2px solid #000000 !important; }
  .stApp button[kind^="primary"], .stApp button[kind^="primary"] * { color: #FFFFFF !important; }
  .stApp button[data-variant="segmented_control"][aria-checked="true"],
  .stApp button[data-variant="segmented_control"][aria-checked="true"] p
    { background-color: #000000 !important; color: #FFFFFF !important; }
  .stApp button:disabled, .stApp button:disabled * { color: #555555 !important; }
  .stApp a:not([data-testid="stSidebarNavLink"]), .stApp a:not([data-testid="stSidebarNavLink"]) *
    { color: #00467A !important; text-decoration: underline; }
  [data-testid="stSidebar"], [data-testid="stSidebarContent"], [data-testid="stSidebarHeader"]
    { background-color: #FFFFFF !important; }
  [data-testid="stSidebar"] { border-right: 2px solid #000000; }
  .stApp [data-testid="stSidebarNavLink"][aria-current="page"] { background-color: #DDEEFF !important;
    outline: 2px solid #000000; }
  .stApp .react-aria-ComboBox [role="group"], .stApp [data-testid="stNumberInputContainer"],
  .stApp [data-testid="stTextAreaRootElement"], .stApp [data-testid="stTextInputRootElement"],
  .stApp button[kind^="secondary"], .stApp button[data-variant="segmented_control"], .stApp button[data-variant="pills"],
  .stApp [data-testid="stExpander"] details, .stApp [data-testid="stTable"] table,
  .stApp [data-testid="stDataFrame"], .stApp [data-testid="stAlertContainer"], .stApp [data-testid="stCode"] pre
    { border: 2px solid #000000 !important; }
  /* bordered containers (cards): black and 2 px; blocks without a border stay without one (their style is none) */
  .stApp [data-testid="stVerticalBlock"] { border-color: #000000 !important; border-width: 2px !important; }
  .stApp [data-testid="stTooltipIcon"] svg { color: #000000 !important; }
  .stApp [data-testid="stTable"] th, .stApp [data-testid="stTable"] td { border: 1.5px solid #000000 !important; }
  .stApp [data-testid="stRadioOption"] > div > div:first-child, .stApp [data-testid="stCheckbox"] label > div:first-of-type
    { border: 2px solid #000000 !important; }
  .stApp [data-testid="stAlertContainer"] { background-color: #FFFFFF !important; border-left: 0.45rem solid #0072B2 !important; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentSuccess"]) { border-left-color: #009E73 !important; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentWarning"]) { border-left-color: #E69F00 !important; }
  .stApp [data-testid="stAlertContainer"]:has([data-testid="stAlertContentError"]) { border-left-color: #D55E00 !important; }
  .stApp [data-testid="stCode"] pre, .stApp pre, .stApp code { background-color: #FFFFFF !important; }
  .stApp [data-testid="stCode"] .token.comment { font-style: italic; }
  .stApp :not(pre) > code { color: #000000 !important; background-color: #EEEEEE !important; }
  .stApp [data-testid="stMultiSelectTagsContainer"] [data-tag] { background-color: #00467A !important; }
  .stApp hr, .stApp [data-testid="stSidebarNavSeparator"] { border-color: #000000 !important; border-width: 2px; }
  .stApp kbd { color: #000000 !important; border-color: #000000 !important; }
  .stApp .stMarkdownBadge { color: #000000 !important; border: 1.5px solid #000000; }
  .stApp [data-testid="stFileUploaderDropzoneInstructions"] * { color: #000000 !important; }
  /* diagrams: graphviz lines drawn at the default width (1 px) twice as thick; the highlighted ones keep theirs */
  .stApp [data-testid="stGraphVizChart"] g.edge path:not([stroke-width]),
  .stApp [data-testid="stGraphVizChart"] g.edge polygon:not([stroke-width]),
  .stApp [data-testid="stGraphVizChart"] g.node polygon:not([stroke-width]),
  .stApp [data-testid="stGraphVizChart"] g.node ellipse:not([stroke-width]),
  .stApp [data-testid="stGraphVizChart"] g.node path:not([stroke-width]),
  .stApp [data-testid="stGraphVizChart"] g.cluster polygon:not([stroke-width]) { stroke-width: 2px; }
"""


def _css(scheme: str) -> str:
    ink = chart_theme.INKS[CHART_SCHEME[scheme]]
    chart = _CHART % {"text": ink.text, "domain": ink.domain, "grid": ink.grid}
    muted = {"light": _LIGHT["muted"], "dark": DARK["muted"], "projector": "#000000"}[scheme]
    page = {"light": "", "dark": _DARK % DARK, "projector": _PROJECTOR}[scheme]
    return "<style>" + _BASE % {"muted": muted} + page + chart + "</style>"


def scheme() -> str:
    """The theme this session shows: light, dark or projector."""
    chosen = st.session_state.get(KEY)
    return chosen if chosen in SCHEMES else DEFAULT


def chart_look() -> tuple[str, str]:
    """Set and return this run's chart look: presenter mode's larger text if it is on, and the page's chart scheme."""
    size = "presenter" if st.session_state.get(PRESENTER, False) else "normal"
    return chart_theme.use(size, CHART_SCHEME[scheme()])


def control() -> str:
    """Run once per script run (app.py): the sidebar's theme switch, the page's CSS and the charts' look.

    The choice starts from the address (``?theme=dark``) and is written back on every run, as the learner key is, so
    a page switch or a bookmark keeps it; light, the default, stays out of the address. A linked ``?theme=`` that is
    not a theme gives a link notice and the light theme.
    """
    if KEY not in st.session_state:
        raw = st.query_params.get(KEY)
        if raw is not None and raw not in SCHEMES:
            st.info(f"Link notice: '{KEY}={literal(raw, limit=40)}' is not one of {', '.join(SCHEMES)}; showing the "
                    f"{DEFAULT} theme.", icon="🔗")
        st.session_state[KEY] = raw if raw in SCHEMES else DEFAULT
    st.sidebar.segmented_control(
        "Theme", SCHEMES, required=True, key=KEY, format_func=LABELS.__getitem__, width="stretch",
        help="Dark for a dim room; Projector: black on white, larger text and thicker lines for a washed-out "
             "projector. Kept in the address, so a bookmark keeps it.")
    chosen = scheme()
    if chosen == DEFAULT:
        st.query_params.pop(KEY, None)
    else:
        st.query_params[KEY] = chosen
    st.html(_css(chosen))  # style only: Streamlit puts it in the event container, where it takes no space
    chart_look()
    return chosen
