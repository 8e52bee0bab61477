"""A frame drawn as HTML, with the few Streamlit calls a player's frame uses, so the browser can step without the server.

A player in the browser (ui/player.py) gets every frame of a trace at once and switches between them itself: a step
costs the browser one ``innerHTML``, not a round trip and a script run (issue 16: 57–126 ms a step against 13 ms for
an empty page's button, bench/bench_frames.py). A page's ``render(frame, out)`` draws one frame into ``out``, which is
``st`` (the server's player, when Graphviz's ``dot`` is missing) or a :class:`Canvas`, which answers the same calls
with HTML: ``markdown``, ``caption``, ``code``, ``columns``, ``table`` (ui.player.frame_table) and ``html``, and
``ui.diagram.diagram(figure, out)``'s inline SVG. Text goes through the same rules as Streamlit's: Markdown by
engine.core.markdown (CommonMark, raw HTML shown as text), so what ui.escape.literal escapes for Streamlit stays
escaped here; table cells and code are HTML-escaped.
"""

from __future__ import annotations

import functools
import html
from typing import Any, Mapping, Sequence

from engine.core.markdown import html as markdown_html
from engine.core.markdown import inline as inline_html

CLASS = "vl-canvas"
DIAGRAM_CLASS = "vl-diagram"  # ui.diagram.CLASS: its style and browser tests find a diagram by it

# The look of what a Canvas draws, close to Streamlit's elements and readable in every theme: colours are the page's
# text colour (currentColor) at lower opacity, so the light, dark and projector themes all apply.
STYLE = f"""
.{CLASS} {{ display: flex; flex-direction: column; gap: 0.8rem; }}
.{CLASS} p {{ margin: 0 0 0.4rem 0; }}
.{CLASS} .vl-cols {{ display: grid; gap: 1rem; align-items: start; }}
.{CLASS} .vl-col {{ display: flex; flex-direction: column; gap: 0.8rem; min-width: 0; }}
.{CLASS} .vl-caption {{ font-size: 1rem; opacity: 0.8; }}
.{CLASS} pre {{ margin: 0; padding: 0.8rem 1rem; border-radius: 0.5rem; overflow-x: auto;
  background: color-mix(in srgb, currentColor 7%, transparent); font-size: 1.05rem; line-height: 1.45; }}
.{CLASS} .vl-table {{ overflow: auto; }}
.{CLASS} table {{ border-collapse: collapse; width: 100%; font-size: 0.95rem; }}
.{CLASS} th, .{CLASS} td {{ border: 1px solid color-mix(in srgb, currentColor 22%, transparent); padding: 0.3rem 0.6rem;
  text-align: left; vertical-align: top; }}
.{CLASS} thead th {{ font-weight: 600; background: color-mix(in srgb, currentColor 6%, transparent); position: sticky;
  top: 0; }}
.{CLASS} code {{ font-size: 0.95em; }}
.{CLASS} .vl-metric-label {{ font-size: 0.9rem; opacity: 0.8; }}
.{CLASS} .vl-metric-value {{ font-size: 1.8rem; line-height: 1.3; }}
.{CLASS} pre.vl-wrap {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.{CLASS} .vl-alert {{ padding: 0.8rem 1rem; border-radius: 0.5rem; }}
.{CLASS} .vl-alert p:last-child {{ margin-bottom: 0; }}
.{CLASS} .vl-success {{ background: color-mix(in srgb, #009E73 16%, transparent); }}
.{CLASS} .vl-info {{ background: color-mix(in srgb, #0072B2 14%, transparent); }}
.{CLASS} .vl-warning {{ background: color-mix(in srgb, #E69F00 18%, transparent); }}
.{CLASS} .vl-error {{ background: color-mix(in srgb, #D55E00 16%, transparent); }}
@media (max-width: 640px) {{ .{CLASS} .vl-cols {{ grid-template-columns: 1fr !important; }} }}
"""


