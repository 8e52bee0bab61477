"""2.1 Trap and emulate: a guest program run natively and de-privileged under a VMM, side by side."""

import streamlit as st

from engine.virtualizability.trap_emulate import ProgramError, parse_program, simulate
from ui import content, layout, query
from ui.player import player
from viz.virtualizability.trap_view import cpu_graph, listing, state_rows, styled_state_table

layout.header("2.1", "Trap and emulate", "Run a guest kernel de-privileged: what traps, what the VMM emulates, and what slips through.")
content.lesson("2.1", "trap_emulate")

catalogue = content.catalogue()
presets = content.programs()
isa_id = query.select("Instruction set", {i.id: i.name for i in catalogue.values()}, name="isa", default="ia32")
isa = catalogue[isa_id]
mine = {p.id: p for p in presets if p.isa == isa_id}
CUSTOM = "custom"
choice = query.select("Program", {**{p.id: p.name for p in mine.values()}, CUSTOM: "✏️ My own program"}, name="program")

code_key = f"code_{isa_id}_{choice}"
good_key = f"good_program_{isa_id}_{choice}"
if choice != CUSTOM:
    st.caption(mine[choice].description)
    default_code = mine[choice].code.strip()
else:  # start the editor from the first preset, or from any one instruction for an ISA without presets
    default_code = next(iter(mine.values())).code.strip() if mine else isa.instructions[0].mnemonic
with st.expander("Program (edit it: one instruction per line, `app:` for the application, `#` for comments)", expanded=choice == CUSTOM):
    text = st.text_area("Guest program", default_code, key=code_key, height=220, label_visibility="collapsed")
    st.caption("Instructions of this ISA: " + " · ".join(f"`{i.mnemonic}`" for i in isa.instructions))

try:
    program = parse_program(text, isa)
    st.session_state[good_key] = program
except ProgramError as exc:
    program = st.session_state.get(good_key) or parse_program(default_code, isa)
    st.error(f"{exc} Showing the last program that worked.", icon="✋")


trace = simulate(isa, program)  # microseconds for a program of at most 60 lines: no cache needed


def render(frame) -> None:
    s = frame.state
    context = program[s.line].context if s.line is not None else "kernel"
    left, right = st.columns([5, 3])
    with left:
        st.graphviz_chart(cpu_graph(s, isa, context), width="stretch")
    with right:
        st.markdown("**Guest program**")
        st.code(listing(program, s.line), language=None)
        if s.divergences:
            st.markdown("**Where equivalence broke**\n" + "\n".join(f"- {d}" for d in s.divergences))
    st.dataframe(styled_state_table(state_rows(s, isa)), hide_index=True, width="stretch")


player(trace, "trap", render, counter_labels={"instructions": "instructions", "direct": "ran directly", "traps": "traps",
                                             "emulated": "emulated by the VMM", "divergences": "silent divergences"})
st.caption("Simplified model: only the state the catalogue's instructions touch is tracked; IOPL is 0; the VMM keeps the real IF at 1.")
