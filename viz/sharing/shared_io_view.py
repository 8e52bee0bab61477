"""What a guest sees of Domain 0's I/O work: only its own response times, jumping for no visible reason."""

from __future__ import annotations

from typing import Mapping

import altair as alt

from engine.sharing.sched import SchedResult
from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)
from viz.sharing.sched_charts import SETTING_COLOURS


def guest_rows(results: Mapping[str, SchedResult], vm: str) -> list[dict[str, object]]:
    """Per wake-up of ``vm``: when it woke and how long until its burst was done, one series per setting."""
    return [{"setting": setting, "wake": round(b.wake, 3), "response": round(b.response, 3),
             "colour": SETTING_COLOURS[i % len(SETTING_COLOURS)], "order": i}
            for i, (setting, result) in enumerate(results.items()) for b in result.bursts if b.vm == vm]


def guest_view(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Response time of each wake-up over time, one line per setting: the guest's only evidence."""
    x = alt.X("wake:Q", title="time the guest woke up (ms)")
    y = alt.Y("response:Q", title="response time (ms)")
    colour = alt.Color("colour:N", scale=None)
    detail = alt.Detail("setting:N")
    line = alt.Chart().mark_line(strokeWidth=2, opacity=0.8).encode(x=x, y=y, color=colour, detail=detail)
    dots = alt.Chart().mark_point(filled=True, size=40, shape="circle").encode(
        x=x, y=y, color=colour, detail=detail, tooltip=["setting:N", "wake:Q", "response:Q"])
    legend = alt.Chart().transform_aggregate(top="max(response)", last="max(wake)", groupby=["setting", "colour", "order"]
                                             ).mark_text(align="right", dy=-10, fontWeight="bold").encode(
        x="last:Q", y="top:Q", text="setting:N", color=colour)
    return alt.layer(line, dots, legend, data=alt.Data(values=rows)).properties(height=300).configure_view(
        stroke=palette.PALE)
