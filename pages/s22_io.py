"""2.2 I/O virtualization: one disk read at the system-call, device-driver and I/O-operation level."""

import streamlit as st

from engine.fullvirt import costs
from engine.fullvirt.io_levels import IO_LEVELS, SOURCES
from engine.virtualizability.vmm_stack import simulate_path
from ui import content, layout, query
from ui.diagram import diagram
from ui.player import player
from viz.virtualizability.vmm_stack_dot import stack_graph, step_listing

layout.header("2.2", "I/O virtualization", "Where does the VMM intercept a guest's I/O, and what does each choice cost?")
content.lesson("2.2", "io_levels")


@st.cache_resource(show_spinner=False)
def trace(level: str):
    return simulate_path(IO_LEVELS[level])


@st.cache_data(show_spinner=False)
def summary_rows() -> list[dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for row in costs.workload_summary():
        table.setdefault(str(row["workload"]), {"Workload": str(row["workload"])})[str(row["method"])] = f"{row['slowdown']:.2f}×"
    return list(table.values())


pick, about = st.columns([2, 3], vertical_alignment="center")  # the level and what it is called, in one row
with pick:
    level_id = query.select("Level", {s.id: s.name for s in IO_LEVELS.values()}, name="level", default="driver")
level = IO_LEVELS[level_id]
about.caption(f"At this level {level.also_known_as}.")


def render(frame, out) -> None:
    left, right = out.columns(2)
    diagram(stack_graph(level, frame.state), left)
    right.markdown("**Steps of the read**")
    # wrapped: in half the width a long step would scroll sideways, a region a keyboard cannot reach (axe)
    right.code(step_listing(level, len(frame.state.visited) - 1), language=None, wrap_lines=True)


player(trace(level_id), "io", render,
       counter_labels={"hops": "hops", "vmm_entries": "entries into the VMM (traps, interrupts)",
                       "privilege_transitions": "privilege transitions (≈ context switches)"}, client=True)

st.header("The three levels side by side")
st.table([
    {"Level": s.name, "The VMM intercepts": s.also_known_as.removeprefix("the VMM intercepts "),
     "Entries into the VMM": trace(s.id)[-1].counters["vmm_entries"],
     "Privilege transitions": trace(s.id)[-1].counters["privilege_transitions"],
     "Pros": " ".join(s.pros), "Cons": " ".join(s.cons), "Source": SOURCES[s.id]}
    for s in IO_LEVELS.values()
])
st.caption("Simplified model: one block read; the I/O-operation path uses three register accesses, a real disk "
           "controller needs more, so its trap count is a lower bound.")

st.header("Summary: full virtualization with binary translation")
left, right = st.columns(2)
with left:
    st.markdown("**The lecture's summary**")
    st.table([
        {"Question": "Requires modified guest OS?", "Answer": "NO"},
        {"Question": "Requires hardware support?", "Answer": "NO"},
        {"Question": "Compute-intensive applications", "Answer": "fine: unprivileged instructions run directly on the CPU"},
        {"Question": "Data-intensive applications", "Answer": "decreased performance: I/O requires system calls, privileged "
                                                             "instructions and traps; trap and emulate often requires context "
                                                             "switches, which flush the TLB"},
    ])
with right:
    st.markdown("**What this app's cost model gives** (steady state, × native time)")
    st.table(summary_rows())
st.caption("Source: lecture slide 'Summary Full Virtualization with Binary Translation'. The cost model is the one on the "
           "'Binary translation' page; it counts traps and device accesses but not context switches or TLB refills, "
           "so it understates the data-intensive penalty.")
