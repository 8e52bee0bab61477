"""The TLB: the MMU's cache of recent translations (lecture 2.2, "Recap: Translation Lookaside Buffer").

The lecture's point is quantitative: a hit costs about one cycle, a miss costs a page walk of several
memory references, and a context switch on IA-32 flushes everything. So the same replay loop serves
the frame-by-frame animation (:func:`simulate`) and the fast, frame-less statistics for charts and
the benchmark (:func:`run_stats`, :func:`sweep`, :func:`hit_rate_series`). Translations are looked
up once per page and memoised: the page tables do not change during a replay, so this is exact.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from engine.fullvirt.paging import Access, AddressSpace, PageFault, PageTableError, fmt_pa, fmt_va, leaf_of, size_name
from engine.core.trace import Trace, TraceBuilder

Policy = Literal["LRU", "FIFO", "random"]
POLICIES: tuple[str, ...] = ("LRU", "FIFO", "random")
MAX_ANIMATED = 500  # one frame per access; longer traces belong in run_stats charts
Key = tuple[int, int]  # (virtual page number, page shift): entries of different page sizes never collide

EVICTION_TEXT = {"LRU": "the least recently used entry", "FIFO": "the oldest entry", "random": "a randomly chosen entry"}


class TLBError(ValueError):
    """A TLB setting or an access trace is unusable; the message names the field or the access."""


class TLB:
    """A fully associative TLB of ``entries`` translations with one replacement policy."""

    def __init__(self, entries: int, policy: Policy = "LRU", seed: int = 0):
        if not isinstance(entries, int) or entries < 1:
            raise TLBError(f"TLB entries must be a whole number of at least 1, got {entries!r}")
        if policy not in POLICIES:
            raise TLBError(f"policy '{policy}' is not one of {', '.join(POLICIES)}")
        self.entries = entries
        self.policy = policy
        self._lru = policy == "LRU"
        # Insertion order is FIFO order; LRU moves an entry to the end on every hit.
        self._slots: OrderedDict[Key, int] = OrderedDict()
        self._keys: list[Key] = []  # random policy only: O(1) victim choice by position
        self._where: dict[Key, int] = {}
        self._rng = random.Random(seed)

    def __len__(self) -> int:
        return len(self._slots)

    def lookup(self, key: Key) -> int | None:
        """The cached frame address, or None on a miss."""
        frame = self._slots.get(key)
        if frame is not None and self._lru:
            self._slots.move_to_end(key)
        return frame

    def insert(self, key: Key, frame: int) -> Key | None:
        """Cache a translation; returns the evicted key when the TLB was full."""
        victim = self._evict() if len(self._slots) >= self.entries else None
        self._slots[key] = frame
        if self.policy == "random":
            self._where[key] = len(self._keys)
            self._keys.append(key)
        return victim

    def _evict(self) -> Key:
        if self.policy != "random":
            return self._slots.popitem(last=False)[0]
        index = self._rng.randrange(len(self._keys))
        victim, last = self._keys[index], self._keys.pop()
        if last != victim:
            self._keys[index], self._where[last] = last, index
        del self._where[victim], self._slots[victim]
        return victim

    def flush(self) -> None:
        self._slots.clear()
        self._keys.clear()
        self._where.clear()

    def contents(self) -> tuple[tuple[Key, int], ...]:
        """Entries in eviction order for LRU and FIFO (first = next victim)."""
        return tuple(self._slots.items())


# --------------------------------------------------------------------------- the replay shared by every entry point

Page = tuple[Key, int, int]  # TLB key, frame address, page-table references of the walk


class _Replay:
    """Runs accesses through a TLB, walking (memoised per small page) on a miss."""

    def __init__(self, space: AddressSpace, tlb_entries: int, policy: Policy, seed: int, access: Access, user: bool):
        self.space, self.access, self.user = space, access, user
        self.tlb = TLB(tlb_entries, policy, seed)
        self.shift = space.mode.offset_bits
        self.pages: dict[int, Page | tuple[PageFault, int]] = {}

    def page(self, index: int, va: int) -> Page | tuple[PageFault, int]:
        try:
            leaf, references = leaf_of(self.space, va, self.access, self.user)
        except PageTableError as error:
            raise TLBError(f"access {index + 1}: {error}") from None
        if isinstance(leaf, PageFault):
            return leaf, references
        base, shift, frame = leaf
        return (base >> shift, shift), frame, references

    def step(self, index: int, va: int) -> tuple[Page | tuple[PageFault, int], bool, Key | None]:
        """(page info, hit?, evicted key) for one access."""
        small = va >> self.shift
        info = self.pages.get(small)
        if info is None:
            info = self.pages[small] = self.page(index, va)
        key = info[0]
        if isinstance(key, PageFault):
            return info, False, None
        if self.tlb.lookup(key) is not None:
            return info, True, None
        return info, False, self.tlb.insert(key, info[1])


def _check_switch(every: int | None) -> None:
    if every is not None and (not isinstance(every, int) or every < 1):
        raise TLBError(f"context_switch_every must be None or a whole number of at least 1, got {every!r}")


@dataclass(frozen=True)
class TLBStats:
    """Totals of a replay; ``memory_references`` counts page-table entries read by walks."""

    accesses: int
    hits: int
    misses: int
    faults: int
    walks: int
    memory_references: int
    flushes: int
    series: tuple[tuple[int, float], ...] = ()

    @property
    def hit_rate(self) -> float:
        return self.hits / self.accesses if self.accesses else 0.0


def run_stats(space: AddressSpace, accesses: Sequence[int], tlb_entries: int, policy: Policy = "LRU", seed: int = 0,
              context_switch_every: int | None = None, flush_on_switch: bool = True, access: Access = "read",
              user: bool = False, every: int = 0) -> TLBStats:
    """Hits, misses and walk references without frames; ``every`` > 0 also samples the running hit rate."""
    _check_switch(context_switch_every)
    replay = _Replay(space, tlb_entries, policy, seed, access, user)
    step, flush = replay.step, replay.tlb.flush
    switch = context_switch_every or 0
    hits = faults = references = flushes = 0
    series: list[tuple[int, float]] = []
    for index, va in enumerate(accesses):
        if switch and index and index % switch == 0 and flush_on_switch:
            flush()
            flushes += 1
        info, hit, _ = step(index, va)
        if hit:
            hits += 1
        else:
            references += info[-1]
            faults += isinstance(info[0], PageFault)
        if every and (index + 1) % every == 0:
            series.append((index + 1, hits / (index + 1)))
    total = len(accesses)
    return TLBStats(total, hits, total - hits, faults, total - hits, references, flushes, tuple(series))


def sweep(space: AddressSpace, accesses: Sequence[int], sizes: Iterable[int], policy: Policy = "LRU", seed: int = 0,
          **options: object) -> list[tuple[int, float]]:
    """(TLB size, hit rate) for each size: the curve a chart plots."""
    return [(size, run_stats(space, accesses, size, policy, seed, **options).hit_rate) for size in sizes]  # type: ignore[arg-type]


def hit_rate_series(space: AddressSpace, accesses: Sequence[int], tlb_entries: int, policy: Policy = "LRU", seed: int = 0,
                    every: int = 100, **options: object) -> tuple[tuple[int, float], ...]:
    """Running hit rate after every ``every`` accesses, for a line chart."""
    if every < 1:
        raise TLBError(f"every must be at least 1, got {every}")
    return run_stats(space, accesses, tlb_entries, policy, seed, every=every, **options).series  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the animation

@dataclass(frozen=True)
class TLBRow:
    """One cached translation as the UI shows it."""

    page: int  # virtual page base address
    size: int  # page size in bytes
    frame: int  # physical frame base address


@dataclass(frozen=True)
class TLBState:
    """One frame: the access, its outcome and the TLB contents afterwards."""

    capacity: int
    policy: str
    index: int | None  # 0-based access number; None for the start and context-switch frames
    va: int | None
    outcome: Literal["start", "hit", "miss", "fault", "switch"]
    physical: int | None
    walk_references: int
    rows: tuple[TLBRow, ...]  # for LRU and FIFO in eviction order: the first row is the next victim
    evicted: TLBRow | None = None


def _row(key: Key, frame: int) -> TLBRow:
    vpn, shift = key
    return TLBRow(vpn << shift, 1 << shift, frame)


def simulate(space: AddressSpace, accesses: Sequence[int], tlb_entries: int, policy: Policy = "LRU", seed: int = 0,
             context_switch_every: int | None = None, flush_on_switch: bool = True, access: Access = "read",
             user: bool = False) -> Trace[TLBState]:
    """One frame per access (plus one per context switch): hit or miss, the walk's cost, the eviction."""
    _check_switch(context_switch_every)
    if not accesses:
        raise TLBError("The access trace is empty: give at least one virtual address.")
    if len(accesses) > MAX_ANIMATED:
        raise TLBError(f"{len(accesses)} accesses; at most {MAX_ANIMATED} animate frame by frame (use the statistics chart for more).")
    mode = space.mode
    replay = _Replay(space, tlb_entries, policy, seed, access, user)
    tb: TraceBuilder[TLBState] = TraceBuilder(
        f"tlb-{mode.id}-{tlb_entries}-{policy}-{len(accesses)}", seed,
        {"accesses": 0, "hits": 0, "misses": 0, "walks": 0, "memory_references": 0, "flushes": 0, "faults": 0})

    def rows() -> tuple[TLBRow, ...]:
        return tuple(_row(k, f) for k, f in replay.tlb.contents())

    levels = mode.levels
    tb.add(TLBState(tlb_entries, policy, None, None, "start", None, 0, ()), "Empty TLB",
           f"{tlb_entries} entries, {policy} replacement. A hit takes about 1 cycle and hit rates above 99% are typical "
           f"(lecture); a miss costs a page walk of up to {levels} memory references in {mode.name}.")
    for index, va in enumerate(accesses):
        if context_switch_every and index and index % context_switch_every == 0:
            if flush_on_switch:
                replay.tlb.flush()
                tb.count("flushes")
                why = ("On IA-32 the TLB is invisible to the OS and is flushed on every context switch (lecture): "
                       "the next accesses miss until the working set is cached again.")
            else:
                why = "No flush: tagged TLB entries (PCID, ASID, VPID) survive the switch."
            tb.add(TLBState(tlb_entries, policy, None, None, "switch", None, 0, rows()), "Context switch", why, {"switch"})
        info, hit, victim = replay.step(index, va)
        tb.count("accesses")
        label = f"Access {index + 1}: {fmt_va(mode, va)}"
        if hit:
            tb.count("hits")
            key, frame, _ = info
            physical = frame + (va & ((1 << key[1]) - 1))
            tb.add(TLBState(tlb_entries, policy, index, va, "hit", physical, 0, rows()), f"{label} TLB hit",
                   f"Page {fmt_va(mode, key[0] << key[1])} ({size_name(1 << key[1])}) is cached: frame {fmt_pa(mode, frame)}, "
                   f"physical {fmt_pa(mode, physical)}, no page-table reference.", {"hit", f"page-{key[0] << key[1]:#x}"})
            continue
        tb.count("misses")
        tb.count("walks")
        tb.count("memory_references", info[-1])
        if isinstance(info[0], PageFault):
            tb.count("faults")
            tb.add(TLBState(tlb_entries, policy, index, va, "fault", None, info[-1], rows()), f"{label} miss, page fault",
                   f"The walk read {info[-1]} entries and ended in a fault: {info[0].message} Nothing is cached.", {"fault"})
            continue
        key, frame, references = info
        physical = frame + (va & ((1 << key[1]) - 1))
        evicted = _row(victim, 0) if victim else None
        why = (f"The MMU walks the page tables ({references} memory references) and caches page "
               f"{fmt_va(mode, key[0] << key[1])} ({size_name(1 << key[1])}) → frame {fmt_pa(mode, frame)}.")
        if evicted:
            why += f" The TLB was full: {policy} evicts {EVICTION_TEXT[policy]}, page {fmt_va(mode, evicted.page)}."
        tb.add(TLBState(tlb_entries, policy, index, va, "miss", physical, references, rows(), evicted),
               f"{label} TLB miss", why, {"miss", f"page-{key[0] << key[1]:#x}"} | ({"evicted"} if evicted else set()))
    return tb.build()


