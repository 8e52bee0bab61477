"""Presenter mode's larger chart text reaches charts whose spec a page caches (issue 13).

A page that caches a chart's Vega-Lite spec (or a section drawn with its chart) must key that cache on the chart look
(ui/theme.py's ``chart_look()``): otherwise the first look that filled the cache, normally the small one, is what
presenter mode shows. Each page is opened in the normal look first, so a cache without the look in its key would hand
presenter mode the normal spec, then with ``?presenter=1`` in the same process.
"""

from __future__ import annotations

import json

import pytest

from tests.test_pages import open_page
from viz import theme

# Pages whose charts come from a spec or section cached by the page (st.cache_data / st.cache_resource).
CACHED = ["pages/s25_pricing.py", "pages/s25_instances.py", "pages/s25_variance.py", "pages/s24_scheduling.py",
          "pages/s24_shared_io.py", "pages/s22_paging.py", "pages/s23_ept.py"]


def label_sizes(at) -> list[int]:
    """The axis label size of every Vega-Lite chart on the page (the theme's config, as the browser gets it)."""
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert specs, "the page drew no Vega-Lite chart"
    return [spec["config"]["axis"]["labelFontSize"] for spec in specs]


@pytest.mark.parametrize("file", CACHED, ids=[f.split("/")[-1][:-3] for f in CACHED])
def test_presenter_mode_charts_get_the_larger_text(file):
    normal = round(theme.LABEL_PX * theme.SIZES["normal"])
    larger = round(theme.LABEL_PX * theme.SIZES["presenter"])
    assert set(label_sizes(open_page(file))) == {normal}
    assert set(label_sizes(open_page(file, {"presenter": "1"}))) == {larger}
    assert set(label_sizes(open_page(file))) == {normal}  # and back: the presenter spec did not replace the normal one
