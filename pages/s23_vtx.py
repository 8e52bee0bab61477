"""2.3 VT-x: root and non-root mode, the VMCS and its control bits, VM exits with their real reason numbers."""

import hashlib

import streamlit as st

from engine.assisted import vmx
from engine.core.trace import Trace
from ui import content, editor, layout, query
from ui.charts import chart
from ui.diagram import diagram
from ui.player import frame_table, player
from viz.charts import exits_by_reason
from viz.assisted.vtx_view import exit_rows, modes_graph

layout.header("2.3", "VT-x and the VMCS", "The VMM programs which guest events exit; the CPU does the rest in hardware.")
content.lesson("2.3", "vtx")

CUSTOM = "custom"
LINK_CHARS = 2000  # a generated question's VMCS is a few lines, its workload one instruction
pick, generation_column = st.columns([3, 2], vertical_alignment="bottom")  # scenario and CPU in one row
with pick:
    preset_id = query.select("Scenario", {**{k: p.title for k, p in vmx.PRESETS.items()}, CUSTOM: "✏️ My own VMCS and workload"},
                             name="vtx", default="shadow-paging")


def linked_scenario() -> tuple[str, str]:
    """The VMCS and workload of a link such as ``?vtx=custom&controls=primary%3A+HLT+exiting&workload=hlt`` (a
    generated quiz question opens its own scenario this way); text the model cannot read gets a notice instead,
    and leaves the address so that the notice shows once."""
    example = vmx.PRESETS["cpuid-hlt"]
    controls = query.read_text("controls", example.controls, max_chars=LINK_CHARS)  # too long: a notice, the example
    workload = query.read_text("workload", example.workload, max_chars=LINK_CHARS)
    try:
        vmx.simulate(vmx.parse_controls(controls), workload)
    except editor.INPUT_ERRORS as exc:  # the link's text, shown as text, not Markdown
        st.info(f"Link notice: the linked VMCS or workload cannot be simulated: {editor.problem(exc, 'scenario')}. "
                "Showing the example instead.", icon="🔗")
        controls, workload = example.controls, example.workload
    for name, used in (("controls", controls), ("workload", workload)):
        if name in st.query_params and st.query_params[name] != used:
            del st.query_params[name]
    return controls, workload


if preset_id == CUSTOM:
    default_controls, default_workload = linked_scenario()
    st.caption("Your own VMCS and guest workload. A generated quiz question opens its scenario here, at the frame that "
               "shows its answer.")
    suffix = "_" + hashlib.sha1(f"{default_controls}\0{default_workload}".encode()).hexdigest()[:8]
    default_generation = "Haswell"
else:
    preset = vmx.PRESETS[preset_id]
    st.caption(preset.description)
    default_controls, default_workload, default_generation, suffix = preset.controls, preset.workload, preset.generation, ""
simulation = st.container()  # the animation comes first on the screen; the VMCS and workload editors sit under it
with st.expander("VMCS and guest workload (edit them)", expanded=preset_id == CUSTOM):
    left, right = st.columns(2)
    with left:
        controls = st.text_area("VMCS execution controls (edit: `primary: …`, `secondary: …`, `pin: …`, `exceptions: #PF`, `io: ports`)",
                                default_controls, key=f"vmcs_{preset_id}{suffix}", height=200)
    with right:
        workload = st.text_area("Guest workload (one item per line, `xN` repeats)", default_workload,
                                key=f"work_{preset_id}{suffix}", height=200)
with generation_column:
    generation = st.select_slider("CPU generation (VM-exit latency)", list(vmx.LATENCY),
                                  value=default_generation, key="vtx_generation",
                                  help=f"Cycles per exit: {vmx.LATENCY_MEANS}.")


def run(both: str) -> tuple[vmx.Vmcs, Trace]:
    """The VMCS and the workload (one text for ui.editor.parsed: the two editors' texts joined by a NUL)."""
    controls_text, workload_text = both.split("\0", 1)
    vmcs = vmx.parse_controls(controls_text)
    return vmcs, vmx.simulate(vmcs, workload_text, generation)


vmcs, trace = editor.parsed(f"{controls}\0{workload}", run, f"vtx_good_{preset_id}{suffix}",
                            f"{default_controls}\0{default_workload}", "VMCS and workload")
for note in vmx.lint(vmcs):
    st.info(note, icon="💡")

with st.expander("The VMCS as the CPU sees it: areas, fields, encodings and bit positions"):
    st.dataframe(vmx.control_rows(vmcs), hide_index=True, width="stretch")


def render(frame, out) -> None:
    s = frame.state
    graph, info = out.columns([3, 2])
    diagram(modes_graph(s), graph)
    info.markdown(f"**Guest item:** `{s.item or '—'}`  \n**CPU mode:** {s.mode}")
    rows = exit_rows(s)
    if rows:
        frame_table(rows, info)


with simulation:
    player(trace, "vtx", render, counter_labels={"vm_entries": "VM entries", "vm_exits": "VM exits", "cycles": "cycles in exits"},
           client=True)
    summary = vmx.exit_summary(trace)
    if summary:
        st.markdown(f"**Exits by basic reason** ({generation}: {vmx.LATENCY[generation]:,} cycles for the hardware VM exit of a page fault "
                    f"+ {vmx.HANDLING_CYCLES:,} cycles handling, the app's assumption; the VM entry back is not charged)")
        chart(exits_by_reason, [{"exit": f"{r['reason']}: {r['name']}", "count": r["count"], "cycles": r["cycles"]}
                                for r in summary])
st.caption(f"Simplified model: {vmx.SIMPLIFICATIONS}")
