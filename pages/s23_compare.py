"""2.3 Comparing the approaches: BT, paravirtualization and VT-x (with and without EPT) on the same workloads."""

import math

import streamlit as st

from engine.assisted import compare
from ui import content, layout
from ui.charts import chart
from viz.charts import interventions_by_workload

layout.header("2.3", "Comparing the approaches", "The same guest workloads under full, OS-assisted and hardware-assisted virtualization.")
content.lesson("2.3", "compare")

st.header("Computed by the engine: VMM interventions on four workloads")
names = {w.id: w.name for w in compare.WORKLOADS}
results = compare.table()
rows = [{"workload": names[r.workload], "technique": compare.TECHNIQUE_LABELS[r.technique],
         "interventions": r.interventions} for r in results]
# one axis for every panel: up to the next power of ten above the largest count
top = 10.0 ** math.ceil(math.log10(max(1.0, max(r["interventions"] for r in rows))))
st.caption("Log scale: each grid line is ten times the one before it. A diamond at 0 means the VMM is never entered.")
for pair in (compare.WORKLOADS[i:i + 2] for i in range(0, len(compare.WORKLOADS), 2)):
    for column, workload in zip(st.columns(2, gap="large"), pair):
        chart(interventions_by_workload, [{**r, "top": top} for r in rows if r["workload"] == workload.name], column)


st.table([{"Workload": names[r.workload], "Approach": compare.TECHNIQUE_LABELS[r.technique],
           "Interventions / 10⁶ instr.": f"{r.interventions:,.2f}".rstrip("0").rstrip("."),  # as on the chart
           "Extra cycles / 10⁶ instr. (published per-event figures)": compare.cost_text(r),
           "Events without a published figure": ", ".join(compare.EVENT_LABELS[e] for e in r.unknown_events) or "—"}
          for r in results])
with st.expander("Why each event does or does not involve the VMM"):
    st.table([{"Event": compare.EVENT_LABELS[e], **{compare.TECHNIQUE_LABELS[t]: compare.INTERVENTIONS[t][e][1]
                                                    for t in compare.TECHNIQUES}} for e in compare.EVENTS])
st.caption("Model: event counts per million guest instructions are this app's choice of mix (see engine/assisted/compare.py). "
           "Cycles use Adams & Agesen's per-event nanobenchmarks (Pentium 4 672, 2006). A port I/O instruction is "
           "charged its whole emulation path (BT: 214 cycles in the translation cache; VT-x: 15,826 with an exit), "
           "not that minus a real device's 3,209 cycles: the emulated device does other work than the real one, and "
           "the real device work in the VMM's back end is not counted in either run. "
           f"Paravirtualization batches {compare.PV_BATCH} page-table updates per hypercall; EPT's longer 2D walks are not counted. "
           f"{compare.MMIO_NOTE}")

st.header("The lecture's summary")  # under the computed comparison, which opens the page
st.table(list(compare.LECTURE_SUMMARY))

st.header("Published figures")
left, right = st.columns(2)
with left:
    st.markdown("**Software vs hardware VMM (2006)**")
    st.table(list(compare.ADAMS_AGESEN))
    st.caption(compare.ADAMS_AGESEN_SOURCE)
with right:
    st.markdown("**Xen vs others (2003)**")
    st.table(list(compare.XEN_PAPER))
    st.caption(compare.XEN_PAPER_SOURCE)
