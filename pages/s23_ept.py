"""2.3 Extended/nested page tables, tagged TLBs and direct device assignment."""

import streamlit as st

from engine.assisted import nested_paging, vmx
from ui import content, layout, query
from ui.charts import chart
from ui.diagram import diagram
from ui.player import frame_table, player
from viz.charts import tagged_vs_flushed
from viz.assisted.vtx_view import dma_rows, nested_graph

layout.header("2.3", "Nested paging, tagged TLB, device assignment", "Hardware support for memory and I/O virtualization.")
content.lesson("2.3", "ept")

st.header("The two-dimensional page walk")
c1, c2, worst = st.columns([2, 2, 3], vertical_alignment="center")  # both sizes and what they cost, in one row
# The level counts are in the address as ept-n / ept-m (a generated quiz question links its own walk this way).
n = c1.slider("Guest page-table levels (n)", 1, nested_paging.MAX_LEVELS,
              query.read_int("ept-n", 4, 1, nested_paging.MAX_LEVELS), key="ept_n")
m = c2.slider("EPT levels (m)", 1, nested_paging.MAX_LEVELS,
              query.read_int("ept-m", 4, 1, nested_paging.MAX_LEVELS), key="ept_m")
st.query_params["ept-n"], st.query_params["ept-m"] = str(n), str(m)
worst.markdown(f"Worst case: (n+1)(m+1) − 1 = ({n}+1)({m}+1) − 1 = **{nested_paging.references(n, m)}** memory references "
               f"for one TLB miss, against {n} natively.")
player(nested_paging.nested_walk(n, m), "nested", lambda f, out: diagram(nested_graph(f.state), out),
       counter_labels={"references": "references", "host_references": "EPT (host) references", "guest_references": "guest references"},
       client=True)

st.header("What EPT removes: exits of shadow paging vs EPT for the same guest")
st.table(nested_paging.shadow_vs_ept_exits(vmx.PAGE_TABLE_WORKLOAD))

st.header("Tagged TLB: VM switches with and without VPIDs")
t1, t2, t3 = st.columns(3)
vms = t1.slider("VMs", 2, 4, 2, key="tag_vms")
switches = t2.slider("VM switches", 1, 40, 10, key="tag_switches")
entries = t3.select_slider("TLB entries", [8, 16, 32, 64], value=32, key="tag_entries")


@st.cache_data(show_spinner=False)
def tlb_rows(vms: int, switches: int, entries: int) -> list[dict]:
    workload = [page for _ in range(3) for page in range(8)]  # each VM loops over 8 pages, three times per turn
    rows = []
    for tagged, label in ((False, "flushed on every switch"), (True, "tagged with VPIDs")):
        s = vmx.tagged_tlb(workload, vms, switches, entries, tagged)
        rows.append({"TLB": label, "hit rate": s.hit_rate, "walk references": s.walk_references, "flushes": s.flushes,
                     "VPIDs": ", ".join(map(str, s.vpids))})
    return rows


rows = tlb_rows(vms, switches, entries)
left, right = st.columns([2, 3])
with left:
    chart(tagged_vs_flushed, rows)
with right:
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption("Each miss costs a nested walk (24 references for 4+4 levels). VPID 0 is reserved for the VMM; "
               "VPIDs are 16 bits.")

st.header("Direct device assignment and the IOMMU")
d1, d2 = st.columns(2)
target = d1.radio("The device (assigned to VM1) writes by DMA into", list(vmx.GUESTS), key="dma_target", horizontal=True)
iommu = d2.toggle("IOMMU on", value=True, key="dma_iommu")
player(vmx.dma_flow("VM1", target, iommu), "dma", lambda f, out: frame_table(dma_rows(f.state), out),
       counter_labels={"dma_writes": "DMA writes", "iommu_translations": "IOMMU translations", "iommu_faults": "IOMMU faults",
                       "corruptions": "corrupted"}, shortcuts=False, client=True)
st.caption("The lecture: with direct assignment the VMM must still ensure correctness and isolation. An IOMMU (Intel VT-d, "
           f"AMD-Vi) translates and checks every DMA address of the device. Simplified model: {nested_paging.SIMPLIFICATIONS}")
