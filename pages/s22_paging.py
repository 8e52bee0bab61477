"""2.2 Paging and the TLB: a page-table walk entry by entry, the student's own format and memory, and a TLB."""

import dataclasses
import hashlib

import streamlit as st

from engine.core.lessons import LESSONS_DIR
from engine.fullvirt import page_format
from engine.fullvirt import tlb as tlb_engine
from engine.fullvirt.paging import MODES, Example, parse_address, parse_mappings, walk
from ui import content, layout, query
from ui.charts import chart
from ui.diagram import diagram
from ui.editor import parsed
from ui.player import frame_table, player
from viz.charts import hit_rate_by_size, hit_rate_over_time
from viz.fullvirt.paging_view import format_walk_graph, format_walk_rows, reference_rows, tlb_rows, walk_graph, walk_rows

layout.header("2.2", "Paging and the TLB", "How the MMU turns a virtual address into a physical one, and why it caches the result.")


def keyed(trace, *inputs):
    """``trace`` named by every input its frames are drawn from. A browser player keeps its drawn frames while the
    trace's scenario stays the same (ui.player), and the engines name a walk by its address, not by its page table or
    memory, and a TLB run by its length, not by its references: a new table or string of the same length would
    otherwise show the old frames."""
    digest = hashlib.blake2b(repr(inputs).encode(), digest_size=8).hexdigest()
    return dataclasses.replace(trace, scenario=f"{trace.scenario}-{digest}")


def link_choice(name: str, choices: list[str], default: str) -> str:
    """A value from a shared link (a generated question's scenario) that must be one of ``choices``."""
    raw = query.read_text(name, default, 40)
    if raw not in choices:
        st.info(f"Link notice: '{name}={raw}' is not one of {', '.join(choices)}; using {default}.", icon="🔗")
        return default
    return raw


presets = content.paging_presets()
mode_id = query.select("Paging mode", {m.id: m.name for m in MODES.values()}, name="mode", default="teaching")
mode = MODES[mode_id]
preset = presets[mode_id]
TABS = {"walk": "Page-table walk", "own": "Your own format", "tlb": "TLB"}
tab_walk, tab_own, tab_tlb = st.tabs(list(TABS.values()), default=TABS[link_choice("tab", list(TABS), "walk")])

with tab_walk:
    content.lesson("2.2", "paging")
    good_key = f"space_{mode_id}"
    address_row = st.container()  # the address to translate, then the walk; the page-table editor sits under it
    simulation = st.container()
    with st.expander("Page table (edit it: `<virtual page> -> <frame> <flags>`, flags P RW US NX PS)"):
        # A link (a generated question) may carry its own page table for this mode: mappings-<mode>=<text>.
        linked = query.read_text(f"mappings-{mode_id.replace('_', '-')}", preset.mappings)
        text = st.text_area("Mappings", linked, key=f"mappings_{mode_id}", height=170, label_visibility="collapsed")
    space = parsed(text, lambda t: parse_mappings(mode, t), good_key, preset.mappings, "page table")

    CUSTOM = "custom"
    options = {str(i): e.label for i, e in enumerate(preset.examples)} | {CUSTOM: "✏️ Another address"}
    with address_row:
        choice = query.select("Address to translate", options, name="ex", default="0")
    example = preset.examples[int(choice)] if choice != CUSTOM else preset.examples[0]
    if choice == CUSTOM:
        a, b, c = address_row.columns([2, 1, 1])
        access_kinds, whos = ["read", "write", "exec"], ["kernel", "user"]
        raw = a.text_input("Virtual address", query.read_text("va", f"{example.va:#x}", 40), key=f"va_{mode_id}")
        access = b.selectbox("Access", access_kinds, key=f"access_{mode_id}",
                             index=access_kinds.index(link_choice("access", access_kinds, "read")))
        who = c.selectbox("Privilege", whos, key=f"who_{mode_id}", index=whos.index(link_choice("who", whos, "kernel")))
        with address_row:
            va = parsed(raw, lambda t: parse_address(mode, t), f"va_good_{mode_id}", f"{example.va:#x}", "address")
        example = Example(va, access, who == "user", "")  # type: ignore[arg-type]

    def render_walk(frame, out) -> None:
        diagram(walk_graph(frame.state), out)
        if frame.state.steps:
            frame_table(walk_rows(frame.state), out)

    with simulation:
        player(keyed(walk(space, example.va, example.access, example.user), space), "walk", render_walk,
               counter_labels={"memory_references": "page-table references", "data_references": "data references"},
               client=True)

