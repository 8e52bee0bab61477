"""2.1 ISA designer: toggle instruction attributes and see at once whether an efficient VMM exists."""

import streamlit as st

from engine.virtualizability.isa import DesignError, design_from_rows, design_rows
from ui import content, layout, query
from viz.virtualizability.isa_sets import sets_graph

layout.header("2.1", "ISA designer", "Design an instruction set and see whether Popek and Goldberg's Theorem 1 allows an efficient VMM.")
content.lesson("2.1", "isa_designer")

catalogue = content.catalogue()
preset = query.select("Start from", {i.id: i.name for i in catalogue.values()}, name="preset", default="ia32")
base = catalogue[preset]
good_key = f"designer_good_{preset}"
editor_key = f"designer_editor_{preset}_{st.session_state.get(f'designer_reset_{preset}', 0)}"

if st.button("↺ Reset to the catalogue", key="designer_reset"):
    st.session_state[f"designer_reset_{preset}"] = st.session_state.get(f"designer_reset_{preset}", 0) + 1
    st.session_state.pop(good_key, None)
    st.rerun()

edited = st.data_editor(
    design_rows(base), key=editor_key, num_rows="dynamic", hide_index=True, width="stretch",
    height=min(36 * (len(base.instructions) + 2) + 4, 640),
    column_config={"Instruction": st.column_config.TextColumn(width="medium", required=True, max_chars=40)},
)
try:
    design = design_from_rows(base, edited)
    st.session_state[good_key] = design
except DesignError as exc:
    design = st.session_state.get(good_key, base)
    st.error(f"{exc}. Showing the last valid design.", icon="✋")

v = design.verdict()
if v.virtualizable:
    st.success(f"**An efficient VMM can be built.** {v.reason}")
else:
    st.error(f"**No efficient trap-and-emulate VMM.** {v.reason}")
    st.markdown("**Fix it** by making each of these privileged (or not sensitive): " + ", ".join(f"`{c}`" for c in v.critical))
st.graphviz_chart(sets_graph(f"Your {base.name.split(' (')[0]}", design.instructions, v.virtualizable), width="stretch")
