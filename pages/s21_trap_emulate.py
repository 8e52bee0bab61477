"""2.1 Trap and emulate: a guest program run natively and de-privileged under a VMM, side by side."""

import hashlib

import streamlit as st

from engine.virtualizability.trap_emulate import ProgramError, prepare
from ui import content, layout, query
from ui.diagram import diagram
from ui.editor import parsed
from ui.escape import literal
from ui.player import frame_table, player
from viz.virtualizability.trap_view import cpu_graph, listing, spelling_rows, state_rows, styled_state_table

layout.header("2.1", "Trap and emulate", "Run a guest kernel de-privileged: what traps, what the VMM emulates, and what slips through.")
content.lesson("2.1", "trap_emulate")

catalogue = content.catalogue()
presets = content.programs()
isa_column, program_column = st.columns([2, 3])
with isa_column:
    isa_id = query.select("Instruction set", {i.id: i.name for i in catalogue.values()}, name="isa", default="ia32")
isa = catalogue[isa_id]
mine = {p.id: p for p in presets if p.isa == isa_id}
CUSTOM = "custom"
with program_column:
    choice = query.select("Program", {**{p.id: p.name for p in mine.values()}, CUSTOM: "✏️ My own program"},
                          name="program")
LINK_CODE_CHARS = 2000  # a generated question's program is a few lines; 60 lines of mnemonics fit


def linked_program() -> str | None:
    """The program of a link such as ``?program=custom&code=CLI%0APUSHF`` (a generated quiz question opens its own
    program this way), if it runs on this ISA; a program that does not gets a notice. Switching the ISA drops it."""
    if st.session_state.get("trap_link_isa", isa_id) != isa_id and "code" in st.query_params:
        del st.query_params["code"]
    st.session_state["trap_link_isa"] = isa_id
    if "code" not in st.query_params:
        return None
    text = query.read_text("code", "", max_chars=LINK_CODE_CHARS).strip()  # too long: a notice, and ""
    try:
        if text:
            prepare(text, isa)
    except ProgramError as exc:  # the link's text, shown as text, not Markdown
        st.info(f"Link notice: the linked program does not run on {isa.name}: {literal(exc)} Showing the default program.",
                icon="🔗")
        text = ""
    if not text:  # noticed once; the link's value leaves the address so the next rerun does not repeat it
        del st.query_params["code"]
    return text or None


linked = linked_program() if choice == CUSTOM else None
suffix = f"_{hashlib.sha1(linked.encode()).hexdigest()[:8]}" if linked else ""
code_key = f"code_{isa_id}_{choice}{suffix}"
good_key = f"good_program_text_{isa_id}_{choice}{suffix}"
if choice != CUSTOM:
    st.caption(mine[choice].description)
    default_code = mine[choice].code.strip()
elif linked:
    default_code = linked
else:  # start the editor from the first preset, or from any one instruction for an ISA without presets
    default_code = next(iter(mine.values())).code.strip() if mine else isa.instructions[0].mnemonic
simulation = st.container()  # the animation comes first on the screen; the program editor sits under it
program_box = st.expander("Program (edit it: one instruction per line, as the catalogue or an assembler spells it, "
                          "`app:` for the application, `;` or `#` for comments)", expanded=choice == CUSTOM)
with program_box:
    text = st.text_area("Guest program", default_code, key=code_key, height=220, label_visibility="collapsed")
    st.caption("Instructions of this ISA: " + " · ".join(f"`{i.mnemonic}`" for i in isa.instructions)
               + ". An assembler's spelling works too (`pushfd`, `mov cr3, eax`, `in al, dx`, an `objdump -d -M intel` "
                 "listing): the table under the editor shows which entry each line was read as.")

# parse and run: microseconds for a program of at most 60 lines, no cache needed; presets pass the same checks on load
program, trace = parsed(text, lambda t: prepare(t, isa), good_key, default_code, "program")
readings = spelling_rows(program)
if readings:
    with program_box:
        st.markdown("**How your spellings were read** (the catalogue has one entry per instruction or form)")
        st.dataframe(readings, hide_index=True, width="stretch")


def render(frame, out) -> None:
    s = frame.state
    context = program[s.line].context if s.line is not None else "kernel"
    left, right = out.columns([5, 3])
    diagram(cpu_graph(s, isa, context), left)
    right.markdown("**Guest program**")
    right.code(listing(program, s.line), language=None)
    if s.divergences:
        right.markdown("**Where equivalence broke**\n" + "\n".join(f"- {d}" for d in s.divergences))
    frame_table(styled_state_table(state_rows(s, isa)), out)


with simulation:
    player(trace, "trap", render, counter_labels={"instructions": "instructions", "direct": "ran directly", "traps": "traps",
                                                 "emulated": "emulated by the VMM", "divergences": "silent divergences"},
           client=True)
    st.caption("Simplified model: only the state the catalogue's instructions touch is tracked; IOPL is 0; the VMM keeps the real IF at 1.")