# --------------------------------------------------------------------------- access traces

def _check_region(pages: int, page_size: int, count: int) -> None:
    for name, value in (("pages", pages), ("page_size", page_size)):
        if not isinstance(value, int) or value < 1:
            raise TLBError(f"{name} must be a whole number of at least 1, got {value!r}")
    if not isinstance(count, int) or count < 0:
        raise TLBError(f"count must be a whole number of at least 0, got {count!r}")


def sequential_trace(base: int, pages: int, page_size: int, count: int, stride: int = 64) -> list[int]:
    """A loop over an array: ``stride`` bytes apart, wrapping around; page_size/stride hits per miss."""
    _check_region(pages, page_size, count)
    if stride < 1:
        raise TLBError(f"stride must be at least 1 byte, got {stride}")
    span = pages * page_size
    return [base + (i * stride) % span for i in range(count)]


def uniform_trace(base: int, pages: int, page_size: int, count: int, seed: int = 0) -> list[int]:
    """Uniformly random bytes over ``pages`` pages: the worst case for any TLB smaller than the region."""
    _check_region(pages, page_size, count)
    draw, span = random.Random(seed).randrange, pages * page_size
    return [base + draw(span) for _ in range(count)]


def working_set_trace(base: int, pages: int, page_size: int, count: int, seed: int = 0, hot_pages: int = 8,
                      hot_fraction: float = 0.9) -> list[int]:
    """Locality: ``hot_fraction`` of the accesses fall in a contiguous hot set of ``hot_pages`` pages."""
    _check_region(pages, page_size, count)
    if not 1 <= hot_pages <= pages:
        raise TLBError(f"hot_pages must be between 1 and pages ({pages}), got {hot_pages}")
    if not 0.0 <= hot_fraction <= 1.0:
        raise TLBError(f"hot_fraction must be between 0 and 1, got {hot_fraction}")
    rng = random.Random(seed)
    hot = base + rng.randrange(pages - hot_pages + 1) * page_size
    hot_span, span, draw, coin = hot_pages * page_size, pages * page_size, rng.randrange, rng.random
    return [hot + draw(hot_span) if coin() < hot_fraction else base + draw(span) for _ in range(count)]


__all__ = [
    "MAX_ANIMATED", "POLICIES", "TLB", "TLBError", "TLBRow", "TLBState", "TLBStats", "hit_rate_series", "run_stats",
    "sequential_trace", "simulate", "sweep", "uniform_trace", "working_set_trace",
]
