"""Charts for live class questions: how a round voted, both rounds side by side, and how answers moved.

Plain functions over lists of rows (testable without a server). Options are labelled with letters (A, B, ...) in the
question's order, so a lecturer can say "most of you chose B" and a student's phone shows the same letters. Before
the reveal every bar has one colour; after it the right option is bluish green and marked "✓ right" in words, so the
highlight survives a washed-out projector or a monochrome printout.
"""

from __future__ import annotations

import altair as alt

from viz import palette, theme  # noqa: F401  (theme: registers the chart theme: fonts, angles, colours)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABEL_CHARS = 70  # option texts are cut here on the axis; the full text is listed above the chart and in tooltips
ROUND_COLOURS = {"Round 1": palette.SKY, "Round 2": palette.BLUE}


def letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def option_label(index: int, text: str) -> str:
    """'B · IF silently stays as it was', cut to LABEL_CHARS characters with an ellipsis."""
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"
    return f"{letter(index)} · {short}"


def distribution_rows(counts: list[tuple[str, int]], voters: int, right: tuple[str, ...] | None = None
                      ) -> list[dict[str, object]]:
    """One row per option: label, full text, votes, share of voters, and (after the reveal) whether it is right."""
    rows = []
    for i, (text, votes) in enumerate(counts):
        is_right = right is not None and text in right
        share = votes / voters if voters else 0.0
        rows.append({"option": option_label(i, text), "text": text, "votes": votes, "share": share,
                     "right": "✓ right" if is_right else ("wrong" if right is not None else "not revealed"),
                     "bar label": f"{votes} ({share:.0%})" + ("  ✓ right" if is_right else "")})
    return rows


def distribution(rows: list[dict[str, object]], title: str = "") -> alt.LayerChart:
    """Horizontal bars, one per option in the question's order, with 'n (share)' at each bar's end."""
    order = [str(r["option"]) for r in rows]
    revealed = any(r["right"] != "not revealed" for r in rows)
    domain = ["✓ right", "wrong"] if revealed else ["not revealed"]
    colours = [palette.GREEN, palette.GREY] if revealed else [palette.BLUE]
    most = max([int(r["votes"]) for r in rows] + [1])
    base = alt.Chart(alt.Data(values=rows), title=title).encode(
        y=alt.Y("option:N", sort=order, title=None, axis=alt.Axis(labelLimit=600, labelFontSize=18, labelColor=palette.BLACK)),
        x=alt.X("votes:Q", title="votes", scale=alt.Scale(domain=[0, most * 1.25]),
                axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("text:N", title="option"), "votes:Q", alt.Tooltip("share:Q", format=".0%")],
    )
    bars = base.mark_bar(height={"band": 0.7}).encode(
        # no legend: the right bar says "✓ right" in words (a legend also squeezes the plot in Streamlit's layout)
        color=alt.Color("right:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
        strokeWidth=alt.condition(alt.datum.right == "✓ right", alt.value(3), alt.value(0)),
        stroke=alt.value(palette.BLACK),
    )
    labels = base.mark_text(align="left", dx=6, fontSize=18, fontWeight="bold").encode(text="bar label:N")
    said = "; ".join(f"{r['option']}: {r['bar label']}" for r in rows)  # what a screen reader announces
    return (bars + labels).properties(height=max(160, 64 * len(rows)),
                                      description=f"Bar chart of votes per option{': ' + title if title else ''}. {said}")


def rounds_rows(first: list[tuple[str, int]], voters_first: int, second: list[tuple[str, int]], voters_second: int
                ) -> list[dict[str, object]]:
    """Both rounds' shares per option (as fractions of each round's voters, so rounds of different size compare)."""
    rows = []
    for name, counts, voters in (("Round 1", first, voters_first), ("Round 2", second, voters_second)):
        for i, (text, votes) in enumerate(counts):
            share = votes / voters if voters else 0.0
            rows.append({"option": option_label(i, text), "text": text, "round": name, "votes": votes, "share": share,
                         "bar label": f"{share:.0%}" if votes else ""})
    return rows


def rounds(rows: list[dict[str, object]]) -> alt.LayerChart:
    """Round 1 and round 2 side by side per option: did the discussion move the room towards an answer?"""
    order = list(dict.fromkeys(str(r["option"]) for r in rows))
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("option:N", sort=order, title=None, axis=alt.Axis(labelLimit=600, labelFontSize=18, labelColor=palette.BLACK)),
        yOffset=alt.YOffset("round:N", sort=list(ROUND_COLOURS)),
        x=alt.X("share:Q", title="share of the round's voters", scale=alt.Scale(domain=[0, 1.15]),
                axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("text:N", title="option"), "round:N", "votes:Q", alt.Tooltip("share:Q", format=".0%")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("round:N", scale=alt.Scale(domain=list(ROUND_COLOURS), range=list(ROUND_COLOURS.values())),
                        legend=alt.Legend(title=None, orient="top", labelFontSize=16, symbolSize=200)))
    labels = base.mark_text(align="left", dx=4).encode(text="bar label:N")
    said = "; ".join(f"{r['option']}, {r['round']}: {float(r['share']):.0%}" for r in rows)  # type: ignore[arg-type]
    return (bars + labels).properties(height=max(200, 90 * len(order)),
                                      description=f"Bar chart of each option's share in round 1 and round 2. {said}")


def movement_rows(moves: list[tuple[str, str, int]], options: tuple[str, ...]) -> list[dict[str, object]]:
    """Moves (round 1 answer, round 2 answer, devices) as rows with lettered labels ('B', or 'A + C' for several)."""
    letters = {text: letter(i) for i, text in enumerate(options)}

    def short(label: str) -> str:
        return " + ".join(letters.get(part, part) for part in label.split(" + ")) if label else "—"

    return [{"round 1": short(a), "round 2": short(b), "devices": n, "changed": "stayed" if a == b else "changed"}
            for a, b, n in moves]


def movement(rows: list[dict[str, object]]) -> alt.LayerChart:
    """A grid, round 1's answer down and round 2's across; each cell counts the devices that moved that way (the
    diagonal stayed). Darker is more, and the number is written in the cell."""
    answers = sorted({str(r["round 1"]) for r in rows} | {str(r["round 2"]) for r in rows}, key=lambda s: (len(s), s))
    most = max([int(r["devices"]) for r in rows] + [1])
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("round 2:N", sort=answers, title="answer in round 2", axis=alt.Axis(labelFontSize=16, orient="top")),
        y=alt.Y("round 1:N", sort=answers, title="answer in round 1", axis=alt.Axis(labelFontSize=16)),
        tooltip=["round 1:N", "round 2:N", "devices:Q", "changed:N"],
    )
    cells = base.mark_rect(stroke=palette.WHITE, strokeWidth=2).encode(
        color=alt.Color("devices:Q", scale=alt.Scale(domain=[0, most], range=[palette.PALE, palette.BLUE]), legend=None))
    numbers = base.mark_text(fontSize=22, fontWeight="bold").encode(
        text="devices:Q",
        color=alt.condition(alt.datum.devices > most / 2, alt.value(palette.WHITE), alt.value(palette.BLACK)))
    size = 110 * max(2, len(answers))
    said = "; ".join(f"{r['round 1']} to {r['round 2']}: {r['devices']}" for r in rows)
    return (cells + numbers).properties(width=size, height=size, description="Grid of devices by answer in round 1 "
                                        f"(down) and round 2 (across). {said}")
