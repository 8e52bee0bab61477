"""2.1 VMM type I vs type II: the two stacks and one disk read travelling through each."""

import streamlit as st

from engine.vmm_stack import DESIGNS, simulate_disk_read
from ui import content, layout, query
from ui.player import player
from viz.vmm_stack_dot import stack_graph

layout.header("2.1", "VMM type I vs type II", "Where does the VMM sit, and what does that cost when a guest reads from disk?")
content.lesson("2.1", "vmm_types")


@st.cache_resource(show_spinner=False)
def trace(design: str):
    return simulate_disk_read(design)


st.subheader("Animation: one guest disk read")
design = query.select("VMM design", {d.id: f"{d.name} ({d.also_known_as})" for d in DESIGNS.values()}, name="design")
player(trace(design), "stack", lambda f: st.graphviz_chart(stack_graph(f.state), width="stretch"),
       counter_labels={"hops": "hops", "privilege_transitions": "privilege transitions", "vmm_entries": "entries into the VMM"})

st.subheader("Side by side")
rows = []
for d in DESIGNS.values():
    final = trace(d.id)[-1].counters
    rows.append({"Design": d.name, "Also known as": d.also_known_as, "Hops for one disk read": final["hops"],
                 "Privilege transitions": final["privilege_transitions"], "Pro": " ".join(d.pros), "Con": " ".join(d.cons)})
st.dataframe(rows, hide_index=True, width="stretch")
st.caption("Simplified model: one read, no caching, no batching; counts are hops in this model, not measurements.")
