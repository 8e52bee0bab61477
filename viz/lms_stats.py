"""Charts of the class statistics (rows from engine.core.lms.stats, as dicts)."""

from __future__ import annotations

import altair as alt

from viz import palette, theme  # noqa: F401  (theme: registers the chart theme)

MATERIAL_COLOURS = {"lecture": palette.BLUE, "beyond the lecture": palette.PURPLE, "generated": palette.ORANGE}


def first_try_right(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: QuestionRow fields. One bar per question: the share right on the first try, hardest at the top."""
    present = [m for m in MATERIAL_COLOURS if any(r["material"] == m for r in rows)]
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("question:N", sort=alt.EncodingSortField("first_try_right_percent", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=260)),
        x=alt.X("first_try_right_percent:Q", title="right on the first try (%)", scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=list(range(0, 101, 20)))),
        color=alt.Color("material:N", title="material",
                        scale=alt.Scale(domain=present, range=[MATERIAL_COLOURS[m] for m in present]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("question:N"), alt.Tooltip("section:N"), alt.Tooltip("prompt:N"),
                 alt.Tooltip("learners:Q"), alt.Tooltip("first_try_right_percent:Q", title="first try right (%)"),
                 alt.Tooltip("most_chosen_wrong:N", title="most chosen wrong")],
    ).properties(height=alt.Step(22))


def by_parameter(rows: list[dict[str, object]]) -> alt.Chart:
    """rows: ParameterRow fields of one generator. One bar per parameter value, one panel row per parameter."""
    return alt.Chart(alt.Data(values=rows)).mark_bar(color=palette.ORANGE).encode(
        y=alt.Y("value:N", title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("first_try_right_percent:Q", title="right on the first try (%)", scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=list(range(0, 101, 20)))),
        row=alt.Row("parameter:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        tooltip=["parameter:N", "value:N", "learners:Q",
                 alt.Tooltip("first_try_right_percent:Q", title="first try right (%)")],
    ).resolve_scale(y="independent").properties(height=alt.Step(22), width=480)
