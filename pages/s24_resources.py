"""2.4 Resource distribution: static disk and memory partitions, pinned vs scheduled CPUs, FCFS I/O."""

import hashlib

import streamlit as st

from engine.sharing import partition
from ui import content, layout, query
from ui.diagram import diagram
from ui.editor import parsed
from ui.escape import literal
from ui.player import player
from viz.sharing import partition_view as view
from viz.palette import vm_colours
from viz.vega import spec

layout.header("2.4", "Resource distribution",
              "Many VMs share one physical node: how are its disk, memory, CPUs and I/O divided among them?")
content.lesson("2.4", "resources")


@st.cache_resource(show_spinner=False)
def plan_trace(plan: partition.Plan, mode: str):
    return partition.replay(plan, mode)  # type: ignore[arg-type]


@st.cache_resource(show_spinner=False)
def io_trace(requests: tuple[partition.IoRequest, ...]):
    return partition.fcfs_trace(requests)


def append_operation(text_key: str) -> None:
    """The form's operation as one more plan line, so the editor stays the single source of the plan."""
    kind, name = st.session_state["op_kind"], st.session_state["op_name"].strip() or "vm"
    settings = () if kind == "remove" else tuple((k, int(st.session_state[f"op_{k}"])) for k in ("disk", "mem", "vcpus"))
    line = partition.Operation(0, kind, name, settings).text
    st.session_state[text_key] = st.session_state[text_key].rstrip("\n") + "\n" + line + "\n"


# --------------------------------------------------------------------------- disk and memory

st.header("Disk and memory: statically partitioned")
LINKED = "custom"  # a plan given as text in the link (?layout=custom&plan=...), e.g. by a generated quiz question
LINK_CHARS = 2000


def linked_plan() -> str:
    """The link's ``plan`` text if the plan reader accepts it; otherwise '' (after a notice if there was one)."""
    if "plan" not in st.query_params:
        return ""
    text = query.read_text("plan", "", max_chars=LINK_CHARS).strip()  # too long: a notice, and ""
    try:
        if text:
            partition.parse_plan(text)
    except partition.PartitionError as exc:
        st.info(f"Link notice: the linked plan cannot be read: {literal(exc)}. Showing the first preset's plan.",
                icon="🔗")
        text = ""
    return text


pick, cpu = st.columns([3, 2])
with pick:
    preset_id = query.select("Scenario", {k: p.title for k, p in partition.PLAN_PRESETS.items()}
                             | {LINKED: "🔗 Plan from a link"}, name="layout")
with cpu:
    mode = query.select("CPUs", partition.CPU_MODES, name="cpus")
if preset_id == LINKED:
    linked = linked_plan()
    first = next(iter(partition.PLAN_PRESETS.values()))
    preset = partition.Preset(LINKED, "Plan from a link",
                              "The plan of the link (for example a generated quiz question): edit it like any other."
                              if linked else "No usable plan in the link: this is the first preset's plan; edit it.",
                              linked or first.text)
    plan_key = f"plan_{LINKED}" + (f"_{hashlib.sha1(linked.encode()).hexdigest()[:8]}" if linked else "")
else:
    preset, plan_key = partition.PLAN_PRESETS[preset_id], f"plan_{preset_id}"
st.caption(preset.description)
edit, result = st.columns([2, 3], gap="large")  # the plan beside what it gives, both on the first screen
with edit:
    text = st.text_area("Plan (edit me)", preset.text, key=plan_key, height=170)
    st.caption("First line `host disk=<GB> mem=<GiB> pcpus=<cores>`, then one operation per line: `<vm> disk=<GB> "
               "mem=<GiB> vcpus=<n> [load=<% of a core>]` adds a VM, `resize <vm> mem=<GiB> …`, `remove <vm>`; `#` comments.")