def _table_html(data: Any) -> str:
    """Rows (dicts) or a pandas Styler as an HTML table without its index.

    Text cells and headers are Markdown, as st.table shows them (ui.player.frame_table escapes typed text with
    ui.escape.literal first, so only the app's own marks act); other values are shown as text. A Styler's cells are
    HTML-escaped and keep their styles."""
    if hasattr(data, "hide") and hasattr(data, "data"):
        return data.format(escape="html").format_index(escape="html", axis=1).hide(axis="index").to_html()
    rows = list(data)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{_cell(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c, ''))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return _markdown_cell(value) if isinstance(value, str) else html.escape(str(value))


@functools.lru_cache(maxsize=4096)
def _markdown_cell(text: str) -> str:  # a player's frames repeat most cells: each is rendered once
    return inline_html(text)


class Canvas:
    """One frame's HTML, built by the calls a page makes on ``st`` (the subset players use).

    Diagrams are kept as DOT sources until :meth:`to_html`, so that a player lays out every frame's diagrams with one
    ``dot`` run (ui.diagram.svgs) instead of one each."""

    def __init__(self) -> None:
        self._parts: list[Any] = []

    def html(self, body: str, **_: Any) -> None:
        """Markup the app made itself: added as it is. Never text a user typed."""
        self._parts.append(body)

    def diagram(self, source: str) -> None:
        """A DOT diagram (ui.diagram.diagram's target is this canvas), drawn inline when the canvas is read."""
        self._parts.append(_Diagram(source))

    def markdown(self, body: str, unsafe_allow_html: bool = False, **_: Any) -> None:
        self._parts.append(f'<div class="vl-md">{markdown_html(body)}</div>')

    def caption(self, body: str, **_: Any) -> None:
        self._parts.append(f'<div class="vl-caption">{markdown_html(body)}</div>')

    def code(self, body: str, language: str | None = None, wrap_lines: bool = False, **_: Any) -> None:
        """Code as typed; ``wrap_lines`` wraps long lines instead of scrolling sideways (as st.code does)."""
        wrap = ' class="vl-wrap"' if wrap_lines else ""
        self._parts.append(f"<pre{wrap}><code>{html.escape(body)}</code></pre>")

    def _alert(self, kind: str, body: str, icon: str | None) -> None:
        """A coloured box with Markdown, like st.success/info/warning/error (not role=alert: frames change on every
        step, and the player's caption already speaks each step)."""
        text = f"{icon} {body}" if icon else body
        self._parts.append(f'<div class="vl-alert vl-{kind}">{markdown_html(text)}</div>')

    def success(self, body: str, icon: str | None = None, **_: Any) -> None:
        self._alert("success", body, icon)

    def info(self, body: str, icon: str | None = None, **_: Any) -> None:
        self._alert("info", body, icon)

    def warning(self, body: str, icon: str | None = None, **_: Any) -> None:
        self._alert("warning", body, icon)

    def error(self, body: str, icon: str | None = None, **_: Any) -> None:
        self._alert("error", body, icon)

    def table(self, data: Any, hide_index: bool = True, height: Any = "content", **_: Any) -> None:
        """A table; ``height`` in pixels (ui.player.frame_table's scrolling height) caps it with a scroll bar, and
        the capped box takes the keyboard's focus so that arrow keys scroll it (axe: scrollable-region-focusable)."""
        limit = (f' style="max-height: {height / 18:.1f}rem" tabindex="0" role="region" aria-label="Table (scrolls)"'
                 if isinstance(height, (int, float)) else "")
        self._parts.append(f'<div class="vl-table"{limit}>{_table_html(data)}</div>')

    def metric(self, label: str, value: Any, help: str | None = None, **_: Any) -> None:
        """A figure with its label above it, as st.metric shows it (``help`` as the label's tooltip)."""
        tip = f' title="{html.escape(help, quote=True)}"' if help else ""
        self._parts.append(f'<div class="vl-metric"><div class="vl-metric-label"{tip}>{html.escape(label)}</div>'
                           f'<div class="vl-metric-value">{html.escape(str(value))}</div></div>')

    def vega_lite_chart(self, spec: dict[str, Any], **_: Any) -> None:
        """A Vega-Lite chart. It is not HTML: the player draws one chart for all frames with Streamlit and shows each
        frame's rows through a parameter bound to its slider (viz.vega.frames)."""
        self._parts.append(_Chart(spec))

    def columns(self, spec: int | Sequence[float], **_: Any) -> list["Canvas"]:
        """Side-by-side columns with relative widths (stacked on a phone), filled by the calls made on each."""
        weights = [1.0] * spec if isinstance(spec, int) else [float(w) for w in spec]
        columns = [Canvas() for _ in weights]
        self._parts.append(_Columns(weights, columns))
        return columns

    def blocks(self, drawn: Mapping[str, str | None]) -> list[Block]:
        """This canvas as the player places it: runs of HTML, charts, and columns that hold a chart.

        A block is ``("html", [piece, ...])`` (each top-level element's HTML), ``("chart", spec)`` or
        ``("columns", weights, [blocks of each column])``; columns without a chart are HTML."""
        blocks: list[Block] = []
        for part in self._parts:
            if isinstance(part, _Chart):
                blocks.append(("chart", part.spec))
            elif isinstance(part, _Columns) and part.has_chart():
                blocks.append(("columns", tuple(part.weights), [c.blocks(drawn) for c in part.columns]))
            else:
                piece = _html(part, drawn)
                if blocks and blocks[-1][0] == "html":
                    blocks[-1][1].append(piece)
                else:
                    blocks.append(("html", [piece]))
        return blocks

    def has_chart(self) -> bool:
        return any(isinstance(p, _Chart) or isinstance(p, _Columns) and p.has_chart() for p in self._parts)

    def sources(self) -> list[str]:
        """The DOT sources of this canvas's diagrams, columns' included."""
        found: list[str] = []
        for part in self._parts:
            if isinstance(part, _Diagram):
                found.append(part.source)
            elif isinstance(part, _Columns):
                found += [source for column in part.columns for source in column.sources()]
        return found

    def parts(self, drawn: Mapping[str, str | None]) -> list[str]:
        """The HTML of each top-level element, diagrams from ``drawn`` (DOT source -> SVG, None: not laid out)."""
        return [_html(part, drawn) for part in self._parts]


