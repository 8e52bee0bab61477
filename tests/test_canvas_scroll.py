"""A Canvas table capped at a height (ui.player.frame_table's scrolling table) can be scrolled from the keyboard."""

import re

from ui.canvas import Canvas
from ui.player import TABLE_ROW_PX, TABLE_ROWS, frame_table


def test_a_capped_table_takes_the_focus_and_a_short_one_stays_out_of_the_tab_order():
    tall, short = Canvas(), Canvas()
    frame_table([{"#": i, "name": f"row {i}"} for i in range(TABLE_ROWS + 5)], tall)
    frame_table([{"#": 1, "name": "row 1"}], short)
    (capped,), (plain,) = tall.parts({}), short.parts({})
    box = re.match(r"<div [^>]*>", capped).group(0)
    assert f"max-height: {TABLE_ROW_PX * (TABLE_ROWS + 1) / 18:.1f}rem" in box
    assert 'tabindex="0"' in box and 'role="region"' in box and 'aria-label="Table (scrolls)"' in box  # axe's rule
    assert plain.startswith('<div class="vl-table"><table>') and "tabindex" not in plain
