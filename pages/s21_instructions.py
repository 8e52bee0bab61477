"""2.1 Instruction classes: the catalogue per ISA, its sets, and the derived Popek–Goldberg verdict."""

import streamlit as st

from ui import content, layout, query
from ui.diagram import diagram
from viz.virtualizability.catalogue_table import instruction_rows, verdict_rows
from viz.virtualizability.isa_sets import sets_graph

layout.header("2.1", "Instruction classes and Popek–Goldberg", "Which instructions must trap for trap-and-emulate to work?")
content.lesson("2.1", "instructions")

catalogue = content.catalogue()
with st.columns([2, 3])[0]:
    isa_id = query.select("Instruction set", {i.id: i.name for i in catalogue.values()}, name="isa", default="ia32")
isa = catalogue[isa_id]
v = isa.verdict()


def linked_instruction():
    """The instruction of a link such as ``?isa=ia32&instruction=SGDT`` (a generated quiz question names its own),
    if this ISA has it; an unknown name gets a notice. Switching the ISA drops it."""
    if st.session_state.get("classes_link_isa", isa_id) != isa_id and "instruction" in st.query_params:
        del st.query_params["instruction"]
    st.session_state["classes_link_isa"] = isa_id
    if "instruction" not in st.query_params:
        return None
    name = query.read_text("instruction", "", max_chars=40)  # too long: a notice, and ""
    if name and not isa.has(name):
        st.info(f"Link notice: the linked instruction is not an instruction of {isa.name}; showing the whole catalogue.", icon="🔗")
    if not name or not isa.has(name):  # noticed once; the link's value leaves the address
        del st.query_params["instruction"]
        return None
    return isa.instruction(name)


asked = linked_instruction()
if asked is not None:
    with st.container(border=True, key="linked_instruction"):
        st.markdown(
            f"**{asked.mnemonic}** on {isa.name}: privileged {'✓' if asked.privileged else '✗'} · "
            f"control-sensitive {'✓' if asked.control_sensitive else '✗'} · "
            f"behaviour-sensitive {'✓' if asked.behaviour_sensitive else '✗'} → class **{asked.category}**. {asked.why}"
        )
graph, verdict = st.columns([3, 2], gap="large")  # the sets first on the screen, the verdict beside them
diagram(sets_graph(isa.name, isa.instructions, v.virtualizable), graph)
with verdict:
    (st.success if v.virtualizable else st.error)(f"**{isa.name}: {'virtualizable' if v.virtualizable else 'not virtualizable'}.** {v.reason}")
    if isa.lecture_claim is not None and isa.lecture_claim != v.virtualizable:
        st.warning("The derived verdict disagrees with the lecture's slide: check the catalogue file.")
    st.markdown(isa.summary)
    if isa.counting_note:
        st.caption(isa.counting_note)

classes = ["all", "critical", "privileged and sensitive", "privileged", "innocuous"]
shown = st.segmented_control("Show", classes, default="all", key="class_filter")
rows = [r for r in instruction_rows(isa.instructions) if shown in (None, "all") or r["Class"] == shown]
st.table([{k: ("✓" if v is True else "" if v is False else v) for k, v in r.items() if k not in ("Critical", "Group", "Source")}
          for r in rows])
with st.expander("Groups and sources of these instructions"):
    st.table([{k: r[k] for k in ("Instruction", "Group", "Source")} for r in rows])
st.caption(f"Source of the ISA data: {isa.source}. Edit lessons/isas/ to correct or extend the catalogue.")

st.header("Verdict per ISA, derived from the catalogue")
st.dataframe(verdict_rows(catalogue), hide_index=True, width="stretch")
st.caption("The verdict is computed from the instructions catalogued here (a teaching selection, not every instruction of each ISA). "
           "For Power and SPARC the lecture's claim is shown.")
