"""Altair charts rendered from a cached Vega-Lite spec.

Building an Altair chart is cheap, but serialising it (``to_dict`` validates against the
Vega-Lite schema) costs 15–40 ms a chart, more than a player step may take. The spec depends
only on the builder and its rows, so it is cached and the page reruns pay nothing for it.

Altair names a chart's inline data after a hash of its rows ("data-3f2a…"), so new rows used to make a new spec,
and Streamlit's frontend embeds a new Vega view for a new spec (compile, parse, first render: 50–150 ms). The
datasets are renamed by position ("rows0", …): a player step that changes only the rows sends the same spec with
other datasets, which Streamlit 1.67's frontend swaps into the view it has (``view.data(name, rows)``).
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Callable

import altair as alt
import streamlit as st

from ui import theme as page_theme
from viz import theme


def stable_names(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with its top-level datasets named by position (rows0, rows1, …) instead of by a hash of their rows,
    so two frames whose charts differ only in their rows have the same spec."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        return spec
    names = {old: f"rows{i}" for i, old in enumerate(datasets)}
    text = json.dumps({key: value for key, value in spec.items() if key != "datasets"})
    for old, new in names.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    return {**json.loads(text), "datasets": {names[old]: rows for old, rows in datasets.items()}}


@st.cache_data(show_spinner=False, max_entries=256)
def _spec(module: str, builder: str, rows: list[dict[str, Any]], look: tuple[str, str]) -> dict[str, Any]:
    with theme.looking(*look):
        return stable_names(theme.described(getattr(importlib.import_module(module), builder)(rows).to_dict()))


def chart(builder: Callable[[list[dict[str, Any]]], alt.Chart], rows: list[dict[str, Any]], target: Any = st) -> None:
    """Draw ``builder(rows)`` (a module-level function of a viz module) full width in ``target``.

    The builder is named by module and function so the cache key is small and stable.
    """
    look = page_theme.chart_look()
    target.vega_lite_chart(_spec(builder.__module__, builder.__name__, rows, look), width="stretch")
