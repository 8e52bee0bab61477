"""2.3 Xen and paravirtualization: domains, rings, validated page-table updates, batching, syscalls vs faults."""

import streamlit as st

from engine.assisted import xen
from ui import content, layout, query
from ui.charts import chart
from ui.player import player
from viz.charts import transitions_by_batch
from viz.assisted.xen_view import architecture_graph, cpu_graph, frames_graph

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
CUSTOM = "custom"
preset = query.select("Scenario", {**{k: make().title for k, make in xen.PRESETS.items()}, CUSTOM: "✏️ Build your own mmu_update"},
                      name="xen", default="allowed-update")
if preset != CUSTOM:
    st.caption(xen.PRESETS[preset]().description)
    trace = memory_trace(preset)
else:
    example = xen.PRESETS["batched-updates"]()
    b1, b2, b3 = st.columns([1, 3, 1])
    domain = b1.selectbox("Calling domain", [d.name for d in host().domains], index=1, key="xen_domain")
    text = b2.text_area("Requests: `<table frame> <slot> -> <frame> [rw|ro]` or `-> clear`, one per line",
                        xen.requests_text(example.requests), key="xen_requests", height=160)
    batch = b3.number_input("Updates per hypercall", 1, 16, 3, key="xen_batch")
    me = host().domain(domain)
    st.caption(f"{domain} owns machine frames {', '.join(map(str, me.frames))}; its page table is in frame "
               f"{', '.join(map(str, me.page_tables))}.")
    try:
        trace = xen.simulate_updates(host(), domain, xen.parse_requests(text), batch)
        st.session_state["xen_good"] = (domain, text, batch)
    except xen.XenError as exc:
        domain, text, batch = st.session_state.get("xen_good", ("DomU1", xen.requests_text(example.requests), 3))
        trace = xen.simulate_updates(host(), domain, xen.parse_requests(text), batch)
        st.error(f"{exc} Showing the last requests that worked.", icon="✋")
player(trace, "mem", lambda f: st.graphviz_chart(frames_graph(f.state), width="stretch"),
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
