"""2.4 VM CPU scheduling: static pinning, Xen's Credit, Credit2 and RTDS on one host, decision by decision."""

import hashlib

import streamlit as st

from engine.sharing import sched
from engine.sharing.sched_model import Scenario, validate
from engine.sharing.sched_presets import PRESETS, Preset
from engine.sharing.sched_text import parse_scenario
from ui import content, layout, query
from ui.escape import literal
from ui.player import frame_table as show_table, player
from ui.sched_views import browser_sized, compare_schedulers, metrics_section, played, scenario_editor
from viz.sharing import sched_charts as charts
from viz.palette import colour_key, vm_colours
from viz.vega import spec
from viz.sharing.sched_tables import frame_table

layout.header("2.4", "VM CPU scheduling",
              "Who runs next, and why? Fair shares by weight, caps, BOOST for waking vCPUs, and deadlines.")
content.lesson("2.4", "scheduling")

SCENARIOS = {k: p for k, p in PRESETS.items() if not k.startswith("shared-io")}  # those are on the Shared I/O page
LINKED = "custom"  # a scenario given as text in the link (?preset=custom&scenario=...), e.g. by a generated question
LINK_CHARS = 2000


def linked_scenario() -> tuple[Scenario | None, str]:
    """The scenario of the link's ``scenario`` text, read by the editor's own reader, and its text; None (after a
    notice) if the link has none, or one that does not parse or that some scheduler refuses (so switching the scheduler
    afterwards never meets a scenario it cannot run)."""
    if "scenario" not in st.query_params:
        return None, ""
    text = query.read_text("scenario", "", max_chars=LINK_CHARS)  # too long: a notice, and ""
    if not text.strip():
        return None, ""
    try:
        scenario = parse_scenario(text)
        for scheduler in sched.SCHEDULERS:
            validate(scenario, scheduler)
    except ValueError as exc:
        reason = literal(exc)  # the link's text, shown as text, not Markdown (nor an autolink)
        st.info(f"Link notice: the linked scenario cannot be used: {reason}. Showing the default scenario.", icon="🔗")
        return None, ""
    return scenario, text


pick, choose = st.columns([3, 2])
with pick:
    preset_id = query.select("Scenario", {k: p.title for k, p in SCENARIOS.items()} | {LINKED: "🔗 Scenario from a link"},
                             name="preset", default="weights")
if preset_id == LINKED:
    linked, linked_text = linked_scenario()
    preset = Preset("Scenario from a link",
                    "The scenario of the link (for example a generated quiz question): edit it below like any other."
                    if linked else "No usable scenario in the link: this is the default scenario; edit it below.",
                    linked or SCENARIOS["weights"].scenario, "credit")
else:
    preset, linked_text = SCENARIOS[preset_id], ""
if st.session_state.get("sched_preset_seen", preset_id) != preset_id:
    st.session_state["q_sched"] = preset.scheduler  # a new scenario starts with the scheduler that makes its point
st.session_state["sched_preset_seen"] = preset_id
with choose:
    scheduler = query.select("Scheduler", dict(sched.SCHEDULER_LABELS), name="sched", default=preset.scheduler)
st.caption(preset.description)
simulation = st.container()  # the animation comes first on the screen; the scenario editor sits under it
editor_name = preset_id + (f"_{hashlib.sha1(linked_text.encode()).hexdigest()[:8]}" if linked_text else "")
scenario = scenario_editor(editor_name, preset.scenario, scheduler)
trace, _ = played(scenario, scheduler)
colours = vm_colours([vm.name for vm in scenario.vms])
window = min(sched.DEFAULT_WINDOW_MS, scenario.duration_ms)


def render(frame, out=st) -> None:  # out: a ui.canvas.Canvas for the browser, st on the server's player
    out.vega_lite_chart(spec(charts.gantt, charts.gantt_rows(frame.state, window, colours)), width="stretch")
    out.markdown(f"**{sched.SCHEDULER_LABELS[scheduler]}**, the first {window} ms of the run, one frame per scheduling "
                f"decision. Colours: {colour_key(colours)}; black = Domain 0 I/O, pale dashed = idle, blue line = now.")
    show_table(frame_table(frame.state), out)


with simulation:  # the chart's key is under it (render), so the chart itself starts on the first screen
    player(trace, "sched", render, counter_labels={name: name for name in sched.COUNTERS}, client=browser_sized(trace),
           shared=(scheduler, window, tuple(colours.items())))
with st.expander("Where this model simplifies the real Xen scheduler"):
    st.markdown("\n".join(f"- {line}" for line in sched.SIMPLIFICATIONS[scheduler]))

metrics_section(scenario, scheduler)
compare_schedulers(scenario, key="sched_compare")
