"""2.1 ISA designer: toggle instruction attributes and see at once whether an efficient VMM exists."""

import hashlib

import streamlit as st

from engine.quizgen.virtualizability import parse_design_text
from engine.virtualizability.isa import design_from_rows, design_rows
from ui import content, layout, query
from ui.diagram import diagram
from ui.editor import INPUT_ERRORS, problem
from viz.virtualizability.isa_sets import sets_graph

layout.header("2.1", "ISA designer", "Design an instruction set and see whether Popek and Goldberg's Theorem 1 allows an efficient VMM.")
content.lesson("2.1", "isa_designer")

catalogue = content.catalogue()
pick, reset = st.columns([2, 3], vertical_alignment="bottom")
with pick:
    preset = query.select("Start from", {i.id: i.name for i in catalogue.values()}, name="preset", default="ia32")
base = catalogue[preset]


def linked_design():
    """The ISA of a link such as ``?design=OPA:pc;OPB:-`` (p = privileged, c = control-, b = behaviour-sensitive),
    e.g. a generated quiz question's made-up ISA; a value that cannot be read gets a notice. Choosing another
    preset or resetting drops it."""
    if st.session_state.get("designer_link_preset", preset) != preset and "design" in st.query_params:
        del st.query_params["design"]
    st.session_state["designer_link_preset"] = preset
    if "design" not in st.query_params:
        return None
    design, text = None, query.read_text("design", "", max_chars=2000)  # too long: a notice, and ""
    try:
        design = design_from_rows(base, parse_design_text(text)) if text else None
    except INPUT_ERRORS as exc:  # the link's text, shown as text, not Markdown
        st.info(f"Link notice: the linked design cannot be read: {problem(exc, 'design')}. Starting from the "
                "catalogue.", icon="🔗")
    if design is None:  # noticed once; the link's value leaves the address so the next rerun does not repeat it
        del st.query_params["design"]
    return design


linked = linked_design()
start = linked or base
suffix = f"_link_{hashlib.sha1(st.query_params['design'].encode()).hexdigest()[:8]}" if linked else ""
good_key = f"designer_good_{preset}{suffix}"
editor_key = f"designer_editor_{preset}{suffix}_{st.session_state.get(f'designer_reset_{preset}', 0)}"

if reset.button("↺ Reset to the catalogue", key="designer_reset"):
    st.session_state[f"designer_reset_{preset}"] = st.session_state.get(f"designer_reset_{preset}", 0) + 1
    st.session_state.pop(good_key, None)
    if "design" in st.query_params:
        del st.query_params["design"]
    st.rerun()

result = st.container()  # the sets and the verdict come first on the screen; the table to edit sits under them
editor = st.container()
with editor:
    if linked:
        st.caption("The instructions below come from the link (e.g. a quiz question's ISA). Edit them, or reset to the catalogue.")
    edited = st.data_editor(
        design_rows(start), key=editor_key, num_rows="dynamic", hide_index=True, width="stretch",
        height=min(36 * (len(start.instructions) + 2) + 4, 640),
        column_config={"Instruction": st.column_config.TextColumn(width="medium", required=True, max_chars=40)},
    )
    try:
        design = design_from_rows(base, edited)
        st.session_state[good_key] = design
    except INPUT_ERRORS as exc:  # ui.editor's rule: a message (escaped, shortened), the last good design stays
        design = st.session_state.get(good_key, start)
        st.error(f"{problem(exc, 'design')}. Showing the last valid design.", icon="✋")

v = design.verdict()
title = "The linked ISA" if linked else f"Your {base.name.split(' (')[0]}"
with result:
    diagram(sets_graph(title, design.instructions, v.virtualizable))
    if v.virtualizable:
        st.success(f"**An efficient VMM can be built.** {v.reason}")
    else:
        st.error(f"**No efficient trap-and-emulate VMM.** {v.reason}")
        st.markdown("**Fix it** by making each of these privileged (or not sensitive): "
                    + ", ".join(f"`{c}`" for c in v.critical))
