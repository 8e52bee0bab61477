"""The browser player's building blocks: frames drawn as HTML (ui.canvas), diagrams laid out in one dot run
(ui.diagram.svgs), and one chart for all frames (viz.vega.frames)."""

import pandas
import pytest

from ui import diagram
from ui.canvas import Canvas
from ui.player import frame_table
from viz import vega


def test_typed_text_stays_text_in_every_element():
    out = Canvas()
    out.markdown("a <script>alert(1)</script> **b** [x](https://example.com)")
    out.code("<b>mov</b> eax, 1")
    out.metric("<i>label</i>", "<b>1</b>", help='say "hi"')
    frame_table([{"<th>x": "<td>x</td> sgdt [eax]", "n": 1}], out)
    frame_table(pandas.DataFrame([{"<c>": "<img src=x>"}]).style.apply(lambda r: ["color: red"], axis=1), out)
    page = "".join(out.blocks({})[0][1])
    for raw in ("<script>", "<b>", "<i>", "<th>x", "<td>x", "<img", "<c>", "\\"):
        assert raw not in page, raw  # shown as text, and the Markdown escapes frame_table adds do not show
    assert "&lt;script&gt;" in page and "<strong>b</strong>" in page  # Markdown still works
    assert "&lt;th&gt;x" in page and "&lt;td&gt;x&lt;/td&gt; sgdt [eax]" in page
    assert "&lt;b&gt;mov&lt;/b&gt;" in page and "color: red" in page  # code escaped, the Styler's styles kept
    assert 'href="https://example.com"' in page  # as in Streamlit: pages escape echoed text with ui.escape.literal


def test_columns_with_a_chart_are_kept_apart_and_the_rest_is_one_run_of_html():
    out = Canvas()
    out.markdown("above")
    left, right = out.columns([3, 1])
    left.vega_lite_chart({"mark": "bar", "data": {"values": []}})
    right.metric("Balance", "1.0")
    out.markdown("below")
    plain_left, plain_right = out.columns(2)
    plain_left.markdown("no chart here")
    blocks = out.blocks({})
    assert [b[0] for b in blocks] == ["html", "columns", "html"]
    assert blocks[1][1] == (3.0, 1.0) and blocks[1][2][0][0][0] == "chart" and blocks[1][2][1][0][0] == "html"
    assert "no chart here" in "".join(blocks[2][1]) and "grid-template-columns" in "".join(blocks[2][1])


@pytest.mark.skipif(not diagram.available(), reason="needs Graphviz's dot (tests/install_test_deps.sh installs it)")
def test_many_diagrams_are_laid_out_by_one_dot_run_with_the_same_result():
    sources = [f'digraph {{ a{i} -> b{i} [label="{i}"] }}' for i in range(5)]
    together = diagram.svgs(sources + sources[:2])
    assert list(together) == sources and all(together[s] == diagram.svg(s) for s in sources)
    out = Canvas()
    diagram.diagram(sources[0], out)
    assert out.sources() == [sources[0]] and "<svg" in "".join(out.blocks(together)[0][1])
    assert "could not be laid out" in "".join(out.blocks({})[0][1])


def test_one_chart_for_all_frames_sends_each_row_once_with_the_frames_it_shows_in():
    rows = [{"t": 0}, {"t": 1}, {"t": 2}]
    specs = [{"mark": "bar", "params": [{"name": "p", "value": 1}], "data": {"values": rows[:i + 1]}} for i in range(3)]
    specs.append({**specs[0], "data": {"values": [{"t": 5}, {"t": 5}]}})  # a frame with two equal rows
    merged = vega.frames(specs, "#k-frame-input")
    got = merged["data"]["values"]
    assert {(r["t"], r[vega.FIRST], r[vega.LAST]) for r in got} == {(0, 0, 2), (1, 1, 2), (2, 2, 2), (5, 3, 3)}
    assert sum(r["t"] == 5 for r in got) == 2
    assert merged["params"][0] == {"name": "p", "value": 1}
    assert merged["params"][1] == {"name": vega.FRAME_PARAM, "value": 1, "bind": {"element": "#k-frame-input"}}
    assert vega.FIRST in merged["transform"][0]["filter"] and merged["mark"] == "bar"
    with pytest.raises(ValueError, match="same chart"):
        vega.frames([specs[0], {**specs[1], "mark": "line"}], "#x")