with tab_own:
    @st.cache_resource(show_spinner=False)
    def _format_preset() -> page_format.FormatPreset:
        return page_format.load_format_preset(LESSONS_DIR / "2.2" / "paging.toml")

    own = content.guarded(_format_preset)
    st.caption("Your course's paging homework: describe the entry format, paste the memory dump with its PDBR, and walk "
               "an address to its physical address and the byte stored there. The preset is the format of OSTEP's "
               "multi-level paging homework with a memory image of its own.")
    own_address_row = st.container()
    own_simulation = st.container()
    left, right = st.container(), st.container()  # full width: a dump line of 32 bytes is 106 characters
    format_text = left.text_area("Entry format (`key = value` lines)", own.format_text, key="own_format", height=200)
    memory_text = right.text_area("Memory dump (`PDBR: <page>` and `page <n>: <hex bytes>` lines, as OSTEP prints them; "
                                  "pages not listed read as 00)", own.memory_text, key="own_memory", height=250)
    with left:
        fmt = parsed(format_text, page_format.parse_format, "own_format_good", own.format_text, "format")
    fits = f"{fmt.page_size}-{fmt.physical_pages}"  # a dump is read against a page size and a memory size
    empty = "PDBR: 0\n"
    with right:
        memory = parsed(memory_text, lambda t: page_format.parse_memory(fmt, t), f"own_memory_good_{fits}",
                        own.memory_text if fmt == page_format.parse_format(own.format_text) else empty, "memory dump")
    with own_address_row:
        st.caption(fmt.describe() + ".")
        examples = {f"{va:#06x}": f"{va:#06x}: {note}" for va, note in own.addresses if va < 1 << fmt.va_bits}
        examples |= {f"{va:#06x}": f"{va:#06x}: asked by your dump" for va in memory.asked if va < 1 << fmt.va_bits}
        examples["custom"] = "✏️ Another address"
        if "q_own-va" in st.session_state and st.session_state["q_own-va"] not in examples:  # the format shrank
            del st.session_state["q_own-va"]
            st.query_params.pop("own-va", None)
        own_choice = query.select("Address to translate", examples, name="own-va")
        if own_choice == "custom":
            own_raw = st.text_input("Virtual address (hex, with or without 0x)", next(iter(examples)) if len(examples) > 1
                                    else "0x0", key="own_va_text")
            own_va = parsed(own_raw, lambda t: page_format.parse_address(fmt, t), f"own_va_good_{fmt.va_bits}", "0x0",
                            "address")
        else:
            own_va = int(own_choice, 16)

    def render_own(frame, out) -> None:
        diagram(format_walk_graph(frame.state, fmt, memory), out)
        if frame.state.reads:
            frame_table(format_walk_rows(frame.state, fmt), out)

    with own_simulation:
        player(keyed(page_format.walk(fmt, memory, own_va), fmt, memory), "own", render_own,
               counter_labels={"memory_references": "memory references"}, shortcuts=False, client=True)

