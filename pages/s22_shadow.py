"""2.2 Shadow page tables: the VMM keeps shadow = VMM map ∘ guest table by trapping the guest's MMU operations."""

import streamlit as st

from engine.fullvirt.shadow import PRESETS
from engine.quizgen.full_virtualization import SHADOW_SYNTAX, ShadowSetup, parse_shadow_setup, shadow_setup_text
from ui import content, layout, query
from ui.editor import parsed
from ui.diagram import diagram
from ui.player import player
from viz.fullvirt.shadow_view import op_listing, shadow_graph

layout.header("2.2", "Shadow page tables", "The guest keeps its own page tables; the hardware uses the VMM's shadow copy.")
content.lesson("2.2", "shadow")

CUSTOM = "custom"
pick, about = st.columns([2, 3], vertical_alignment="center")  # the scenario and what it shows, in one row
with pick:
    scenario_id = query.select("Scenario", {k: make().title for k, make in PRESETS.items()} | {CUSTOM: "✏️ My own scenario"},
                               name="scenario")
simulation = st.container()  # the animation comes first on the screen; a scenario editor sits under it


@st.cache_resource(show_spinner=False)
def trace(scenario_id: str):
    return PRESETS[scenario_id]().run()


if scenario_id == CUSTOM:
    first = next(iter(PRESETS.values()))()
    example = shadow_setup_text(ShadowSetup(first.guest_memory_frames, 0x40, first.processes, first.ops))
    about.caption("Your own scenario. A generated quiz question opens its scenario here, with the frame that shows its answer.")
    with st.expander("Scenario (edit it: one statement a line)", expanded=True):
        st.caption(SHADOW_SYNTAX)
        text = st.text_area("Scenario", query.read_text("setup", example), key="shadow_setup", height=230,
                            label_visibility="collapsed")

    def run(scenario_text: str):
        """The scenario and its run: a scenario that reads but cannot run is a mistake like a typo."""
        setup = parse_shadow_setup(scenario_text)
        return setup.ops, setup.run()

    ops, shown = parsed(text, run, "shadow_good_text", example, "scenario")
else:
    scenario = PRESETS[scenario_id]()
    about.caption(scenario.description)
    ops, shown = scenario.ops, trace(scenario_id)


def render(frame, out) -> None:
    s = frame.state
    diagram(shadow_graph(s), out)
    problems = s.invariant_violations()
    if problems:
        out.error("Invariant broken: " + "; ".join(problems))
    else:
        out.success("Invariant holds: every shadow entry = VMM map ∘ guest entry, with no more rights than the guest's.",
                    icon="✅")
    out.markdown("**Guest operations**")
    out.code(op_listing(ops, s.step), language=None)


with simulation:
    player(shown, "shadow", render,
           counter_labels={"traps": "traps", "hidden_faults": "hidden faults", "true_faults": "true faults",
                           "shadow_updates": "shadow updates", "cr3_switches": "CR3 switches"}, client=True)
    st.caption("Simplified model: one-level tables of the teaching size; the guest's memory is one contiguous block of "
               "host frames; accessed/dirty bits are not emulated.")
