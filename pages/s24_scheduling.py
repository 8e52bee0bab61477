"""2.4 VM CPU scheduling: static pinning, Xen's Credit, Credit2 and RTDS on one host, decision by decision."""

import streamlit as st

from engine.sharing import sched
from engine.sharing.sched_presets import PRESETS
from ui import content, layout, query
from ui.player import player
from ui.sched_views import compare_schedulers, metrics_section, played, scenario_editor
from viz.sharing import sched_charts as charts
from viz.palette import colour_key, vm_colours
from viz.vega import spec
from viz.sharing.sched_tables import frame_table

layout.header("2.4", "VM CPU scheduling",
              "Who runs next, and why? Fair shares by weight, caps, BOOST for waking vCPUs, and deadlines.")
content.lesson("2.4", "scheduling")

SCENARIOS = {k: p for k, p in PRESETS.items() if not k.startswith("shared-io")}  # those are on the Shared I/O page

pick, choose = st.columns([3, 2])
with pick:
    preset_id = query.select("Scenario", {k: p.title for k, p in SCENARIOS.items()}, name="preset", default="weights")
preset = SCENARIOS[preset_id]
if st.session_state.get("sched_preset_seen", preset_id) != preset_id:
    st.session_state["q_sched"] = preset.scheduler  # a new scenario starts with the scheduler that makes its point
st.session_state["sched_preset_seen"] = preset_id
with choose:
    scheduler = query.select("Scheduler", dict(sched.SCHEDULER_LABELS), name="sched", default=preset.scheduler)
st.caption(preset.description)
scenario = scenario_editor(preset_id, preset.scenario, scheduler)
trace, _ = played(scenario, scheduler)
colours = vm_colours([vm.name for vm in scenario.vms])
window = min(sched.DEFAULT_WINDOW_MS, scenario.duration_ms)


def render(frame) -> None:
    st.vega_lite_chart(spec(charts.gantt, charts.gantt_rows(frame.state, window, colours)), width="stretch")
    st.table(frame_table(frame.state))


st.markdown(f"**{sched.SCHEDULER_LABELS[scheduler]}**, the first {window} ms of the run, one frame per scheduling "
            f"decision. Colours: {colour_key(colours)}; black = Domain 0 I/O, pale dashed = idle, blue line = now.")
player(trace, "sched", render, counter_labels={name: name for name in sched.COUNTERS})
with st.expander("Where this model simplifies the real Xen scheduler"):
    st.markdown("\n".join(f"- {line}" for line in sched.SIMPLIFICATIONS[scheduler]))

metrics_section(scenario, scheduler)
compare_schedulers(scenario, key="sched_compare")
