"""2.2 Paging and the TLB: a page-table walk entry by entry, and a TLB over an access trace."""

import streamlit as st

from engine.fullvirt import tlb as tlb_engine
from engine.fullvirt.paging import MODES, PageTableError, contiguous_mappings, build_space, parse_example, parse_mappings, walk
from ui import content, layout, query
from ui.charts import chart
from ui.player import player
from viz.charts import hit_rate_by_size, hit_rate_over_time
from viz.fullvirt.paging_view import tlb_rows, walk_graph, walk_rows

layout.header("2.2", "Paging and the TLB", "How the MMU turns a virtual address into a physical one, and why it caches the result.")


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
TABS = {"walk": "Page-table walk", "tlb": "TLB"}
tab_walk, tab_tlb = st.tabs(list(TABS.values()), default=TABS[link_choice("tab", list(TABS), "walk")])

with tab_walk:
    content.lesson("2.2", "paging")
    good_key = f"space_{mode_id}"
    address_row = st.container()  # the address to translate, then the walk; the page-table editor sits under it
    simulation = st.container()
    with st.expander("Page table (edit it: `<virtual page> -> <frame> <flags>`, flags P RW US NX PS)"):
        # A link (a generated question) may carry its own page table for this mode: mappings-<mode>=<text>.
        linked = query.read_text(f"mappings-{mode_id.replace('_', '-')}", preset.mappings)
        text = st.text_area("Mappings", linked, key=f"mappings_{mode_id}", height=170, label_visibility="collapsed")
    try:
        space = parse_mappings(mode, text)
        st.session_state[good_key] = space
    except PageTableError as exc:
        space = st.session_state.get(good_key) or parse_mappings(mode, preset.mappings)
        st.error(f"{exc} Showing the last page table that worked.", icon="✋")

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
        try:
            example = parse_example(mode, f"{raw} {access} {who}")
        except PageTableError as exc:
            address_row.error(f"{exc} Showing {example.label}.", icon="✋")

    def render_walk(frame) -> None:
        st.graphviz_chart(walk_graph(frame.state), width="stretch")
        if frame.state.steps:
            st.dataframe(walk_rows(frame.state), hide_index=True, width="stretch")

    with simulation:
        player(walk(space, example.va, example.access, example.user), "walk", render_walk,
               counter_labels={"memory_references": "page-table references", "data_references": "data references"})

with tab_tlb:
    content.lesson("2.2", "tlb")
    patterns = {"working": "Working set with locality", "sequential": "Loop over an array", "uniform": "Uniformly random",
                "refs": "✏️ Page reference string"}
    PAGES = 16  # mapped pages of the demo region, from virtual address 0
    DEFAULT_REFS = "0 1 2 0 1 3 0 3 1 2 4 1"
    linked_refs = query.read_text("tlb-refs", "", 400)  # a link (a generated question) may carry a reference string
    c1, c2, c3, c4 = st.columns(4)
    pattern = c1.selectbox("Access pattern", list(patterns), format_func=patterns.get, key="tlb_pattern",
                           index=list(patterns).index("refs" if linked_refs else "working"))
    linked_entries = query.read_int("tlb-entries", 4, 1, 64)
    entries = c2.select_slider("TLB entries", sorted({1, 2, 4, 8, 16, 32, 64, linked_entries}), value=linked_entries,
                               key="tlb_entries")
    policy = c3.selectbox("Replacement", list(tlb_engine.POLICIES), key="tlb_policy",
                          index=list(tlb_engine.POLICIES).index(link_choice("tlb-policy", list(tlb_engine.POLICIES), "LRU")))
    switch = c4.number_input("Context switch every … accesses (0 = never)", 0, 200, 0, key="tlb_switch")
    refs: tuple[int, ...] = ()
    if pattern == "refs":
        refs_text = st.text_input(f"Virtual page numbers in order (0–{PAGES - 1} are mapped; others up to 255 fault)",
                                  linked_refs or DEFAULT_REFS, key="tlb_refs")
        try:
            refs = tuple(int(word, 0) for word in refs_text.replace(",", " ").split())
            if not 1 <= len(refs) <= 200 or not all(0 <= p <= 255 for p in refs):
                raise ValueError
        except ValueError:
            refs = tuple(int(word) for word in DEFAULT_REFS.split())
            st.error(f"'{refs_text[:60]}': write 1 to 200 page numbers from 0 to 255, separated by spaces. "
                     f"Showing {DEFAULT_REFS}.", icon="✋")

    def region(m):
        return build_space(m, contiguous_mappings(m, 0, m.page_size * 32, PAGES))

    @st.cache_data(show_spinner=False, max_entries=32)
    def accesses(mode_id: str, pattern: str, count: int, seed: int = 1) -> list[int]:
        size = MODES[mode_id].page_size
        make = {"sequential": lambda: tlb_engine.sequential_trace(0, PAGES, size, count, stride=size // 4),
                "working": lambda: tlb_engine.working_set_trace(0, PAGES, size, count, seed, hot_pages=3),
                "uniform": lambda: tlb_engine.uniform_trace(0, PAGES, size, count, seed)}
        return make[pattern]()

    shown = [p * mode.page_size for p in refs] if refs else accesses(mode_id, pattern, 40)
    st.caption(f"{PAGES} mapped pages of {mode.page_size} bytes each; page n starts at virtual address n × {mode.page_size}. "
               + (f"The animation shows the {len(refs)} accesses of the string." if refs else "The animation shows the first 40 accesses."))
    trace = tlb_engine.simulate(region(mode), shown, entries, policy, 1, context_switch_every=switch or None)
    player(trace, "tlb", lambda f: st.dataframe(tlb_rows(f.state, mode_id), hide_index=True, width="stretch"),
           counter_labels={"hits": "hits", "misses": "misses", "memory_references": "page-table references", "flushes": "flushes"},
           shortcuts=False)

    @st.cache_data(show_spinner=False, max_entries=32)
    def charts(mode_id: str, pattern: str, entries: int, switch: int, refs: tuple[int, ...] = ()) -> tuple[list[dict], list[dict]]:
        space = region(MODES[mode_id])
        long = [p * MODES[mode_id].page_size for p in refs] if refs else accesses(mode_id, pattern, 4000)
        over_time, by_size = [], []
        for pol in tlb_engine.POLICIES:
            series = tlb_engine.hit_rate_series(space, long, entries, pol, 1, every=1 if refs else 100,
                                                context_switch_every=switch or None)
            over_time += [{"accesses": n, "hit rate": r, "policy": pol} for n, r in series]
            by_size += [{"TLB entries": n, "hit rate": r, "policy": pol}
                        for n, r in tlb_engine.sweep(space, long, [1, 2, 4, 8, 16, 32, 64], pol, 1, context_switch_every=switch or None)]
        return over_time, by_size

    over_time, by_size = charts(mode_id, pattern, entries, switch, refs)
    total = f"{len(refs):,}" if refs else "4,000"
    left, right = st.columns(2)
    left.markdown(f"**Hit rate over {total} accesses** ({entries} entries)")
    chart(hit_rate_over_time, over_time, left)
    right.markdown(f"**Hit rate by TLB size** (same {total} accesses)")
    chart(hit_rate_by_size, by_size, right)
