"""Charts and screen readers: Vega's marks and guides stay out of the accessibility tree (an empty layer was an unnamed
graphics-symbol, axe's svg-img-alt), and every chart is named by a description made from its encodings."""

from __future__ import annotations

import pytest

from tests.test_theme import SAMPLES
from viz import theme


@pytest.mark.parametrize("name, builder, rows", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_every_chart_hides_its_marks_from_aria_and_has_a_description(name, builder, rows):
    spec = theme.described(builder(rows).to_dict())
    assert spec["config"]["aria"] is False and spec["config"]["mark"]["aria"] is False
    kind, _, what = spec["description"].partition(": ")  # "Line chart: y against x" unless the builder wrote its own
    assert what.strip() or name.startswith("viz.live."), spec["description"]


def test_a_description_says_what_is_plotted_against_what():
    spec = {"mark": "line", "encoding": {"x": {"field": "accesses", "title": "accesses so far"},
                                         "y": {"field": "rate", "title": "TLB hit rate"},
                                         "color": {"field": "policy"}}}
    assert theme.describe(spec) == "Line chart: TLB hit rate against accesses so far, by policy"
    layered = {"title": "Round 1", "layer": [{"mark": {"type": "bar"}, "encoding": {"x": {"field": "votes"}}},
                                             {"mark": "text", "encoding": {"text": {"field": "label"}}}]}
    assert theme.describe(layered) == "Bar chart: Round 1 (votes)"
    assert theme.described({"mark": "bar", "description": "mine"})["description"] == "mine"