with st.form("plan_op", border=True):
    kind, name, disk, mem, vcpus, go = st.columns([1.2, 1.3, 1, 1, 0.9, 0.9], vertical_alignment="bottom")
    kind.selectbox("Operation", ("add", "resize", "remove"), key="op_kind")
    name.text_input("VM name", "cache", key="op_name")
    disk.number_input("disk (GB)", 1, partition.MAX_DISK_GB, 50, key="op_disk")
    mem.number_input("memory (GiB)", 1, partition.MAX_MEM_GIB, 4, key="op_mem")
    vcpus.number_input("vCPUs", 1, partition.MAX_VCPUS, 1, key="op_vcpus")
    go.form_submit_button("Append", on_click=append_operation, args=(plan_key,), width="stretch")
with edit:
    plan = parsed(text, partition.parse_plan, "plan_good_" + plan_key.removeprefix("plan_"), preset.text, "plan")
trace = plan_trace(plan, mode)
colours = vm_colours([op.name for op in plan.operations])
current = trace[-1].state
with result:
    st.vega_lite_chart(spec(view.partition_chart, view.partition_rows(current, colours)), width="stretch")
    st.caption(f"After the whole plan: {current.summary()}.")
    for refusal in partition.refusal_summary(trace):  # each refusal, or one summary when more than three
        st.error(literal(refusal), icon="🚫")

st.header("CPUs: pinned or scheduled")
diagram(view.cores_graph(current, colours))
final = {m: plan_trace(plan, m)[-1] for m in partition.CPU_MODES}
use = {m: partition.utilisation(f.state) for m, f in final.items()}
st.table([{"The same plan, CPUs": partition.CPU_MODES[m], "VMs placed": ", ".join(v.name for v in f.state.vms) or "—",
           "Operations refused": f.counters["refused"], "CPU utilisation": f"{use[m].utilisation:.0%}",
           "Idle on pinned cores": f"{use[m].wasted:.0%}"} for m, f in final.items()])
st.caption("CPU utilisation: core time in use ÷ all core time. Idle on pinned cores: core time a pinned VM leaves "
           "unused, which no other VM may take.")

st.markdown("**Step through the plan**, one operation per frame")


def render_plan(frame, out) -> None:
    out.vega_lite_chart(spec(view.partition_chart, view.partition_rows(frame.state, colours)), width="stretch")


player(trace, "plan", render_plan,
       counter_labels={"added": "added", "resized": "resized", "removed": "removed", "refused": "refused"},
       shortcuts=False, client=True)

# --------------------------------------------------------------------------- I/O

st.header("I/O access: first come, first served")
io_id = query.select("I/O scenario", {k: p.title for k, p in partition.IO_PRESETS.items()}, name="io")
io_preset = partition.IO_PRESETS[io_id]
st.caption(io_preset.description)
edit, table = st.columns([2, 3], gap="large")
with edit:
    io_text = st.text_area("Requests (edit me): `<vm> at=<ms> service=<ms> [count=<n>] [every=<ms>]`", io_preset.text,
                           key=f"io_{io_id}", height=150)
requests = parsed(io_text, partition.parse_requests, f"io_good_{io_id}", io_preset.text, "requests")
busiest, waits = partition.waits_table(requests)
with table:
    st.table([{"VM": w.vm, "requests": w.requests, "mean wait (ms)": f"{w.mean:.1f}", "longest wait (ms)": w.longest,
               f"mean wait without {busiest} (ms)": "—" if w.mean_without_busiest is None
               else f"{w.mean_without_busiest:.1f}"} for w in waits])
io_colours = vm_colours([r.vm for r in requests])
trace_io = io_trace(requests)


def render_io(frame, out) -> None:
    s = frame.state
    out.vega_lite_chart(spec(view.io_chart, view.io_rows(s, io_colours)), width="stretch")
    out.markdown(f"**Device:** {s.serving or 'idle'} · **Queue:** {', '.join(s.queue) or 'empty'}")


player(trace_io, "fcfs", render_io, counter_labels={"served": "requests completed", "waited_ms": "total waiting (ms)"},
       client=True)
st.caption("Grey dashed bar: waiting in the queue; coloured bar: on the device; blue line: now. "
           f"Simplified model: {partition.SIMPLIFICATIONS} Source: {partition.SOURCES}")
