"""2.3 Xen and paravirtualization: domains, rings, validated page-table updates, batching, syscalls vs faults."""

import streamlit as st

from engine import xen
from ui import content, layout, query
from ui.charts import chart
from ui.player import player
from viz.charts import transitions_by_batch
from viz.xen_view import architecture_graph, cpu_graph, frames_graph

layout.header("2.3", "Xen and paravirtualization", "A guest that knows it is virtualized asks the hypervisor instead of trapping.")
content.lesson("2.3", "xen")


@st.cache_resource(show_spinner=False)
def host():
    return xen.default_host()


@st.cache_resource(show_spinner=False)
def memory_trace(preset: str):
    return xen.PRESETS[preset]().run()


@st.cache_resource(show_spinner=False)
def cpu_traces():
    return xen.syscall_vs_pagefault()


st.subheader("Architecture: Xen, Domain 0 and Domain U guests")
st.graphviz_chart(architecture_graph(host()), width="stretch")

st.subheader("Memory: static partitions and validated page-table updates")
preset = query.select("Scenario", {k: make().title for k, make in xen.PRESETS.items()}, name="xen", default="allowed-update")
st.caption(xen.PRESETS[preset]().description)
player(memory_trace(preset), "mem", lambda f: st.graphviz_chart(frames_graph(f.state), width="stretch"),
       counter_labels={"hypercalls": "hypercalls", "guest_xen_transitions": "guest↔Xen transitions",
                       "updates_applied": "applied", "updates_rejected": "rejected"})

st.markdown("**Batching:** the same 16 page-table updates, issued with different batch sizes")
chart(transitions_by_batch, [{"batch size": size, "hypercalls": calls, "guest↔Xen transitions": transitions}
                             for size, calls, transitions in xen.transitions_by_batch_size(16, [1, 2, 4, 8, 16])])

st.subheader("CPU: a system call skips Xen, a page fault cannot")
syscall, fault = cpu_traces()
for column, (trace, key, title) in zip(st.columns(2, gap="large"), ((syscall, "sys", "System call"), (fault, "pf", "Page fault"))):
    with column:
        st.markdown(f"#### {title}")
        player(trace, key, lambda f: st.graphviz_chart(cpu_graph(f.state), width="stretch"),
               counter_labels={"xen_entries": "Xen entries", "ring_transitions": "ring transitions"}, compact=True)
st.caption(f"Simplified model: {xen.SIMPLIFICATIONS}")
