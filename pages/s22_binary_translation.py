"""2.2 Binary translation: translation units, lazy translation, the translation cache, and what it costs."""

import streamlit as st

from engine.fullvirt import costs
from engine.fullvirt.bt import ASSUMPTIONS, DEFAULT_MAX_UNIT, BTError, parse_program, simulate
from engine.fullvirt.x86 import AsmError, classification, parse_listing
from ui import content, layout, query
from ui.charts import chart
from ui.player import player
from viz.fullvirt.bt_view import cache_hit_rows, cache_rows, register_line, unit_rows
from viz.charts import cache_hit_rate, cumulative_cycles, slowdown_by_iterations

layout.header("2.2", "Binary translation", "Find the critical instructions at run time and replace them, lazily, with a cache.")
content.lesson("2.2", "binary_translation")

presets = {p.id: p for p in content.bt_programs()}
CUSTOM = "custom"
pick, format_column, cap = st.columns([3, 3, 2], vertical_alignment="bottom")
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
with cap:
    max_unit = st.slider("Unit size cap", 1, 32, DEFAULT_MAX_UNIT, key="bt_unit",
                         help="Most instructions a translation unit may hold (Adams & Agesen use 12).")
if choice != CUSTOM:
    st.caption(preset.description)
simulation = st.container()  # the animation comes first on the screen; the code editor sits under it
with st.expander("Code (edit it: paste `objdump -d -M intel` output, plain Intel syntax with labels, or hex bytes)",
                 expanded=choice == CUSTOM):
    text = st.text_area("Guest code", linked_code or preset.code.strip(), key=f"bt_code_{choice}", height=230,
                        label_visibility="collapsed")

good_key = f"bt_good_{choice}"
try:
    trace = simulate(parse_program(text, fmt), max_unit)
    st.session_state[good_key] = (text, fmt)
except (AsmError, BTError) as exc:
    text, fmt = st.session_state.get(good_key, (preset.code, preset.format))
    trace = simulate(parse_program(text, fmt), max_unit)
    st.error(f"{exc} Showing the last code that worked.", icon="✋")


def render(frame) -> None:
    s = frame.state
    st.markdown("**Current translation unit: guest code and its translation**")
    st.dataframe(unit_rows(s), hide_index=True, width="stretch",
                 column_config={"Why": st.column_config.TextColumn(width="large")})
    st.code(register_line(s), language=None)
    st.markdown(f"**Translation cache** ({len(s.cache)} unit{'s' if len(s.cache) != 1 else ''})")
    st.dataframe(cache_rows(s), hide_index=True, width="stretch")


with simulation:
    player(trace, "bt", render, counter_labels={
        "guest_instructions": "executed", "units_translated": "units translated",
        "translated_instructions": "instructions translated", "cache_hits": "cache hits", "cache_misses": "cache misses",
        "vmm_calls": "VMM calls", "traps": "traps"})
    st.caption(f"Simplified model: {ASSUMPTIONS}")

st.subheader("Why the decision is made at run time")
examples = ("mov eax, ebx", "mov ds, ax", "push eax", "push cs")
decided = [(line, classification(parse_listing(line)[0], content.catalogue()["ia32"])) for line in examples]
st.table([{"Instruction": line, "Decision": c.kind, "Why": c.why.split(". ")[0] + "."} for line, c in decided])
st.caption("The same mnemonic is innocuous or critical depending on its operands, so the translator must decode "
           "each instruction as it meets it (lecture: 'Whether an instruction is critical or not can depend on parameters used').")

st.subheader("What it costs")


@st.cache_data(show_spinner=False, max_entries=16)
def cost_rows(text: str, fmt: str, max_unit: int) -> tuple[list[dict], list[dict]]:
    prog = parse_program(text, fmt)  # type: ignore[arg-type]
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


cumulative, summary = cost_rows(text, fmt, max_unit)
left, right = st.columns(2)
left.markdown("**This program: translation-cache hit rate**")
chart(cache_hit_rate, cache_hit_rows(trace), left)
right.markdown("**This program: cumulative cost**")
chart(cumulative_cycles, cumulative, right)
st.markdown("**Loop-heavy vs straight-line: the same loop run longer and longer**")
chart(slowdown_by_iterations, sweep_rows(max_unit))
st.table(summary)
st.caption(f"Cost model (the app's documented assumption, not a measurement): {costs.NOTES}")
