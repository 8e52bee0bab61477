"""2.3 Xen and paravirtualization: domains, rings, validated page-table updates, batching, syscalls vs faults."""

import hashlib

import streamlit as st

from engine.assisted import xen
from ui import content, editor, layout, query
from ui.charts import chart
from ui.diagram import diagram
from ui.player import player
from viz.charts import transitions_by_batch
from viz.assisted.xen_view import architecture_graph, cpu_graph, frames_graph

layout.header("2.3", "Xen and paravirtualization", "A guest that knows it is virtualized asks the hypervisor instead of trapping.")
content.lesson("2.3", "xen")


LAYOUTS = 1000  # memory layouts: how xen.default_host(seed) deals the frames out; a link may choose one (?xen-layout=17)
LINK_CHARS = 2000  # a generated question's requests: at most 64 short lines
memory_layout = query.read_int("xen-layout", 0, 0, LAYOUTS - 1)
if "xen-layout" in st.query_params:
    st.query_params["xen-layout"] = str(memory_layout)  # a bad value was noticed once; the address now holds the one shown


@st.cache_resource(show_spinner=False)
def host(seed: int = 0):
    return xen.default_host(seed)


@st.cache_resource(show_spinner=False)
def memory_trace(preset: str, seed: int = 0):
    return xen.PRESETS[preset](seed).run()


@st.cache_resource(show_spinner=False)
def cpu_traces():
    return xen.syscall_vs_pagefault()


st.header("Architecture: Xen, Domain 0 and Domain U guests")
diagram(architecture_graph(host(memory_layout)))
if memory_layout:
    st.caption(f"Memory layout #{memory_layout}: the frames are dealt out to the domains in another interleaving than the default.")

st.header("Memory: static partitions and validated page-table updates")
CUSTOM = "custom"
preset = query.select("Scenario", {**{k: make().title for k, make in xen.PRESETS.items()}, CUSTOM: "✏️ Build your own mmu_update"},
                      name="xen", default="allowed-update")


def linked_builder(example: xen.XenScenario) -> tuple[str, str, int, str]:
    """(domain, requests, batch size, key suffix) for the builder: from a link such as
    ``?xen=custom&domain=DomU2&requests=7+9+-%3E+12+ro&batch=1`` (a generated quiz question opens its request this
    way), else the example. A value the builder cannot use gets a notice and leaves the address."""
    names = [d.name for d in host(memory_layout).domains]
    domain, text = "DomU1", xen.requests_text(example.requests)
    batch = query.read_int("batch", example.batch_size, 1, 16)
    if "domain" in st.query_params:
        if st.query_params["domain"] in names:
            domain = st.query_params["domain"]
        else:
            st.info(f"Link notice: 'domain' is not one of {', '.join(names)}; using {domain}.", icon="🔗")
            del st.query_params["domain"]
    if "requests" in st.query_params:
        linked = query.read_text("requests", text, max_chars=LINK_CHARS)  # too long: a notice, and the example
        try:
            xen.parse_requests(linked)
            text = linked
        except editor.INPUT_ERRORS as exc:  # the link's text, shown as text
            st.info(f"Link notice: the linked requests cannot be read: {editor.problem(exc, 'requests')}. Showing "
                    "the example.", icon="🔗")
        if st.query_params["requests"] != text:  # noticed once; the address now holds what is shown
            del st.query_params["requests"]
    if "batch" in st.query_params and st.query_params["batch"] != str(batch):
        del st.query_params["batch"]
    given = [name for name in ("domain", "requests", "batch") if name in st.query_params]
    suffix = "_" + hashlib.sha1(f"{memory_layout}\0{domain}\0{text}\0{batch}".encode()).hexdigest()[:8] if given or memory_layout else ""
    return domain, text, batch, suffix


if preset != CUSTOM:
    st.caption(xen.PRESETS[preset]().description)
    trace = memory_trace(preset, memory_layout)
else:
    example = xen.PRESETS["batched-updates"](memory_layout)
    linked_domain, linked_text, linked_batch, suffix = linked_builder(example)
    names = [d.name for d in host(memory_layout).domains]
    b1, b2, b3 = st.columns([1, 3, 1])
    domain = b1.selectbox("Calling domain", names, index=names.index(linked_domain), key=f"xen_domain{suffix}")
    text = b2.text_area("Requests: `<table frame> <slot> -> <frame> [rw|ro]` or `-> clear`, one per line",
                        linked_text, key=f"xen_requests{suffix}", height=160)
    batch = b3.number_input("Updates per hypercall", 1, 16, linked_batch, key=f"xen_batch{suffix}")
    me = host(memory_layout).domain(domain)
    st.caption(f"{domain} owns machine frames {', '.join(map(str, me.frames))}; its page table is in frame "
               f"{', '.join(map(str, me.page_tables))}.")

    def updates(state: str):
        """Domain, batch size and requests (one text for ui.editor.parsed, NUL-separated) as the update trace."""
        caller, size, requests = state.split("\0", 2)
        return xen.simulate_updates(host(memory_layout), caller, xen.parse_requests(requests), int(size))

    trace = editor.parsed(f"{domain}\0{batch}\0{text}", updates, f"xen_good{suffix}",
                          f"{linked_domain}\0{linked_batch}\0{linked_text}", "requests")
player(trace, "mem", lambda f, out: diagram(frames_graph(f.state), out),
       counter_labels={"hypercalls": "hypercalls", "guest_xen_transitions": "guest↔Xen transitions",
                       "updates_applied": "applied", "updates_rejected": "rejected"}, client=True)

st.markdown("**Batching:** the same 16 page-table updates, issued with different batch sizes")
chart(transitions_by_batch, [{"batch size": size, "hypercalls": calls, "guest↔Xen transitions": transitions}
                             for size, calls, transitions in xen.transitions_by_batch_size(16, [1, 2, 4, 8, 16])])

st.header("CPU: a 32-bit guest's system call skips Xen, a page fault cannot")
st.caption(xen.SYSCALL_X86_64)
syscall, fault = cpu_traces()
for column, (trace, key, title) in zip(st.columns(2, gap="large"), ((syscall, "sys", "System call"), (fault, "pf", "Page fault"))):
    with column:
        st.markdown(f"### {title}")  # h3 under the section's h2
        player(trace, key, lambda f, out: diagram(cpu_graph(f.state), out),
               counter_labels={"xen_entries": "Xen entries", "ring_transitions": "ring transitions"}, compact=True,
               client=True)
st.caption(f"Simplified model: {xen.SIMPLIFICATIONS}")
