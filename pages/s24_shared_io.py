"""2.4 Shared I/O: Domain 0 spends CPU time on the guests' I/O, and the other guests feel it without knowing why."""

import streamlit as st

from engine.sharing import sched
from engine.sharing.sched_presets import PRESETS, with_shared_io
from ui import content, layout, query
from ui.player import frame_table as show_table, player
from ui.sched_views import (browser_sized, compare_schedulers, effect_table, guest_chart, played, response_chart,
                            scenario_editor, shared_io_effect_of)
from viz.sharing import sched_charts as charts
from viz.palette import colour_key, vm_colours
from viz.vega import spec
from viz.sharing.sched_tables import frame_table

layout.header("2.4", "Shared I/O",
              "Processing the guests' I/O costs the VMM CPU time too, and the other guests pay for it in delay.")
content.lesson("2.4", "shared_io")

IO_MODES = {"bursty": "on, bursty (1–8 requests per completion)", "steady": "on, one request per completion",
            "off": "off (the cost ignored, as if I/O were free)"}
base = PRESETS["shared-io"]
pick, choose = st.columns([3, 2])
with pick:
    mode = query.select("Domain 0's I/O processing", IO_MODES, name="io", default="bursty")
with choose:
    scheduler = query.select("Scheduler", dict(sched.SCHEDULER_LABELS), name="sched", default=base.scheduler)
st.caption(base.description)
simulation = st.container()  # the animation comes first on the screen; the scenario editor sits under it
edited = scenario_editor("shared-io", base.scenario, scheduler)
scenario = with_shared_io(edited, mode != "off", mode == "bursty")
colours = vm_colours([vm.name for vm in scenario.vms])
window = min(sched.DEFAULT_WINDOW_MS, scenario.duration_ms)
trace, _ = played(scenario, scheduler)


def render(frame, out=st) -> None:  # out: a ui.canvas.Canvas for the browser, st on the server's player
    out.vega_lite_chart(spec(charts.gantt, charts.gantt_rows(frame.state, window, colours)), width="stretch")
    out.markdown(f"**The host's view** with I/O processing {IO_MODES[mode].split(' (')[0]}: the first {window} ms. "
                "Black bars are Domain 0 processing the storage VM's I/O on its pCPU, ahead of every guest. "
                f"Colours: {colour_key(colours)}; pale dashed = idle, blue line = now.")
    out.markdown(f"**Domain 0's I/O queue:** {frame.state.io_queue} request(s) waiting")
    show_table(frame_table(frame.state), out)


with simulation:  # the chart's key is under it (render), so the chart itself starts on the first screen
    player(trace, "io", render, counter_labels={"I/O jobs": "I/O jobs processed", "context switches": "context switches",
                                                "preemptions": "preemptions", "boosts": "boosts"},
           client=browser_sized(trace), shared=(mode, scheduler, window, tuple(colours.items())))
with st.expander("Where this model simplifies"):
    st.markdown("\n".join(f"- {line}" for line in (*sched.SHARED_IO_SIMPLIFICATIONS, *sched.SIMPLIFICATIONS[scheduler])))

st.header("What the other guests feel")
bursty = with_shared_io(edited, True, mode != "steady")
effects = shared_io_effect_of(bursty, scheduler)[0]
if not effects:
    st.info("No guest without I/O of its own wakes up in this scenario, so there is no response time to compare. "
            "Add a latency-sensitive VM, e.g. `web workload=latency burst=2 wait=20`.")
else:
    effect_table(bursty, scheduler)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Response time per guest**, without and with Domain 0's I/O work")
        response_chart(bursty, scheduler)
    with right:
        guest = st.selectbox("Seen from inside the guest", [e.vm for e in effects], key="io_guest")
        guest_chart(bursty, scheduler, guest)
    st.caption("Inside the guest there is no Domain 0 and no storage VM: it only sees that the same request sometimes "
               "takes much longer. Its own CPU accounting cannot say where the time went, so the variation looks like "
               "random noise (the lecture's point: guests perceive high delay variations).")

compare_schedulers(scenario, key="io_compare", measure="response", vms=[e.vm for e in effects] or None)
