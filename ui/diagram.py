"""Graphviz diagrams, laid out once on the server instead of in the browser on every frame.

``st.graphviz_chart`` sends the DOT source; Streamlit 1.67's frontend then runs d3-graphviz's ``renderDot`` (a wasm
layout plus a D3 data join over the whole SVG) every time the source changes, which is every player step: 100–250 ms
in the browser for one click (bench/bench_frames.py). When Graphviz's ``dot`` binary is installed (Debian package
``graphviz``), :func:`diagram` lays the DOT out on the server (``dot -Tsvg``, with dot's estimated Helvetica metrics
as the browser's wasm build had), caches the SVG by source within a byte bound, and sends it in an ``st.html``
element whose fixed script puts it into the page, so a step costs the browser one ``innerHTML`` of the changed
diagram and nothing for the unchanged ones. Without the binary it falls back to ``st.graphviz_chart``: the app works
either way.

What the inline SVG keeps of graphviz_chart: the width of the column (scaled by its viewBox), the page's body font
(the sizes the DOT builders chose), a white card in the dark theme, lines twice as thick on the projector, and on a
phone graphviz's own size in a box that scrolls sideways. It adds a text alternative: ``role="img"`` and an
``aria-label`` naming the diagram's labels (the player's frame caption under it says what the frame shows).
Browser tests find a diagram either way with :data:`SELECTOR`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import streamlit as st

from ui import theme as page_theme
from ui.canvas import DIAGRAM_CLASS, Canvas

# What a browser test looks for: Streamlit's graphviz element (fallback) or this module's wrapper.
CLASS = DIAGRAM_CLASS
SELECTOR = f':is([data-testid="stGraphVizChart"], .{CLASS})'  # compound-safe: f"{SELECTOR} svg text"

CACHE_BYTES = 32 * 1024 * 1024  # SVGs are 5–60 kB; a scheduling scenario's frames stay cached several times over
LABEL_CHARS = 300
DOT_TIMEOUT_S = 20
MODE = "html"  # "markdown": the SVG inline in st.markdown (for measuring the difference)

_cache: OrderedDict[str, str] = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()

# The card and sizes graphviz_chart had (ui/layout.py, ui/theme.py style Streamlit's element the same way).
_STYLE = """<style>
.{c} {{ background-color: #FFFFFF; border-radius: 0.5rem; padding: 0.4rem; line-height: 0; margin-bottom: 1rem; }}
.{c} svg {{ width: 100%; height: auto; max-width: 100%; display: block; margin: 0 auto; }}
.{c} svg text {{ font-family: inherit; }}
@media (max-width: 640px) {{
  .{c} {{ overflow-x: auto; border: 1px solid rgba(49, 51, 63, 0.2); }}
  .{c} svg {{ width: auto; height: auto; max-width: none; margin: 0; zoom: 0.75; }}
}}
{projector}</style>"""
_PROJECTOR = """.stApp .{c} g.edge path:not([stroke-width]), .stApp .{c} g.edge polygon:not([stroke-width]),
.stApp .{c} g.node polygon:not([stroke-width]), .stApp .{c} g.node ellipse:not([stroke-width]),
.stApp .{c} g.node path:not([stroke-width]), .stApp .{c} g.cluster polygon:not([stroke-width]) {{ stroke-width: 2px; }}
"""


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether Graphviz's ``dot`` binary is on the PATH."""
    return shutil.which("dot") is not None


@functools.lru_cache(maxsize=1)
def _estimating_env() -> dict[str, str] | None:
    """An environment in which ``dot`` measures text as the browser's graphviz did, or None (use dot as installed).

    Debian's dot measures labels with pango and the fonts it finds (here DejaVu Sans, 12 % wider than Helvetica), so
    its boxes come out wider than d3-graphviz's and the whole diagram shrinks in the column. With only the core and
    dot-layout plugins (a plugin folder of links to those two, GVBINDIR), dot estimates text widths from its
    built-in Helvetica/Times metrics, as the wasm build in the browser does, and the diagrams keep their old size.
    """
    dot = shutil.which("dot")
    if dot is None:
        return None
    real = Path(dot).resolve().parent.parent
    folders = [p for p in (*real.glob("lib/*/graphviz"), real / "lib" / "graphviz", real / "lib64" / "graphviz")
               if p.is_dir()]
    wanted = ("libgvplugin_core", "libgvplugin_dot_layout")
    layouts = ("libgvplugin_neato_layout",)  # neato, fdp, circo, … (the region map is laid out by neato)
    for folder in folders:
        libs = [f for f in folder.iterdir()
                if f.name.startswith(wanted + layouts) and (".so" in f.name or f.suffix == ".dylib")]
        if not set(wanted) <= {f.name.split(".")[0] for f in libs}:
            continue
        try:
            target = Path(tempfile.gettempdir()) / f"virtlab-graphviz-{os.getuid() if hasattr(os, 'getuid') else 0}"
            target.mkdir(exist_ok=True)
            for lib in libs:
                link = target / lib.name
                if not link.exists():
                    try:
                        link.symlink_to(lib)
                    except FileExistsError:  # another app process made it a moment ago
                        pass
            env = {**os.environ, "GVBINDIR": str(target)}
            subprocess.run([dot, "-c"], env=env, check=True, capture_output=True, timeout=20)
            return env
        except (OSError, subprocess.SubprocessError):
            return None
    return None


def _label(svg: str) -> str:
    """'Diagram: Guest OS, VMM, Hardware, …': the diagram's texts in order, each once, shortened."""
    seen: list[str] = []
    for raw in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", raw)).split())
        if text and text not in seen:
            seen.append(text)
    label = "Diagram: " + ", ".join(seen) if seen else "Diagram"
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip(", ") + "…"


def clean(raw: str, tag: str) -> str:
    """dot's SVG made fit to sit inline in Markdown: one line (a blank line would end Markdown's HTML block), no XML
    prolog, comments or tooltips, ids prefixed with ``tag`` (two diagrams on a page must not share ``node1``), and
    a text alternative on the root."""
    svg = raw[raw.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]*)"', lambda m: f'id="{tag}-{m.group(1)}"', svg)
    svg = svg.replace("url(#", f"url(#{tag}-").replace('href="#', f'href="#{tag}-')
    svg = re.sub(r">\s+<", "><", svg)
    svg = re.sub(r"\s*\n\s*", " ", svg).strip()
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    if box:  # dot rounds width and height to the nearest point, which can shrink the drawing by a hair (a 11 pt label
        # drew at 10.998 px on a phone): round up instead, so 1 viewBox unit is at least 1 pt
        width, height = (math.ceil(float(v)) for v in box.groups())
        svg = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', rf'\1 width="{width}pt" height="{height}pt"', svg, 1)
    label = html.escape(_label(svg), quote=True)
    return svg.replace("<svg", f'<svg role="img" aria-label="{label}" focusable="false"', 1)


def _dot(source: str) -> str | None:
    """``dot -Tsvg`` of ``source`` (one graph or several in a row), with text measured as the browser's graphviz did
    where possible; None if dot is missing or refused it."""
    if not available():
        return None
    estimating = _estimating_env()
    for env in ([estimating] if estimating else []) + [None]:  # a layout the reduced plugins lack: dot as installed
        try:
            return subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), env=env, check=True,
                                  capture_output=True, timeout=DOT_TIMEOUT_S).stdout.decode("utf-8")
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError, ValueError):
            continue
    return None


