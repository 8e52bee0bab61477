"""2.2 Binary translation: translation units, lazy translation, the translation cache, and what it costs."""

import streamlit as st

from engine.fullvirt import costs
from engine.fullvirt.bt import ASSUMPTIONS, DEFAULT_MAX_UNIT, BTError, parse_program, simulate
from engine.fullvirt.x86 import INTEL_OBJDUMP, classification, detect_bits, detect_note, parse_listing
from ui import content, layout, query
from ui.charts import chart
from ui.editor import parsed
from ui.escape import literal
from ui.player import frame_table, player
from viz.fullvirt.bt_view import (
    TABLE_MARK, cache_hit_rows, cache_rows, classification_rows, first_sentence, register_line, unit_rows,
)
from viz.charts import cache_hit_rate, cumulative_cycles, slowdown_by_iterations

layout.header("2.2", "Binary translation", "Find the critical instructions at run time and replace them, lazily, with a cache.")
content.lesson("2.2", "binary_translation")

presets = {p.id: p for p in content.bt_programs()}
CUSTOM = "custom"
pick, format_column, mode_column, cap = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
with pick:
    choice = query.select("Guest code", {**{k: p.name for k, p in presets.items()}, CUSTOM: "✏️ My own code"},
                          name="program")
first = next(iter(presets.values()))
preset = presets.get(choice, first)
# A link (a generated quiz question) may open its own code listing here: ?program=custom&code=<Intel assembly>.
linked_code = query.read_text("code", "") if choice == CUSTOM else ""
with format_column:
    fmt = st.radio("Format", ["asm", "hex"], index=["asm", "hex"].index("asm" if linked_code else preset.format), key=f"fmt_{choice}",
                   format_func={"asm": "Intel assembly (objdump)", "hex": "machine code (hex)"}.get, horizontal=True)
MODES = {"auto": "detect", "32": "32-bit (IA-32)", "64": "64-bit (x86-64)"}
with mode_column:
    mode = st.selectbox("Decode as", list(MODES), format_func=MODES.get, key=f"bits_{choice}",
                        help="32- or 64-bit x86. 'detect' reads objdump's 'file format' line, NASM's 'bits 64', "
                             "64-bit register names or REX prefixes; raw hex is read as 32-bit unless you choose 64.")
with cap:
    max_unit = st.slider("Unit size cap", 1, 32, DEFAULT_MAX_UNIT, key="bt_unit",
                         help="Most instructions a translation unit may hold (Adams & Agesen use 12).")
if choice != CUSTOM:
    st.caption(preset.description)
simulation = st.container()  # the animation comes first on the screen; the code editor sits under it
PASTE_HELP = (f"Paste the output of `{INTEL_OBJDUMP}` (32- or 64-bit; add `-r` to name calls to other files' "
              "functions), Intel-syntax lines with labels (NASM's `bits`, `org`, `equ` and `jmp $` work), or machine "
              "code as hex bytes, `xxd FILE` or `hexdump -C FILE` output (choose 'machine code'). AT&T syntax "
              "(`%eax`) and `objdump -S` output are refused with what to run instead.")
with st.expander("Code (edit it: paste `objdump -d -M intel` output, Intel syntax with labels, or hex bytes)",
                 expanded=choice == CUSTOM):
    text = st.text_area("Guest code", linked_code or preset.code.strip(), key=f"bt_code_{choice}", height=230,
                        label_visibility="collapsed", help=PASTE_HELP)
    st.caption(PASTE_HELP)

SEP = "\0"  # format, mode and code travel as one text through ui.editor.parsed, so the last good state keeps all three


def read(joined: str):
    form, bits, code = joined.split(SEP, 2)
    return parse_program(code, form, None if bits == "auto" else int(bits))  # type: ignore[arg-type]


program = parsed(SEP.join((fmt, mode, text)), read, f"bt_good_{choice}",
                 SEP.join((preset.format, "auto", preset.code)), what="code")
fmt, mode, text = st.session_state[f"bt_good_{choice}"].split(SEP, 2)
trace = simulate(program, max_unit, strict=False)  # a run that cannot go on ends with a frame that says why
bits = program[0].bits
reason = detect_bits(text)[1] if fmt == "asm" and mode == "auto" else ("you chose it" if mode != "auto" else
                                                                        "machine code is read as 32-bit unless you choose 64")


