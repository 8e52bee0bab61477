"""TLB simulator: agreement with plain reference models, flushes, statistics paths and access traces."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fullvirt.paging import X86_64, build_space, contiguous_mappings, parse_mappings
from engine.fullvirt.tlb import (
    TLB, TLBError, hit_rate_series, run_stats, sequential_trace, simulate, sweep, uniform_trace, working_set_trace,
)

BASE, PAGES, PAGE = 0x7F00_0000_0000, 32, 4096
SPACE = build_space(X86_64, contiguous_mappings(X86_64, BASE, 0x10_0000, PAGES))


def model(pages, size, policy):
    """A list-based TLB: front = next victim. Returns hits, misses and the evicted pages in order."""
    slots, hits, evicted = [], 0, []
    for page in pages:
        if page in slots:
            hits += 1
            if policy == "LRU":
                slots.remove(page)
                slots.append(page)
            continue
        if len(slots) == size:
            evicted.append(slots.pop(0))
        slots.append(page)
    return hits, len(pages) - hits, evicted


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(0, 11), min_size=1, max_size=120), st.integers(1, 8), st.sampled_from(["LRU", "FIFO"]))
def test_hits_misses_and_evictions_match_a_reference_model(pages, size, policy):
    accesses = [BASE + p * PAGE + 8 * p for p in pages]
    hits, misses, evicted = model(pages, size, policy)
    stats = run_stats(SPACE, accesses, size, policy)
    assert (stats.hits, stats.misses) == (hits, misses)
    assert stats.memory_references == 4 * misses  # a 4-level walk per miss, 4 KiB pages
    trace = simulate(SPACE, accesses, size, policy)
    assert [(f.state.evicted.page - BASE) // PAGE for f in trace if f.state.evicted] == evicted
    assert trace[-1].counters["hits"] == hits and trace[-1].counters["misses"] == misses
    assert all(len(f.state.rows) <= size for f in trace)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=200), st.integers(0, 5))
def test_lru_hit_rate_never_falls_with_a_bigger_tlb(pages, seed):
    """LRU is a stack algorithm: a bigger TLB holds a superset, so the curve is monotone."""
    curve = sweep(SPACE, [BASE + p * PAGE for p in pages], range(1, 12), "LRU", seed)
    rates = [rate for _, rate in curve]
    assert rates == sorted(rates)


def test_flush_on_context_switch_makes_the_next_access_miss():
    accesses = [BASE] * 12
    trace = simulate(SPACE, accesses, 4, "LRU", context_switch_every=4)
    outcomes = [f.state.outcome for f in trace][1:]
    assert outcomes == ["miss", "hit", "hit", "hit", "switch", "miss", "hit", "hit", "hit", "switch", "miss", "hit", "hit", "hit"]
    assert trace[-1].counters["flushes"] == 2 and trace[-1].counters["walks"] == 3
    assert "flushed on every context switch" in trace[5].explanation
    tagged = simulate(SPACE, accesses, 4, "LRU", context_switch_every=4, flush_on_switch=False)
    assert tagged[-1].counters["misses"] == 1 and tagged[-1].counters["flushes"] == 0
    stats = run_stats(SPACE, accesses, 4, "LRU", context_switch_every=4)
    assert (stats.misses, stats.flushes) == (3, 2)


def test_random_policy_is_deterministic_per_seed_and_stats_agree_with_frames():
    accesses = uniform_trace(BASE, PAGES, PAGE, 300, seed=3)
    a, b = simulate(SPACE, accesses, 8, "random", seed=7), simulate(SPACE, accesses, 8, "random", seed=7)
    assert a == b
    stats = run_stats(SPACE, accesses, 8, "random", seed=7)
    assert (stats.hits, stats.misses, stats.memory_references) == (
        a[-1].counters["hits"], a[-1].counters["misses"], a[-1].counters["memory_references"])


def test_large_pages_take_one_entry_and_shorter_walks():
    space = parse_mappings(X86_64, "0x00200000 -> 0x00400000 P RW PS\n0x40000000 -> 0x80000000 P RW PS")
    accesses = [0x00200000 + i * PAGE for i in range(512)] + [0x40000000 + i * (1 << 21) for i in range(512)]
    stats = run_stats(space, accesses, 2, "LRU")
    assert (stats.misses, stats.memory_references) == (2, 3 + 2)
    row = simulate(space, accesses[:3], 2)[-1].state.rows[0]
    assert (row.page, row.size, row.frame) == (0x00200000, 2 << 20, 0x00400000)


def test_faulting_access_walks_but_caches_nothing():
    trace = simulate(SPACE, [BASE + PAGES * PAGE, BASE + PAGES * PAGE], 4)
    assert [f.state.outcome for f in trace][1:] == ["fault", "fault"]
    assert trace[-1].counters["faults"] == 2 and trace[-1].state.rows == ()
    assert "#PF" in trace[-1].explanation


def test_hit_rate_series_and_sequential_loop():
    accesses = sequential_trace(BASE, 4, PAGE, 1024, stride=64)  # 64 accesses per page, 4 pages, 4 loops
    stats = run_stats(SPACE, accesses, 4)
    assert stats.misses == 4 and stats.hit_rate == pytest.approx(1 - 4 / 1024)
    series = hit_rate_series(SPACE, accesses, 2, every=256)
    assert [n for n, _ in series] == [256, 512, 768, 1024]
    assert all(rate == pytest.approx(252 / 256) for _, rate in series)  # LRU with 2 entries thrashes on a 4-page loop


def test_trace_generators_are_seeded_and_stay_in_the_region():
    for trace in (uniform_trace(BASE, PAGES, PAGE, 500, seed=1), working_set_trace(BASE, PAGES, PAGE, 500, seed=1)):
        assert all(BASE <= va < BASE + PAGES * PAGE for va in trace)
    assert working_set_trace(BASE, PAGES, PAGE, 500, seed=2) == working_set_trace(BASE, PAGES, PAGE, 500, seed=2)
    hot = working_set_trace(BASE, PAGES, PAGE, 2000, seed=4, hot_pages=4, hot_fraction=0.9)
    assert run_stats(SPACE, hot, 8).hit_rate > run_stats(SPACE, uniform_trace(BASE, PAGES, PAGE, 2000, seed=4), 8).hit_rate


def test_tlb_class_lookup_insert_flush():
    tlb = TLB(2, "FIFO")
    assert tlb.insert((1, 12), 0x1000) is None and tlb.insert((2, 12), 0x2000) is None
    assert tlb.lookup((1, 12)) == 0x1000 and tlb.lookup((3, 12)) is None
    assert tlb.insert((3, 12), 0x3000) == (1, 12)  # FIFO ignores the hit on page 1
    tlb.flush()
    assert len(tlb) == 0


@pytest.mark.parametrize("call, message", [
    (lambda: TLB(0), "TLB entries must be a whole number of at least 1"),
    (lambda: TLB(4, "MRU"), "policy 'MRU' is not one of"),
    (lambda: run_stats(SPACE, [BASE, 0x0000_9000_0000_0000], 4), "access 2: .*not canonical"),
    (lambda: simulate(SPACE, [BASE] * 501, 4), "at most 500"),
    (lambda: simulate(SPACE, [], 4), "empty"),
    (lambda: run_stats(SPACE, [BASE], 4, context_switch_every=0), "context_switch_every"),
    (lambda: working_set_trace(BASE, 4, PAGE, 10, hot_pages=5), "hot_pages must be between 1 and pages"),
    (lambda: uniform_trace(BASE, 0, PAGE, 10), "pages must be a whole number"),
])
def test_bad_settings_raise_tlb_errors(call, message):
    with pytest.raises(TLBError, match=message):
        call()


# --------------------------------------------------------------------------- textbook reference strings, OPT, the fast path

import importlib.util  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from engine.fullvirt.paging import IA32, TEACHING  # noqa: E402
from engine.fullvirt.tlb import ALL_POLICIES, parse_references, reference_space  # noqa: E402

BELADY = "1,2,3,4,1,2,5,1,2,3,4,5"  # sources.toml: belady-anomaly
SILBERSCHATZ = "7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1"  # the classic 20-reference exercise of OS textbooks


def misses(text: str, entries: int, policy: str) -> int:
    accesses = parse_references(TEACHING, text)
    return run_stats(reference_space(TEACHING, accesses), accesses, entries, policy).misses


def outcomes(text: str, entries: int, policy: str) -> str:
    accesses = parse_references(TEACHING, text)
    trace = simulate(reference_space(TEACHING, accesses), accesses, entries, policy)
    return "".join("h" if f.state.outcome == "hit" else "m" for f in trace if f.state.index is not None)


def test_beladys_anomaly_by_hand():
    """FIFO with 3 entries: 1 2 3 miss, 4 evicts 1, 1 evicts 2, 2 evicts 3, 5 evicts 4, 1 2 hit, 3 evicts 1, 4 evicts 2,
    5 hits: 9 misses. With 4 entries: 1-4 miss, 1 2 hit, 5 evicts 1, then 1 2 3 4 5 each evict the oldest: 10."""
    assert outcomes(BELADY, 3, "FIFO") == "mmmmmmmhhmmh" and misses(BELADY, 3, "FIFO") == 9
    assert outcomes(BELADY, 4, "FIFO") == "mmmmhhmmmmmm" and misses(BELADY, 4, "FIFO") == 10
    # LRU is a stack algorithm (no anomaly); OPT (Belady's MIN) is the least any policy can miss.
    assert (misses(BELADY, 3, "LRU"), misses(BELADY, 4, "LRU")) == (10, 8)
    assert (misses(BELADY, 3, "OPT"), misses(BELADY, 4, "OPT")) == (7, 6)


def test_the_classic_20_reference_exercise():
    assert [misses(SILBERSCHATZ, 3, p) for p in ("FIFO", "LRU", "OPT")] == [15, 12, 9]


def test_opt_names_the_page_used_farthest_in_the_future():
    accesses = parse_references(TEACHING, BELADY)
    trace = simulate(reference_space(TEACHING, accesses), accesses, 3, "OPT")
    fifth = next(f for f in trace if f.state.index == 6)  # access 7, page 5: 1 and 2 come back next, 3 at access 10...
    assert fifth.state.evicted.page == 4 * TEACHING.page_size  # ...and 4 at access 11: farthest, so 4 goes
    assert "Its next use is access 11" in fifth.explanation


@pytest.mark.parametrize("text, unit, expected", [
    ("0,1,2,0,1,3", "page", [0, 1, 2, 0, 1, 3]),
    ("0 1; 2,,07", "page", [0, 1, 2, 7]),
    ("0x0123 0x01ff, 0x0200", "address", [1, 1, 2]),
    ("0x1f", "page", [31]),
])
def test_reference_strings_as_page_numbers_or_addresses(text, unit, expected):
    assert [va >> TEACHING.offset_bits for va in parse_references(TEACHING, text, unit)] == expected


@pytest.mark.parametrize("text, unit, message", [
    ("", "page", "the reference string is empty"),
    ("1, 2, x", "page", "reference 3: 'x' is not a page number: write whole numbers"),
    ("1 256", "page", "reference 2: page 256 is outside Teaching \\(16-bit\\)'s 256 pages"),
    ("0x10000", "address", "reference 1: address 0x10000 is outside 0 to 0xffff"),
    (" ".join(["1"] * 501), "page", "501 references; at most 500"),
    (" ".join(str(p) for p in range(129)), "page", "129 different pages; at most 128"),
])
def test_bad_reference_strings_say_what_to_write(text, unit, message):
    with pytest.raises(TLBError, match=message):
        parse_references(TEACHING, text, unit)


def test_typed_pages_beyond_the_region_are_mapped_and_never_fault():
    accesses = parse_references(IA32, "0 15 16 200 1000000 16")
    stats = run_stats(reference_space(IA32, accesses), accesses, 8, "LRU")
    assert (stats.misses, stats.faults, stats.memory_references) == (5, 0, 10)


def _plain():
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_tlb.py"
    spec = importlib.util.spec_from_file_location("bench_tlb", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_tlb", module)
    spec.loader.exec_module(module)
    return module.plain_stats


PLAIN = _plain()
MIXED = parse_mappings(X86_64, "0x200000 -> 0x400000 P RW PS\n" + "\n".join(
    f"{0x1000 * p:#x} -> {0x10000 + 0x1000 * p:#x} P RW" for p in range(1, 12)))  # page 0 and 0x13000+ fault


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([0x1000 * p + 8 for p in range(0, 20)] + [0x200000 + 0x1000 * p for p in range(6)]),
                min_size=1, max_size=300),
       st.integers(1, 10), st.sampled_from(["LRU", "FIFO", "random"]), st.integers(0, 3))
def test_the_fast_path_agrees_with_a_plain_textbook_simulator(accesses, size, policy, seed):
    """Random traces with faults and a 2 MiB page: the same hits, misses and walk references as bench/bench_tlb.py's
    OrderedDict / deque simulator that walks on every miss, and the same as the animation."""
    hits, missed, references, series = PLAIN(MIXED, accesses, size, policy, seed, every=7)
    stats = run_stats(MIXED, accesses, size, policy, seed, every=7)
    assert (stats.hits, stats.misses, stats.memory_references) == (hits, missed, references)
    assert list(stats.series) == series
    if len(accesses) <= 500:
        last = simulate(MIXED, accesses, size, policy, seed)[-1].counters
        assert (last["hits"], last["misses"], last["memory_references"], last["faults"]) == (
            hits, missed, references, stats.faults)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=200), st.integers(1, 8), st.sampled_from([None, 5, 17]))
def test_opt_is_never_beaten_and_both_paths_agree(pages, size, switch):
    accesses = [BASE + p * PAGE for p in pages]
    opt = run_stats(SPACE, accesses, size, "OPT", context_switch_every=switch)
    assert opt.misses == simulate(SPACE, accesses, size, "OPT", context_switch_every=switch)[-1].counters["misses"]
    for policy in ("LRU", "FIFO", "random"):
        assert opt.misses <= run_stats(SPACE, accesses, size, policy, 2, context_switch_every=switch).misses


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=300), st.sampled_from([None, 7, 40]),
       st.sampled_from(list(ALL_POLICIES)))
def test_sweep_equals_one_run_per_size(pages, switch, policy):
    """LRU's sweep comes from one pass of stack distances; it must equal a separate run per size (and flushes)."""
    accesses = [BASE + p * PAGE for p in pages]
    sizes = [1, 2, 3, 5, 8, 30]
    assert sweep(SPACE, accesses, sizes, policy, 1, context_switch_every=switch) == [
        (n, run_stats(SPACE, accesses, n, policy, 1, context_switch_every=switch).hit_rate) for n in sizes]
