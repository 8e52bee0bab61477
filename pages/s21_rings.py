"""2.1 IA-32 protection rings: who runs in which ring, natively and under each technique."""

import streamlit as st

from engine.virtualizability.rings import LAYOUTS, LAYOUTS_BY_ID
from ui import content, layout, query
from ui.diagram import diagram
from viz.virtualizability.rings_dot import rings_graph

layout.header("2.1", "IA-32 protection rings", "A guest kernel expects ring 0. Where does it really run?")
content.lesson("2.1", "rings")

choice = query.select("Set-up", {l.id: l.name for l in LAYOUTS}, name="layout")
chosen = LAYOUTS_BY_ID[choice]
diagram(rings_graph(chosen))
st.markdown(f"**{chosen.name}.** {chosen.note}")
st.caption(f"Source: {chosen.source}")

st.header("All set-ups")
st.table(
    [{"Set-up": l.name, "VMM": "—" if l.vmm_ring is None else f"ring {l.vmm_ring}" + (" (root)" if l.cpu_mode else ""),
      "Guest kernel": f"ring {l.guest_kernel_ring}" + (" (non-root)" if l.cpu_mode else ""),
      "Guest apps": f"ring {l.guest_app_ring}" + (" (non-root)" if l.cpu_mode else ""), "Source": l.source}
     for l in LAYOUTS],
)