def _keep(source: str, raw: str) -> str:
    """dot's output for ``source`` cleaned (:func:`clean`) and kept in the byte-bounded cache."""
    global _cached_bytes
    out = clean(raw, "g" + hashlib.blake2b(source.encode("utf-8"), digest_size=4).hexdigest())
    size = len(source) + len(out)
    with _lock:
        if source not in _cache:
            _cache[source] = out
            _cached_bytes += size
            while _cached_bytes > CACHE_BYTES and len(_cache) > 1:
                old_source, old = _cache.popitem(last=False)
                _cached_bytes -= len(old_source) + len(old)
    return out


def _cached(source: str) -> str | None:
    with _lock:
        found = _cache.get(source)
        if found is not None:
            _cache.move_to_end(source)
        return found


def svg(source: str) -> str | None:
    """The cleaned inline SVG of a DOT source, laid out by ``dot`` (None: no binary, or dot refused the source)."""
    found = _cached(source)
    if found is not None:
        return found
    raw = _dot(source)
    return None if raw is None else _keep(source, raw)


def svgs(sources: list[str]) -> dict[str, str | None]:
    """:func:`svg` of many sources, the ones not cached laid out by one ``dot`` run (a run costs ~10 ms to start;
    a player's trace has up to hundreds of diagrams). If dot refuses one of them, each is laid out alone."""
    found = {source: _cached(source) for source in dict.fromkeys(sources)}
    missing = [source for source, out in found.items() if out is None]
    if len(missing) > 1:
        raw = _dot("\n".join(missing))
        pieces = raw.split("<?xml")[1:] if raw is not None else []
        if len(pieces) == len(missing):
            found.update((source, _keep(source, "<?xml" + piece)) for source, piece in zip(missing, pieces))
            missing = []
    found.update((source, svg(source)) for source in missing)
    return found


def style() -> str:
    """The diagrams' card and sizes for this session's theme, as a <style> element."""
    projector = _PROJECTOR.format(c=CLASS) if page_theme.scheme() == "projector" else ""
    return " ".join(_STYLE.format(c=CLASS, projector=projector).split())


def diagram(figure: Any, target: Any = st) -> None:
    """Draw a DOT diagram (a ``graphviz`` Graph/Digraph or DOT text) full width in ``target``, like
    ``target.graphviz_chart(figure, width="stretch")`` but laid out on the server when ``dot`` is installed."""
    source = figure if isinstance(figure, str) else figure.source
    if isinstance(target, Canvas):  # a frame the browser steps through: its player lays out all frames' diagrams at
        target.diagram(source)  # once (svgs) and brings style()
        return
    drawn = svg(source)
    if drawn is None:
        target.graphviz_chart(figure, width="stretch")
        return
    if MODE == "markdown":
        target.markdown(f'{style()}<div class="{CLASS}">{drawn}</div>', unsafe_allow_html=True)
        return
    # st.html, not st.markdown: Streamlit's frontend parses every Markdown element again on every script run, a
    # fragment's too, so an inline SVG in Markdown cost every player step on the page 15-20 ms per diagram even when
    # it did not change; st.html is memoised on its body. Its sanitiser (DOMPurify, HTML profile) drops SVG, so the
    # SVG travels as a JSON string that this script, our own and fixed, puts into the wrapper (json.dumps escapes
    # "<" so the markup cannot end the script; the SVG's text is XML-escaped by dot).
    payload = json.dumps(drawn).replace("<", "\\u003c")
    target.html(f'{style()}<div class="{CLASS}"></div><script>document.currentScript.previousElementSibling.innerHTML'
                f' = {payload};</script>', unsafe_allow_javascript=True)


__all__ = ["CLASS", "SELECTOR", "available", "clean", "diagram", "style", "svg", "svgs"]
