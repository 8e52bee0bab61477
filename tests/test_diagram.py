"""ui/diagram.py: DOT laid out by the dot binary on the server, sent as inline SVG; st.graphviz_chart without dot."""

from __future__ import annotations

import re

import pytest

from tests.players import browser_player
from tests.test_pages import open_page
from ui import diagram

TRAP = "pages/s21_trap_emulate.py"
DOT = 'digraph { node [fontname=Helvetica]; a [label="Guest kernel\\nring 1"]; b [label="VMM"]; a -> b }'

needs_dot = pytest.mark.skipif(not diagram.available(), reason="graphviz's dot is not installed")


@needs_dot
def test_svg_is_one_line_with_a_text_alternative_and_prefixed_ids():
    svg = diagram.svg(DOT)
    assert svg is not None and svg.startswith("<svg ") and "\n" not in svg  # a blank line would end Markdown's HTML
    assert "<!--" not in svg and "<title>" not in svg and "<?xml" not in svg
    assert 'role="img"' in svg and 'aria-label="Diagram: Guest kernel, ring 1, VMM"' in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and len({i.split("-")[0] for i in ids}) == 1 and all(re.match(r"g[0-9a-f]{8}-", i) for i in ids)
    assert diagram.svg(DOT) is svg  # cached by source


@needs_dot
def test_label_text_is_escaped_in_the_svg_and_its_text_alternative():
    svg = diagram.svg('digraph { a [label="<script>alert(1)</script> \\"q\\" & b"] }')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    label = re.search(r'aria-label="([^"]*)"', svg)[1]
    assert "<" not in label and "&quot;q&quot;" in label and "&amp; b" in label


@needs_dot
def test_the_cache_stays_within_its_byte_bound(monkeypatch):
    monkeypatch.setattr(diagram, "CACHE_BYTES", 6_000)
    for n in range(12):
        diagram.svg(f'digraph {{ n{n} [label="{n}"] }}')
    assert diagram._cached_bytes <= 6_000 and len(diagram._cache) >= 1


def diagrams(markup: str) -> list[str]:
    """The server-drawn diagrams (wrapper and SVG) in a browser player's frame HTML."""
    return re.findall(rf'<div class="{diagram.CLASS}"><svg .*?</svg>', markup, re.S)


def drawn(at) -> list[str]:
    """The page's server-drawn diagrams: the body of each st.html element that draws one, and each diagram of a
    browser player's first frame (its st.html element carries every frame's, tests.players)."""
    found = []
    for element in at.get("html"):
        body = element.proto.body
        if "vl-player" in body and (key := re.search(r'data-key="([^"]+)"', body)):
            found += diagrams(browser_player(at, key[1]).frames[0])
        elif f'class="{diagram.CLASS}"' in body:
            found.append(body)
    return found


@needs_dot
def test_a_page_sends_its_diagram_as_svg():
    at = open_page(TRAP)
    first = drawn(at)
    assert len(first) == 1 and "<svg " in first[0] and not at.get("graphviz_chart")
    player = browser_player(at, "trap")
    assert "\\u003csvg " in player.body and "<svg" not in player.body  # as JSON text: the sanitiser keeps the script
    assert diagrams(player.frames[1]) != diagrams(player.frames[0])  # the next frame's diagram


def test_without_dot_the_page_falls_back_to_graphviz_chart(monkeypatch):
    monkeypatch.setattr(diagram, "available", lambda: False)
    monkeypatch.setattr(diagram, "_cache", type(diagram._cache)())
    at = open_page(TRAP)
    assert len(at.get("graphviz_chart")) == 1
    assert not drawn(at)


@needs_dot
def test_every_diagram_of_a_page_with_a_neato_layout_is_drawn_on_the_server():
    at = open_page("pages/s25_regions.py")  # the region map is laid out by neato, the route by dot
    assert len(drawn(at)) == 2 and not at.get("graphviz_chart")
