"""2.1 VMM type I vs type II: the two stacks and one disk read travelling through each."""

import streamlit as st

from engine.virtualizability.vmm_stack import DESIGNS, simulate_path
from ui import content, layout
from ui.diagram import diagram
from ui.player import player
from viz.virtualizability.vmm_stack_dot import stack_graph

layout.header("2.1", "VMM type I vs type II", "Where does the VMM sit, and what does that cost when a guest reads from disk?")
content.lesson("2.1", "vmm_types")


@st.cache_resource(show_spinner=False)
def trace(design: str):
    return simulate_path(DESIGNS[design])


st.header("Animation: one guest disk read through each stack")
COUNTERS = {"hops": "hops", "privilege_transitions": "privilege transitions", "vmm_entries": "entries into the VMM"}
for column, design in zip(st.columns(2, gap="large"), DESIGNS.values()):
    with column:
        st.markdown(f"### {design.name}")  # h3 under the section's h2
        st.caption(f"also known as {design.also_known_as}")
        player(trace(design.id), design.id, lambda f, out, d=design: diagram(stack_graph(d, f.state), out), COUNTERS,
               compact=True, client=True)

st.header("Side by side")
rows = []
for d in DESIGNS.values():
    final = trace(d.id)[-1].counters
    rows.append({"Design": d.name, "Also known as": d.also_known_as, "Hops for one disk read": final["hops"],
                 "Privilege transitions": final["privilege_transitions"], "Pro": " ".join(d.pros), "Con": " ".join(d.cons)})
st.table(rows)
st.caption("Simplified model: one read, no caching, no batching; counts are hops in this model, not measurements.")
