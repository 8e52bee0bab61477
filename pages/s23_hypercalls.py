"""2.3 Hypercalls (synchronous), events (asynchronous) and split drivers over a shared I/O ring."""

import streamlit as st

from engine.assisted import xen
from ui import content, layout, query
from ui.diagram import diagram
from ui.player import frame_table, player
from viz.assisted.xen_view import cpu_graph, event_rows, ring_graph

layout.header("2.3", "Hypercalls, events and split drivers", "How a paravirtualized guest talks to Xen and to Domain 0.")
content.lesson("2.3", "split_drivers")

st.header("Hypercall: a synchronous call into Xen")
names = sorted(xen.HYPERCALLS, key=xen.HYPERCALLS.get)
name = query.select("Hypercall", {n: f"{xen.HYPERCALLS[n]}: {n}" for n in names}, name="hypercall", default="mmu_update")


def render_hypercall(frame, out) -> None:
    left, right = out.columns([3, 2])
    diagram(cpu_graph(frame.state), left)
    frame_table([{"#": number, "Hypercall": n, "": "◀" if n == name else ""} for n, number in sorted(
        xen.HYPERCALLS.items(), key=lambda item: item[1])], right, max_rows=8)
    right.caption("Numbers from xen.git public/xen.h.")


player(xen.hypercall_flow(name), "hcall", render_hypercall,
       counter_labels={"hypercalls": "hypercalls", "guest_xen_transitions": "guest↔Xen transitions"}, client=True)

st.header("Event: an asynchronous notification")


def render_event(frame, out) -> None:
    mask = "masked (the guest's 'virtual CLI' is set: events wait)" if frame.state.masked else "unmasked"
    out.markdown(f"**Running:** {frame.state.actor} · **event mask:** {mask}")
    frame_table(event_rows(frame.state), out)


player(xen.event_flow(), "event", render_event,
       counter_labels={"events_sent": "events sent", "events_deferred": "deferred while masked", "callbacks": "callbacks"},
       shortcuts=False, client=True)

st.header("Split driver: one request end to end")
kind = query.select("Device", {"block": "Block device (blkfront / blkback)", "net": "Network (netfront / netback)"}, name="device")
player(xen.split_driver_request(kind), "ring", lambda f, out: diagram(ring_graph(f.state), out),
       counter_labels={"requests": "requests", "responses": "responses", "event_notifications": "event notifications",
                       "hypercalls": "hypercalls"}, shortcuts=False, client=True)
st.caption(f"Simplified model: {xen.SIMPLIFICATIONS}")
