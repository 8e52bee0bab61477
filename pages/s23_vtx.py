"""2.3 VT-x: root and non-root mode, the VMCS and its control bits, VM exits with their real reason numbers."""

import streamlit as st

from engine.assisted import vmx
from ui import content, layout, query
from ui.charts import chart
from ui.player import player
from viz.charts import exits_by_reason
from viz.assisted.vtx_view import exit_rows, modes_graph

layout.header("2.3", "VT-x and the VMCS", "The VMM programs which guest events exit; the CPU does the rest in hardware.")
content.lesson("2.3", "vtx")

preset_id = query.select("Scenario", {k: p.title for k, p in vmx.PRESETS.items()}, name="vtx", default="shadow-paging")
preset = vmx.PRESETS[preset_id]
st.caption(preset.description)
left, right = st.columns(2)
with left:
    controls = st.text_area("VMCS execution controls (edit: `primary: …`, `secondary: …`, `pin: …`, `exceptions: #PF`, `io: ports`)",
                            preset.controls, key=f"vmcs_{preset_id}", height=200)
with right:
    workload = st.text_area("Guest workload (one item per line, `xN` repeats)", preset.workload, key=f"work_{preset_id}", height=200)
generation = st.select_slider("CPU generation (VM-exit latency)", list(vmx.LATENCY),
                              value=preset.generation, key="vtx_generation")

good_key = f"vtx_good_{preset_id}"
try:
    vmcs = vmx.parse_controls(controls)
    trace = vmx.simulate(vmcs, workload, generation)
    st.session_state[good_key] = (controls, workload)
except vmx.VmxError as exc:
    controls, workload = st.session_state.get(good_key, (preset.controls, preset.workload))
    vmcs = vmx.parse_controls(controls)
    trace = vmx.simulate(vmcs, workload, generation)
    st.error(f"{exc} Showing the last VMCS and workload that worked.", icon="✋")
for note in vmx.lint(vmcs):
    st.info(note, icon="💡")

with st.expander("The VMCS as the CPU sees it: areas, fields, encodings and bit positions"):
    st.dataframe(vmx.control_rows(vmcs), hide_index=True, width="stretch")


def render(frame) -> None:
    s = frame.state
    graph, info = st.columns([3, 2])
    graph.graphviz_chart(modes_graph(s), width="stretch")
    with info:
        st.markdown(f"**Guest item:** `{s.item or '—'}`  \n**CPU mode:** {s.mode}")
        rows = exit_rows(s)
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")


player(trace, "vtx", render, counter_labels={"vm_entries": "VM entries", "vm_exits": "VM exits", "cycles": "cycles in exits"})

summary = vmx.exit_summary(trace)
if summary:
    st.markdown(f"**Exits by basic reason** ({generation}: {vmx.LATENCY[generation]:,} cycles hardware round trip "
                f"+ {vmx.HANDLING_CYCLES:,} cycles handling, the app's assumption)")
    chart(exits_by_reason, [{"exit": f"{r['reason']}: {r['name']}", "count": r["count"], "cycles": r["cycles"]} for r in summary])
st.caption(f"Simplified model: {vmx.SIMPLIFICATIONS}")