def _html(part: Any, drawn: Mapping[str, str | None]) -> str:
    """One top-level element's HTML: markup as it was added, a diagram or chart-free columns drawn from ``drawn``."""
    return part.html(drawn) if isinstance(part, (_Diagram, _Columns)) else part


Block = tuple  # ("html", [str]) | ("chart", dict) | ("columns", tuple[float, ...], list[list[Block]])


class _Chart:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec


class _Diagram:
    def __init__(self, source: str) -> None:
        self.source = source

    def html(self, drawn: Mapping[str, str | None]) -> str:
        svg = drawn.get(self.source)
        if svg is None:  # dot refused it (the server's player would have fallen back to the browser's graphviz)
            return '<p class="vl-caption">This diagram could not be laid out.</p>'
        return f'<div class="{DIAGRAM_CLASS}">{svg}</div>'


class _Columns:
    def __init__(self, weights: list[float], columns: list[Canvas]) -> None:
        self.weights, self.columns = weights, columns

    def has_chart(self) -> bool:
        return any(column.has_chart() for column in self.columns)

    def html(self, drawn: Mapping[str, str | None]) -> str:
        template = " ".join(f"minmax(0, {w:g}fr)" for w in self.weights)
        inner = "".join(f'<div class="vl-col">{"".join(c.parts(drawn))}</div>' for c in self.columns)
        return f'<div class="vl-cols" style="grid-template-columns: {template}">{inner}</div>'
