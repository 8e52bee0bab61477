"""Vega-Lite specs for charts whose data changes from frame to frame but whose layout does not.

Altair validates a chart against the Vega-Lite schema when it serialises it, which costs tens of
milliseconds: too slow for a player step. A builder whose encodings do not depend on the rows is
serialised once per look (chart size and colour scheme, viz/theme.py), and every frame only fills in its rows.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Callable

import altair as alt

from viz import theme

Builder = Callable[[list[dict[str, object]]], alt.TopLevelMixin]


@lru_cache(maxsize=None)
def _template(builder: Builder, look: tuple[str, str]) -> str:
    with theme.looking(*look):
        return json.dumps({**theme.described(builder([]).to_dict()), "data": {"values": []}})


def spec(builder: Builder, rows: list[dict[str, object]]) -> dict[str, object]:
    """``builder(rows).to_dict()``, from the builder's serialised template with ``rows`` as its data."""
    result = json.loads(_template(builder, theme.current()))
    result["data"] = {"values": rows}
    return result
