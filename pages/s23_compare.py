"""2.3 Comparing the approaches: BT, paravirtualization and VT-x (with and without EPT) on the same workloads."""

import math

import streamlit as st

from engine.assisted import compare
from ui import content, layout
from ui.charts import chart
from viz.charts import interventions_by_workload

layout.header("2.3", "Comparing the approaches", "The same guest workloads under full, OS-assisted and hardware-assisted virtualization.")
content.lesson("2.3", "compare")

st.subheader("Computed by the engine: VMM interventions on four workloads")
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


def extra_cycles(r: compare.Result) -> str:
    """Cycles above native from published figures; "unknown" where none is published, never a made-up 0."""
    events = {w.id: w for w in compare.WORKLOADS}[r.workload].events
    known = [e for e, n in events.items() if n and compare.overhead_cycles(r.technique, e) is not None]
    if r.unknown_events and not any(compare.INTERVENTIONS[r.technique][e][0] for e in known):
        return "unknown"
    text = f"{r.overhead_cycles / 1e6:,.1f} M" if r.overhead_cycles else "0"
    return f"{text} + unknown" if r.unknown_events else text


st.table([{"Workload": names[r.workload], "Approach": compare.TECHNIQUE_LABELS[r.technique],
           "Interventions / 10⁶ instr.": f"{r.interventions:,.2f}".rstrip("0").rstrip("."),  # as on the chart
           "Extra cycles / 10⁶ instr. (published per-event figures)": extra_cycles(r),
           "Events without a published figure": ", ".join(compare.EVENT_LABELS[e] for e in r.unknown_events) or "—"}
          for r in results])
with st.expander("Why each event does or does not involve the VMM"):
    st.table([{"Event": compare.EVENT_LABELS[e], **{compare.TECHNIQUE_LABELS[t]: compare.INTERVENTIONS[t][e][1]
                                                    for t in compare.TECHNIQUES}} for e in compare.EVENTS])
st.caption("Model: event counts per million guest instructions are this app's choice of mix (see engine/assisted/compare.py). "
           "Cycles use Adams & Agesen's per-event nanobenchmarks (Pentium 4 672, 2006); a negative number means "
           f"faster than native: BT emulates IN in the translation cache in 214 cycles, a real device access takes 3,209. "
           f"Paravirtualization batches {compare.PV_BATCH} page-table updates per hypercall; EPT's longer 2D walks are not counted.")

st.subheader("The lecture's summary")  # under the computed comparison, which opens the page
st.table(list(compare.LECTURE_SUMMARY))

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