def render(frame, out) -> None:
    s = frame.state
    out.markdown("**Current translation unit: guest code and its translation**")
    frame_table(unit_rows(s), out)
    out.code(register_line(s), language=None, wrap_lines=True)  # 64-bit registers would scroll sideways otherwise
    out.markdown(f"**Translation cache** ({len(s.cache)} unit{'s' if len(s.cache) != 1 else ''})")
    frame_table(cache_rows(s), out)


with simulation:
    player(trace, "bt", render, counter_labels={
        "guest_instructions": "executed", "units_translated": "units translated",
        "translated_instructions": "instructions translated", "cache_hits": "cache hits", "cache_misses": "cache misses",
        "vmm_calls": "VMM calls", "traps": "traps"}, client=True)
    st.caption(f"How the run ends: {trace[-1].state.result}")
    st.caption(f"Simplified model: {ASSUMPTIONS}")

st.header("Every instruction of this code, classified")
st.caption(f"{detect_note(bits)} Why: {reason}. The translator decides per instruction: privileged ones stay and "
           "trap, critical ones become VMM calls, control transfers end a translation unit and are rewritten; "
           "'not in the catalogue' means no list the app knows names it, so it is copied unchanged on trust.")
with st.container(key="bt_classes"):
    rows = classification_rows(program, content.catalogue()["ia32"])
    st.dataframe(rows, hide_index=True, width="stretch", row_height=35,
                 height=min(35 * (len(rows) + 1) + 3, 35 * 31 + 3),  # up to 30 rows without a scrollbar
                 column_config={"Address": st.column_config.TextColumn(width="small"),
                                "Instruction": st.column_config.TextColumn(width="medium"),
                                "Decision": st.column_config.TextColumn(width="medium"),
                                "Ends unit": st.column_config.TextColumn(width="small"),
                                "Why": st.column_config.TextColumn(width="large")})

st.header("Why the decision is made at run time")
examples = ("mov eax, ebx", "mov ds, ax", "push eax", "push cs")
decided = [(line, classification(parse_listing(line)[0], content.catalogue()["ia32"])) for line in examples]
st.table([{"Instruction": line, "Decision": TABLE_MARK[c.kind], "Why": first_sentence(c.why)} for line, c in decided])
st.caption("The same mnemonic is innocuous or critical depending on its operands, so the translator must decode "
           "each instruction as it meets it (lecture: 'Whether an instruction is critical or not can depend on parameters used').")

st.header("What it costs")


@st.cache_data(show_spinner=False, max_entries=16)
def cost_rows(text: str, fmt: str, mode: str, max_unit: int) -> tuple[list[dict], list[dict]]:
    prog = parse_program(text, fmt, None if mode == "auto" else int(mode))  # type: ignore[arg-type]
    series = costs.compare(prog, max_unit)
    cumulative = [{"instructions executed": i + 1, "cycles": c, "method": costs.LABELS[m]}
                  for m, values in series.items() for i, c in enumerate(values)]
    summary = [{"Method": s.label, "Cycles": f"{s.cycles:,}", "× native": f"{s.slowdown:,.1f}",
                "Runs the guest correctly?": "yes" if s.correct else "NO", "Note": s.note}
               for s in costs.summarize(prog, max_unit)]
    return cumulative, summary


@st.cache_data(show_spinner=False)
def sweep_rows(max_unit: int) -> list[dict]:
    return costs.loop_sweep([1, 3, 10, 30, 100, 300, 1000, costs.MAX_LOOP_ITERATIONS], max_unit)


try:
    cumulative, summary = cost_rows(text, fmt, mode, max_unit)
except BTError as exc:  # the cost model needs a run that ends; the page above still shows this code's own run
    cumulative, summary = [], []
    st.info(f"No cost comparison for this code: {literal(exc)}", icon="ℹ️")
left, right = st.columns(2)
left.markdown("**This program: translation-cache hit rate**")
chart(cache_hit_rate, cache_hit_rows(trace), left)
if cumulative:
    right.markdown("**This program: cumulative cost**")
    chart(cumulative_cycles, cumulative, right)
st.markdown("**Loop-heavy vs straight-line: the same loop run longer and longer**")
chart(slowdown_by_iterations, sweep_rows(max_unit))
if summary:
    st.table(summary)
st.caption(f"Cost model (the app's documented assumption, not a measurement): {costs.NOTES}")
