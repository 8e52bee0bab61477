"""Altair charts rendered from a cached Vega-Lite spec.

Building an Altair chart is cheap, but serialising it (``to_dict`` validates against the
Vega-Lite schema) costs 15–40 ms a chart, more than a player step may take. The spec depends
only on the builder and its rows, so it is cached and the page reruns pay nothing for it.
"""

from __future__ import annotations

from typing import Any, Callable

import importlib

import altair as alt
import streamlit as st

from ui import theme as page_theme
from viz import theme


@st.cache_data(show_spinner=False, max_entries=256)
def _spec(module: str, builder: str, rows: list[dict[str, Any]], look: tuple[str, str]) -> dict[str, Any]:
    with theme.looking(*look):
        return theme.described(getattr(importlib.import_module(module), builder)(rows).to_dict())


def chart(builder: Callable[[list[dict[str, Any]]], alt.Chart], rows: list[dict[str, Any]], target: Any = st) -> None:
    """Draw ``builder(rows)`` (a module-level function of a viz module) full width in ``target``.

    The builder is named by module and function so the cache key is small and stable.
    """
    look = page_theme.chart_look()
    target.vega_lite_chart(_spec(builder.__module__, builder.__name__, rows, look), width="stretch")
