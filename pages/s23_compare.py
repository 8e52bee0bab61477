"""2.3 Comparing the approaches: BT, paravirtualization and VT-x (with and without EPT) on the same workloads."""

import streamlit as st

from engine.assisted import compare
from ui import content, layout
from ui.charts import chart
from viz.charts import interventions_by_workload

layout.header("2.3", "Comparing the approaches", "The same guest workloads under full, OS-assisted and hardware-assisted virtualization.")
content.lesson("2.3", "compare")

st.subheader("The lecture's summary")
st.table(list(compare.LECTURE_SUMMARY))

st.subheader("Computed by the engine: VMM interventions on four workloads")
names = {w.id: w.name for w in compare.WORKLOADS}
results = compare.table()
chart(interventions_by_workload, [{"workload": names[r.workload], "technique": compare.TECHNIQUE_LABELS[r.technique],
                                   "interventions": r.interventions} for r in results])
st.table([{"Workload": names[r.workload], "Approach": compare.TECHNIQUE_LABELS[r.technique],
           "Interventions / 10⁶ instr.": f"{r.interventions:,.0f}",
           "Extra cycles / 10⁶ instr. (published per-event figures)": f"{r.overhead_cycles / 1e6:,.1f} M",
           "Events without a published figure": ", ".join(compare.EVENT_LABELS[e] for e in r.unknown_events) or "—"}
          for r in results])
with st.expander("Why each event does or does not involve the VMM"):
    st.table([{"Event": compare.EVENT_LABELS[e], **{compare.TECHNIQUE_LABELS[t]: compare.INTERVENTIONS[t][e][1]
                                                    for t in compare.TECHNIQUES}} for e in compare.EVENTS])
st.caption("Model: event counts per million guest instructions are this app's choice of mix (see engine/assisted/compare.py). "
           "Cycles use Adams & Agesen's per-event nanobenchmarks (Pentium 4 672, 2006); a negative number means "
           f"faster than native: BT emulates IN in the translation cache in 214 cycles, a real device access takes 3,209. "
           f"Paravirtualization batches {compare.PV_BATCH} page-table updates per hypercall; EPT's longer 2D walks are not counted.")

st.subheader("Published figures")
left, right = st.columns(2)
with left:
    st.markdown("**Software vs hardware VMM (2006)**")
    st.table(list(compare.ADAMS_AGESEN))
    st.caption(compare.ADAMS_AGESEN_SOURCE)
with right:
    st.markdown("**Xen vs others (2003)**")
    st.table(list(compare.XEN_PAPER))
    st.caption(compare.XEN_PAPER_SOURCE)
