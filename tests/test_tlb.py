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
