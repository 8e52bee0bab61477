"""One look for every Altair chart: text that reads from the back of a lecture hall, in a light or projector scheme.

Importing this module registers the Altair theme ``virtlab`` once and enables it, so every ``chart.to_dict()`` (a
page's, a cache's or a test's) carries the same config: axis labels, legend and mark text at least 16 px (titles a bit
larger), horizontal x labels, the Okabe–Ito colours as the default category range, and Vega's SVG renderer so a
browser test can measure the text. Builders in viz/ set no font sizes or label angles of their own.

The theme reads the *look* (size and scheme) of the current thread: Streamlit runs each session's script in its own
thread, so :func:`use` at the start of a run (ui/theme.py does it) gives that session its look without changing another
session's. A spec cached across sessions must key its cache on :func:`current` (ui/charts.py and viz/vega.py do).

Sizes: "normal", and "presenter" (about 1.3×) for a lecturer's presenter mode. Schemes: "light" (the app's default)
and "projector" (black on white, thicker lines, larger text). There is no dark chart scheme: the builders draw black
marks (entitlement ticks, Domain 0's I/O, the native line, a demand line) and black labels inside coloured bars, all
meant for a white ground, so the page's dark theme shows charts on a white card (ui/theme.py), as it does diagrams.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator

import altair as alt

from viz import palette

NAME = "virtlab"
SIZES = {"normal": 1.0, "presenter": 1.3}
SCHEMES = ("light", "projector")

LABEL_PX = 16  # axis labels, legend labels, mark text at the normal size
TITLE_PX = 18  # axis and legend titles, facet headers
CHART_TITLE_PX = 20


@dataclass(frozen=True)
class Ink:
    """The colours and strokes of one scheme: text, axis lines, grid, and how much larger its text is."""

    text: str
    domain: str  # axis lines and ticks
    grid: str
    stroke: float  # axis line and tick width
    grid_width: float
    line: float  # data lines a builder leaves at the default width
    scale: float  # text size relative to the light scheme's


# Contrast of the text against the white behind the chart: light #31333F 12.6:1, projector black 21:1.
INKS = {
    "light": Ink(text="#31333F", domain="#6B6E7A", grid="#E4E5E9", stroke=1, grid_width=1, line=3, scale=1.0),
    "projector": Ink(text=palette.BLACK, domain=palette.BLACK, grid="#8C8C8C", stroke=2, grid_width=1.5, line=4, scale=1.15),
}

# Okabe–Ito, strongest first (yellow, pale on white, last but one; black last).
CATEGORY = (palette.BLUE, palette.ORANGE, palette.GREEN, palette.VERMILLION, palette.SKY, palette.PURPLE, palette.YELLOW)

_LOOK: ContextVar[tuple[str, str]] = ContextVar("virtlab_chart_look", default=("normal", "light"))


def _check(size: str, scheme: str) -> None:
    if size not in SIZES:
        raise ValueError(f"chart size must be one of {', '.join(SIZES)}, not {size!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"chart scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")


def config(size: str = "normal", scheme: str = "light") -> dict[str, Any]:
    """The theme's top level for ``size`` and ``scheme``: ``{"config": ..., "usermeta": ...}``."""
    _check(size, scheme)
    ink = INKS[scheme]
    factor = SIZES[size] * ink.scale

    def px(base: int) -> int:
        return round(base * factor)

    label, title = px(LABEL_PX), px(TITLE_PX)
    text = {"labelColor": ink.text, "titleColor": ink.text}
    return {
        "config": {
            "background": "transparent",  # the page's white (or, in the dark theme, the chart's white card)
            "axis": {
                **text, "labelFontSize": label, "titleFontSize": title, "titleFontWeight": 600,
                "labelLimit": px(260), "labelOverlap": True, "labelPadding": 4, "titlePadding": 10,
                "domain": True, "domainColor": ink.domain, "domainWidth": ink.stroke,
                "ticks": True, "tickColor": ink.domain, "tickWidth": ink.stroke,
                "gridColor": ink.grid, "gridWidth": ink.grid_width,
            },
            # horizontal labels; where they would overlap, Vega drops every other one instead of turning them
            "axisX": {"labelAngle": 0, "labelOverlap": "greedy", "labelSeparation": 6},
            "legend": {**text, "labelFontSize": label, "titleFontSize": title, "titleFontWeight": 600,
                       "labelLimit": px(360), "symbolSize": px(180), "symbolStrokeWidth": 2},
            "header": {**text, "labelFontSize": title, "titleFontSize": title},
            "title": {"color": ink.text, "subtitleColor": ink.text, "fontSize": px(CHART_TITLE_PX),
                      "subtitleFontSize": label, "anchor": "start"},
            "text": {"color": ink.text, "fontSize": label},
            "range": {"category": [*CATEGORY, palette.BLACK]},
            "view": {"stroke": ink.grid},
            # Vega's marks and guides stay out of the accessibility tree (an empty layer was an unnamed
            # graphics-symbol); the chart is one graphics-document named by its description (see describe())
            "aria": False,
            "mark": {"color": palette.BLUE, "aria": False},
            "line": {"strokeWidth": ink.line},
        },
        # Streamlit switches big charts to canvas; SVG keeps text measurable (and sharp on a projector)
        "usermeta": {"embedOptions": {"renderer": "svg"}},
    }