with tab_tlb:
    content.lesson("2.2", "tlb")
    patterns = {"working": "Working set with locality", "sequential": "Loop over an array", "uniform": "Uniformly random",
                "refs": "✏️ Reference string"}
    DEFAULT_REFS = "0 1 2 0 1 3 0 3 1 2 4 1"
    linked_refs = query.read_text("tlb-refs", "", 4000)  # a link (a generated question) may carry a reference string
    c1, c2, c3, c4 = st.columns(4)
    pattern = c1.selectbox("Access pattern", list(patterns), format_func=patterns.get, key="tlb_pattern",
                           index=list(patterns).index("refs" if linked_refs else "working"))
    linked_entries = query.read_int("tlb-entries", 4, 1, 64)
    entries = c2.select_slider("TLB entries", sorted({*range(1, 9), 12, 16, 24, 32, 48, 64, linked_entries}),
                               value=linked_entries, key="tlb_entries")
    policies = list(tlb_engine.ALL_POLICIES)
    policy = c3.selectbox("Replacement", policies, key="tlb_policy", index=policies.index(link_choice("tlb-policy", policies, "LRU")),
                          help="OPT (Belady) evicts the entry used farthest in the future: no hardware can, it is the yardstick.")
    switch = c4.number_input("Context switch every … accesses (0 = never)", 0, 200, 0, key="tlb_switch")
    seed = 1  # the random policy's victims: the same for everyone unless a student picks another seed
    if policy == "random":
        seed = c3.number_input("Random seed", 0, 9999, query.read_int("tlb-seed", 1, 0, 9999), key="tlb_seed",
                               help="The same seed gives the same victims, so an exercise with random replacement can be checked.")
    refs: tuple[int, ...] = ()
    if pattern == "refs":
        r1, r2 = st.columns([4, 2])
        units = {"page": "page numbers", "address": f"addresses ({mode.page_size}-byte pages)"}
        unit = r2.radio("The numbers are", list(units), format_func=units.get, horizontal=True, key="tlb_unit")
        refs_text = r1.text_input("Reference string (commas or spaces; every page you name is mapped)",
                                  linked_refs or DEFAULT_REFS, key="tlb_refs", max_chars=4000)
        with r1:
            refs = parsed(refs_text, lambda t: tlb_engine.parse_references(mode, t, unit), f"tlb_refs_good_{mode_id}_{unit}",
                          DEFAULT_REFS, "reference string")

    @st.cache_data(show_spinner=False, max_entries=32)
    def accesses(mode_id: str, pattern: str, count: int, seed: int = 1) -> list[int]:
        size, pages = MODES[mode_id].page_size, tlb_engine.REGION_PAGES
        make = {"sequential": lambda: tlb_engine.sequential_trace(0, pages, size, count, stride=size // 4),
                "working": lambda: tlb_engine.working_set_trace(0, pages, size, count, seed, hot_pages=3),
                "uniform": lambda: tlb_engine.uniform_trace(0, pages, size, count, seed)}
        return make[pattern]()

    shown = list(refs) if refs else accesses(mode_id, pattern, 40)
    space = tlb_engine.reference_space(mode, shown)
    if refs:
        st.caption(f"{len(refs)} references to {len({va >> mode.offset_bits for va in refs})} different pages of "
                   f"{mode.page_size} bytes; page n starts at virtual address n × {mode.page_size}.")
    else:
        st.caption(f"{tlb_engine.REGION_PAGES} mapped pages of {mode.page_size} bytes each; page n starts at virtual address "
                   f"n × {mode.page_size}. The animation shows the first 40 accesses.")
    trace = keyed(tlb_engine.simulate(space, shown, entries, policy, seed, context_switch_every=switch or None),
                  tuple(shown), switch)
    player(trace, "tlb", lambda f, out: frame_table(tlb_rows(f.state, mode_id), out),
           counter_labels={"hits": "hits", "misses": "misses", "memory_references": "page-table references", "flushes": "flushes"},
           shortcuts=False, client=True)
    if refs:
        with st.expander(f"Every reference: hit or miss, and the TLB after it ({policy}, {entries} entries)", expanded=True):
            table = reference_rows(trace, mode_id)  # (rows + header) × row height + border: no scrolling up to 16 rows
            st.dataframe(table, hide_index=True, width="stretch", row_height=36, height=min(615, (len(table) + 1) * 36 + 3))

    @st.cache_data(show_spinner=False, max_entries=32)
    def charts(mode_id: str, pattern: str, entries: int, switch: int, refs: tuple[int, ...] = (),
               seed: int = 1) -> tuple[list[dict], list[dict], float]:
        m = MODES[mode_id]
        long = list(refs) if refs else accesses(mode_id, pattern, 4000)
        space = tlb_engine.reference_space(m, long)
        over_time, by_size = [], []
        for pol in tlb_engine.POLICIES:
            series = tlb_engine.hit_rate_series(space, long, entries, pol, seed, every=1 if refs else 100,
                                                context_switch_every=switch or None)
            over_time += [{"accesses": n, "hit rate": r, "policy": pol} for n, r in series]
            by_size += [{"TLB entries": n, "hit rate": r, "policy": pol}
                        for n, r in tlb_engine.sweep(space, long, [1, 2, 4, 8, 16, 32, 64], pol, seed,
                                                     context_switch_every=switch or None)]
        best = tlb_engine.run_stats(space, long, entries, "OPT", context_switch_every=switch or None).hit_rate
        return over_time, by_size, best

    over_time, by_size, best = charts(mode_id, pattern, entries, switch, refs, seed)
    total = f"{len(refs):,}" if refs else "4,000"
    left, right = st.columns(2)
    left.markdown(f"**Hit rate over {total} accesses** ({entries} entries)")
    chart(hit_rate_over_time, over_time, left)
    right.markdown(f"**Hit rate by TLB size** (same {total} accesses)")
    chart(hit_rate_by_size, by_size, right)
    st.caption(f"OPT (Belady's optimum, which looks into the future) reaches {best:.1%} with {entries} entries on these "
               f"{total} accesses: no replacement policy can do better.")
