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


FRAME_PARAM = "vlp_frame"  # the player's slider value (1-based), bound to the chart
FIRST, LAST = "vlp_first", "vlp_last"  # the frames (0-based) in which a row is shown


def frames(specs: list[dict[str, object]], slider: str) -> dict[str, object]:
    """One spec for every frame of a player whose frames draw the same chart with other rows (:func:`spec`).

    The browser's player (ui.player) sends a scenario's frames at once and steps without the server, so its chart is
    drawn once: each distinct row is sent once with the first and last frame it is shown in (a row shown in frames
    0–40, as a Gantt bar that has ended, is one row, not 41), and a parameter bound to the player's slider (CSS
    selector ``slider``, an <input type="range"> whose value is the frame number from 1) filters them. Vega
    listens to the slider's input events, so a step redraws the chart in the browser. Raises ValueError if the specs
    differ in anything but their rows. The parameter starts at the slider's value when Vega binds it, so the spec is the
    same whatever frame a learner opens at."""
    first = {key: value for key, value in specs[0].items() if key != "data"}
    if any({key: value for key, value in s.items() if key != "data"} != first for s in specs[1:]):
        raise ValueError("a player's frames must draw the same chart with other rows")
    opened: dict[tuple, list[tuple[int, int, dict]]] = {}  # row -> (first frame, order, row) per copy shown now
    closed: list[tuple[int, dict]] = []
    order = 0

    def close(entry: tuple[int, int, dict], last: int) -> None:
        begin, place, row = entry
        closed.append((place, {**row, FIRST: begin, LAST: last}))

    for index, frame_spec in enumerate(specs):
        counts: dict[tuple, list[dict]] = {}
        for row in frame_spec["data"]["values"]:  # type: ignore[index]
            counts.setdefault(tuple(row.items()), []).append(row)
        for key, copies in opened.items():
            while len(copies) > len(counts.get(key, ())):
                close(copies.pop(), index - 1)
        for key, rows in counts.items():
            copies = opened.setdefault(key, [])
            while len(copies) < len(rows):
                copies.append((index, order, rows[len(copies)]))
                order += 1
    for copies in opened.values():
        for entry in copies:
            close(entry, len(specs) - 1)
    closed.sort(key=lambda item: item[0])
    frame = f"(toNumber({FRAME_PARAM}) - 1)"
    return {**first, "data": {"values": [row for _, row in closed]},
            "params": [*first.get("params", []), {"name": FRAME_PARAM, "value": 1, "bind": {"element": slider}}],
            "transform": [{"filter": f"datum.{FIRST} <= {frame} && {frame} <= datum.{LAST}"},
                          *first.get("transform", [])]}