_MARKS = {"bar": "bar", "rect": "bar", "line": "line", "point": "point", "circle": "point", "area": "area",
          "boxplot": "box plot", "rule": "rule", "tick": "tick", "text": "text"}


def _units(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The single-view specs inside ``spec`` (itself, its layers, concatenations and facet body), in order."""
    if "mark" in spec:
        yield spec
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, []):
            yield from _units(part)
    if isinstance(spec.get("spec"), dict):
        yield from _units(spec["spec"])


def _title(channel: Any) -> str:
    if not isinstance(channel, dict):
        return ""
    title = channel.get("title", channel.get("field", channel.get("aggregate", "")))
    return " ".join(title) if isinstance(title, list) else str(title or "")


def describe(spec: dict[str, Any]) -> str:
    """A name for a chart a screen reader announces: its title, or its kind and what it plots against what, from the
    Vega-Lite spec's encodings, e.g. "Line chart: hit rate against accesses, by policy"."""
    title = spec.get("title")
    title = title.get("text", "") if isinstance(title, dict) else title
    if isinstance(title, list):
        title = " ".join(map(str, title))
    units = list(_units(spec))
    marks = []
    for unit in units:
        mark = unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]
        name = _MARKS.get(str(mark))
        if name and name not in ("text", "rule") and name not in marks:
            marks.append(name)
    kind = (" and ".join(marks[:2]) or "data").capitalize()
    kind += "" if kind.endswith("plot") else " chart"
    encoding: dict[str, Any] = {}
    for unit in units:
        for channel, value in unit.get("encoding", {}).items():
            encoding.setdefault(channel, value)
    for channel, value in spec.get("encoding", {}).items():
        encoding.setdefault(channel, value)
    for channel in ("column", "row"):
        if isinstance(spec.get("facet"), dict) and channel in spec["facet"]:
            encoding.setdefault(channel, spec["facet"][channel])
    y, x = _title(encoding.get("y")), _title(encoding.get("x"))
    what = f"{y} against {x}" if y and x else y or x
    colour = encoding.get("color")
    if isinstance(colour, dict) and colour.get("scale", {}) is not None and _title(colour):  # not raw colour values
        what += f", by {_title(colour)}"
    for channel in ("column", "row"):
        if _title(encoding.get(channel)):
            what += f", per {_title(encoding[channel])}"
    what = what.lstrip(", ")
    if title:
        return f"{kind}: {title}" + (f" ({what})" if what else "")
    return f"{kind}: {what}" if what else kind


def described(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with a ``description`` (kept if its builder wrote one): Vega names the chart's container with it."""
    if not spec.get("description"):
        spec["description"] = describe(spec)
    return spec


def use(size: str = "normal", scheme: str = "light") -> tuple[str, str]:
    """Charts serialised from now on in this thread get ``size`` and ``scheme``; returns the look (a cache key)."""
    _check(size, scheme)
    _LOOK.set((size, scheme))
    return size, scheme


def current() -> tuple[str, str]:
    """This thread's look (size, scheme): part of the key of every spec cache."""
    return _LOOK.get()


@contextmanager
def looking(size: str, scheme: str) -> Iterator[None]:
    """Serialise charts with another look inside a ``with`` block (caches and tests), then restore the previous one."""
    _check(size, scheme)
    token = _LOOK.set((size, scheme))
    try:
        yield
    finally:
        _LOOK.reset(token)


@alt.theme.register(NAME, enable=True)
def _virtlab() -> alt.theme.ThemeConfig:
    return config(*current())  # type: ignore[return-value]
