"""2.2 Shadow page tables: the VMM keeps shadow = VMM map ∘ guest table by trapping the guest's MMU operations."""

import streamlit as st

from engine.fullvirt.shadow import PRESETS
from ui import content, layout, query
from ui.player import player
from viz.fullvirt.shadow_view import op_listing, shadow_graph

layout.header("2.2", "Shadow page tables", "The guest keeps its own page tables; the hardware uses the VMM's shadow copy.")
content.lesson("2.2", "shadow")

scenario_id = query.select("Scenario", {k: make().title for k, make in PRESETS.items()}, name="scenario")
scenario = PRESETS[scenario_id]()
st.caption(scenario.description)


@st.cache_resource(show_spinner=False)
def trace(scenario_id: str):
    return PRESETS[scenario_id]().run()


def render(frame) -> None:
    s = frame.state
    st.graphviz_chart(shadow_graph(s), width="stretch")
    problems = s.invariant_violations()
    if problems:
        st.error("Invariant broken: " + "; ".join(problems))
    else:
        st.success("Invariant holds: every shadow entry = VMM map ∘ guest entry, with no more rights than the guest's.",
                   icon="✅")
    st.markdown("**Guest operations**")
    st.code(op_listing(scenario.ops, s.step), language=None)


player(trace(scenario_id), "shadow", render,
       counter_labels={"traps": "traps", "hidden_faults": "hidden faults", "true_faults": "true faults",
                       "shadow_updates": "shadow updates", "cr3_switches": "CR3 switches"})
st.caption("Simplified model: one-level tables of the teaching size; the guest's memory is one contiguous block of "
           "host frames; accessed/dirty bits are not emulated.")
