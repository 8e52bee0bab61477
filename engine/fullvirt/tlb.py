"""The TLB: the MMU's cache of recent translations (lecture 2.2, "Recap: Translation Lookaside Buffer").

The lecture's point is quantitative: a hit costs about one cycle, a miss costs a page walk of several
memory references, and a context switch on IA-32 flushes everything. :func:`simulate` animates a trace
frame by frame; :func:`run_stats`, :func:`sweep` and :func:`hit_rate_series` give the same counts on a
fast path for charts and long traces (bench/bench_tlb.py: at least 10x a plain textbook simulator).

Both start from :func:`_translate_trace`: every distinct page of the trace is walked once (the page
tables do not change during a replay, so this is exact) and the trace becomes a list of small integers,
one per TLB key. The statistics then run tight loops over those integers with no frame or tuple per
access: in FIFO and random a hit changes nothing, so C code (filterfalse) skips the hits, LRU gets every
TLB size from one pass of stack distances (LRU is a stack algorithm: Mattson et al. 1970), and a TLB at
least as large as the trace's distinct pages misses exactly once per page for every policy. OPT
(Belady's optimal policy) evicts the entry used farthest in the future; it needs the whole trace, which
a simulator has and hardware does not, so it is the yardstick for the others.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from itertools import filterfalse, repeat
from operator import rshift
from typing import Iterable, Literal, Sequence

from engine.fullvirt.paging import (
    Access, AddressSpace, MappingLine, PageFault, PageTableError, PagingMode, build_space, contiguous_mappings, fmt_pa, fmt_va,
    leaf_of, size_name,
)
from engine.core.trace import Trace, TraceBuilder

Policy = Literal["LRU", "FIFO", "random", "OPT"]
POLICIES: tuple[str, ...] = ("LRU", "FIFO", "random")  # what hardware could do: decided from the past only
ALL_POLICIES: tuple[str, ...] = POLICIES + ("OPT",)  # plus Belady's optimum, which needs the future (sources.toml: belady-opt)
MAX_ANIMATED = 500  # one frame per access; longer traces belong in run_stats charts
Key = tuple[int, int]  # (virtual page number, page shift): entries of different page sizes never collide

EVICTION_TEXT = {"LRU": "the least recently used entry", "FIFO": "the oldest entry", "random": "a randomly chosen entry",
                 "OPT": "the entry whose next use is farthest in the future (or never)"}


class TLBError(ValueError):
    """A TLB setting or an access trace is unusable; the message names the field or the access."""


class TLB:
    """A fully associative TLB of ``entries`` translations with one replacement policy."""

    def __init__(self, entries: int, policy: Policy = "LRU", seed: int = 0):
        if not isinstance(entries, int) or entries < 1:
            raise TLBError(f"TLB entries must be a whole number of at least 1, got {entries!r}")
        if policy not in ALL_POLICIES:
            raise TLBError(f"policy '{policy}' is not one of {', '.join(ALL_POLICIES)}")
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

    def insert(self, key: Key, frame: int, victim: Key | None = None) -> Key | None:
        """Cache a translation; returns the evicted key when the TLB was full.

        OPT cannot choose from the past: its caller, which knows the trace, names the ``victim``.
        """
        if len(self._slots) >= self.entries and self.policy == "OPT":
            if victim not in self._slots:
                raise TLBError("OPT needs the victim chosen from the future accesses; none was given")
            del self._slots[victim]
        else:
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


# --------------------------------------------------------------------------- one walk per page, the trace as integers

FAULT = -1  # the id of every access whose walk ends in a page fault: it misses and is never cached


@dataclass(frozen=True)
class _Translated:
    """A trace as TLB key ids, with what each id's walk found; ids of faulting pages are FAULT."""

    ids: list[int]
    keys: list[Key]  # by id
    frames: list[int]  # by id
    references: list[int]  # page-table entries read by the walk, by id
    faults: dict[int, tuple[PageFault, int]]  # access index of a faulting access -> (fault, references)


class _PageIds(dict):
    """small page -> key id; a page not seen yet is walked once, in :meth:`__missing__`."""

    def __init__(self, space: AddressSpace, access: Access, user: bool):
        super().__init__()
        self.space, self.access, self.user, self.shift = space, access, user, space.mode.offset_bits
        self.by_key: dict[Key, int] = {}
        self.keys: list[Key] = []
        self.frames: list[int] = []
        self.references: list[int] = []
        self.fault_pages: dict[int, tuple[PageFault, int]] = {}

    def __missing__(self, small: int) -> int:
        leaf, walked = leaf_of(self.space, small << self.shift, self.access, self.user)
        if isinstance(leaf, PageFault):
            self.fault_pages[small] = (leaf, walked)
            self[small] = FAULT
            return FAULT
        base, page_shift, frame = leaf
        key = (base >> page_shift, page_shift)
        id_ = self.by_key.get(key)
        if id_ is None:
            id_ = self.by_key[key] = len(self.keys)
            self.keys.append(key)
            self.frames.append(frame)
            self.references.append(walked)
        self[small] = id_
        return id_


def _translate_trace(space: AddressSpace, accesses: Sequence[int], access: Access, user: bool) -> _Translated:
    """Walk each distinct small page once; a large page's small pages share its key (and id).

    One pass in C over the trace (map of a shift and a dict lookup); Python code runs only for a new page.
    """
    pages = _PageIds(space, access, user)
    try:
        ids = list(map(pages.__getitem__, map(rshift, accesses, repeat(pages.shift))))
    except PageTableError as error:
        shift = pages.shift
        first = next(n for n, va in enumerate(accesses) if va >> shift not in pages)
        raise TLBError(f"access {first + 1}: {error}") from None
    faults = {}
    if pages.fault_pages:
        shift = pages.shift
        for index, id_ in enumerate(ids):
            if id_ == FAULT:
                fault, walked = pages.fault_pages[accesses[index] >> shift]
                faults[index] = (replace(fault, va=accesses[index]), walked)
    return _Translated(ids, pages.keys, pages.frames, pages.references, faults)


def _next_uses(ids: Sequence[int]) -> list[int]:
    """For each access, the index of the next access with the same id (len(ids) when there is none)."""
    never = len(ids)
    nxt = [never] * never
    seen: dict[int, int] = {}
    for index in range(never - 1, -1, -1):
        id_ = ids[index]
        nxt[index] = seen.get(id_, never)
        seen[id_] = index
    return nxt


def _misses(ids: list[int], entries: int, policy: str, seed: int, start: int = 0, rng: random.Random | None = None,
            distinct: int | None = None) -> list[int]:
    """Indices (offset by ``start``) of the accesses that miss, for one run from an empty TLB; the tight loops.

    ``distinct`` is the number of cacheable pages in ``ids`` when the caller knows it.
    """
    misses: list[int] = []
    add = misses.append
    pages = set(ids) if distinct is None else None
    if (len(pages - {FAULT}) if pages is not None else distinct) <= entries:  # type: ignore[operator]
        # Nothing is ever evicted, so every policy misses on a page's first access only (and on every fault):
        # list.index finds each first access in C.
        find = ids.index
        firsts = [find(id_) for id_ in (pages if pages is not None else range(distinct)) if id_ != FAULT]  # type: ignore[arg-type]
        if FAULT in ids:
            firsts += [index for index, id_ in enumerate(ids) if id_ == FAULT]
        return sorted(index + start for index in firsts)
    if policy == "LRU":
        lru: OrderedDict[int, None] = OrderedDict()
        move, pop = lru.move_to_end, lru.popitem
        for index, id_ in enumerate(ids, start):
            if id_ in lru:
                move(id_)
                continue
            add(index)
            if id_ != FAULT:
                if len(lru) >= entries:
                    pop(False)
                lru[id_] = None
    elif policy in ("FIFO", "random"):
        # A hit changes nothing in FIFO or random, so C code skips the hits: filterfalse yields only the accesses
        # whose page is not cached at that moment (it tests each one as the loop asks for it, after the previous
        # miss was handled), and list.index finds where that miss is: the page's first access since the last miss.
        resident: set[int] = set()
        order: list[int] = []  # FIFO: insertion order; random: the slots
        oldest = 0
        rng = rng or random.Random(seed)
        # CPython's randrange(n) is _randbelow(n) after checking its arguments: the same draws (tests/test_tlb.py
        # compares with the animated TLB's randrange) at a fifth of the cost.
        draw = getattr(rng, "_randbelow", rng.randrange)
        fifo, find, last = policy == "FIFO", ids.index, -1
        for id_ in filterfalse(resident.__contains__, ids):
            last = find(id_, last + 1)
            add(last + start)
            if id_ == FAULT:
                continue
            if fifo:
                if len(resident) >= entries:
                    resident.discard(order[oldest])
                    oldest += 1
                order.append(id_)
            else:
                if len(order) >= entries:  # the same choice as TLB._evict, so both paths agree per seed
                    victim = draw(len(order))
                    resident.discard(order[victim])
                    order[victim] = order[-1]
                    order.pop()
                order.append(id_)
            resident.add(id_)
    else:  # OPT: evict the entry used farthest in the future
        nxt = _next_uses(ids)
        cached: dict[int, int] = {}  # id -> index of its next use
        for index, id_ in enumerate(ids):
            if id_ in cached:
                cached[id_] = nxt[index]
                continue
            add(index + start)
            if id_ != FAULT:
                if len(cached) >= entries:
                    del cached[max(cached, key=cached.__getitem__)]
                cached[id_] = nxt[index]
    return misses


def _runs(ids: list[int], switch: int | None, flush: bool) -> list[tuple[int, list[int]]]:
    """(start, ids) for each stretch between TLB flushes."""
    if not switch or not flush:
        return [(0, ids)]
    return [(start, ids[start:start + switch]) for start in range(0, len(ids), switch)]


def _check_switch(every: int | None) -> None:
    if every is not None and (not isinstance(every, int) or every < 1):
        raise TLBError(f"context_switch_every must be None or a whole number of at least 1, got {every!r}")


def _check_entries(entries: int, policy: str) -> None:
    TLB(entries, policy)  # the same validation and messages as the animated TLB


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


def _stats(t: _Translated, tlb_entries: int, policy: str, seed: int, context_switch_every: int | None,
           flush_on_switch: bool, every: int) -> TLBStats:
    ids, total = t.ids, len(t.ids)
    rng = random.Random(seed)  # one generator across flushes, as the animated TLB keeps its own
    misses: list[int] = []
    runs = _runs(ids, context_switch_every, flush_on_switch)
    for start, part in runs:
        misses += _misses(part, tlb_entries, policy, seed, start, rng, len(t.keys) if len(runs) == 1 else None)
    refs = t.references
    references = sum(refs[ids[i]] if ids[i] != FAULT else t.faults[i][1] for i in misses)
    faults = len(t.faults)
    flushes = (total - 1) // context_switch_every if context_switch_every and flush_on_switch and total else 0
    series: tuple[tuple[int, float], ...] = ()
    if every:
        series = tuple((n, (n - bisect_left(misses, n)) / n) for n in range(every, total + 1, every))
    return TLBStats(total, total - len(misses), len(misses), faults, len(misses), references, flushes, series)


def run_stats(space: AddressSpace, accesses: Sequence[int], tlb_entries: int, policy: Policy = "LRU", seed: int = 0,
              context_switch_every: int | None = None, flush_on_switch: bool = True, access: Access = "read",
              user: bool = False, every: int = 0) -> TLBStats:
    """Hits, misses and walk references without frames; ``every`` > 0 also samples the running hit rate."""
    _check_switch(context_switch_every)
    _check_entries(tlb_entries, policy)
    return _stats(_translate_trace(space, accesses, access, user), tlb_entries, policy, seed, context_switch_every,
                  flush_on_switch, every)


def _lru_hits_by_size(ids: list[int], sizes: Sequence[int], switch: int | None, flush: bool) -> dict[int, int]:
    """LRU hits for every size from one pass: an access hits a TLB of n entries iff its stack distance is < n."""
    distances: list[int] = []
    add = distances.append
    for _, part in _runs(ids, switch, flush):
        stack: list[int] = []  # most recently used first
        find, put = stack.index, stack.insert
        for id_ in part:
            if stack and stack[0] == id_:
                add(0)
                continue
            if id_ == FAULT:
                continue
            try:
                depth = find(id_)
            except ValueError:
                put(0, id_)
                continue
            add(depth)
            del stack[depth]
            put(0, id_)
    histogram = Counter(distances)
    return {size: sum(n for depth, n in histogram.items() if depth < size) for size in sizes}


def sweep(space: AddressSpace, accesses: Sequence[int], sizes: Iterable[int], policy: Policy = "LRU", seed: int = 0,
          **options: object) -> list[tuple[int, float]]:
    """(TLB size, hit rate) for each size: the curve a chart plots. One walk per page for all sizes."""
    sizes = list(sizes)
    switch, flush = options.get("context_switch_every"), bool(options.get("flush_on_switch", True))
    _check_switch(switch)  # type: ignore[arg-type]
    for size in sizes:
        _check_entries(size, policy)
    t = _translate_trace(space, accesses, options.get("access", "read"), bool(options.get("user", False)))  # type: ignore[arg-type]
    total = len(accesses)
    if policy == "LRU":
        hits = _lru_hits_by_size(t.ids, sizes, switch, flush)  # type: ignore[arg-type]
        return [(size, hits[size] / total if total else 0.0) for size in sizes]
    return [(size, _stats(t, size, policy, seed, switch, flush, 0).hit_rate) for size in sizes]  # type: ignore[arg-type]


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
    tlb = TLB(tlb_entries, policy, seed)
    t = _translate_trace(space, accesses, access, user)
    next_use: list[int] = []  # OPT only: per stretch between flushes, the next access to the same page
    if policy == "OPT":
        for start, part in _runs(t.ids, context_switch_every, flush_on_switch):
            next_use += [start + n for n in _next_uses(part)]
    due: dict[Key, int] = {}  # OPT: cached key -> index of its next use
    tb: TraceBuilder[TLBState] = TraceBuilder(
        f"tlb-{mode.id}-{tlb_entries}-{policy}-{len(accesses)}", seed,
        {"accesses": 0, "hits": 0, "misses": 0, "walks": 0, "memory_references": 0, "flushes": 0, "faults": 0})

    def rows() -> tuple[TLBRow, ...]:
        return tuple(_row(k, f) for k, f in tlb.contents())

    levels = mode.levels
    tb.add(TLBState(tlb_entries, policy, None, None, "start", None, 0, ()), "Empty TLB",
           f"{tlb_entries} entries, {policy} replacement. A hit takes about 1 cycle and hit rates above 99% are typical "
           f"(lecture); a miss costs a page walk of up to {levels} memory references in {mode.name}."
           + (" OPT looks into the future of the trace, which no hardware can: it is the yardstick for the others."
              if policy == "OPT" else ""))
    for index, va in enumerate(accesses):
        if context_switch_every and index and index % context_switch_every == 0:
            if flush_on_switch:
                tlb.flush()
                tb.count("flushes")
                why = ("On IA-32 the TLB is invisible to the OS and is flushed on every context switch (lecture): "
                       "the next accesses miss until the working set is cached again.")
            else:
                why = "No flush: tagged TLB entries (PCID, ASID, VPID) survive the switch."
            tb.add(TLBState(tlb_entries, policy, None, None, "switch", None, 0, rows()), "Context switch", why, {"switch"})
        id_ = t.ids[index]
        tb.count("accesses")
        label = f"Access {index + 1}: {fmt_va(mode, va)}"
        if id_ == FAULT:
            fault, references = t.faults[index]
            tb.count("misses")
            tb.count("walks")
            tb.count("memory_references", references)
            tb.count("faults")
            tb.add(TLBState(tlb_entries, policy, index, va, "fault", None, references, rows()), f"{label} miss, page fault",
                   f"The walk read {references} entries and ended in a fault: {fault.message} Nothing is cached.", {"fault"})
            continue
        key, frame, references = t.keys[id_], t.frames[id_], t.references[id_]
        physical = frame + (va & ((1 << key[1]) - 1))
        if tlb.lookup(key) is not None:
            if next_use:
                due[key] = next_use[index]
            tb.count("hits")
            tb.add(TLBState(tlb_entries, policy, index, va, "hit", physical, 0, rows()), f"{label} TLB hit",
                   f"Page {fmt_va(mode, key[0] << key[1])} ({size_name(1 << key[1])}) is cached: frame {fmt_pa(mode, frame)}, "
                   f"physical {fmt_pa(mode, physical)}, no page-table reference.", {"hit", f"page-{key[0] << key[1]:#x}"})
            continue
        tb.count("misses")
        tb.count("walks")
        tb.count("memory_references", references)
        choice = None
        if next_use and len(tlb) >= tlb_entries:
            choice = max((k for k, _ in tlb.contents()), key=due.__getitem__)
        victim = tlb.insert(key, frame, choice)
        if next_use:
            due[key] = next_use[index]
        evicted = _row(victim, 0) if victim else None
        why = (f"The MMU walks the page tables ({references} memory references) and caches page "
               f"{fmt_va(mode, key[0] << key[1])} ({size_name(1 << key[1])}) → frame {fmt_pa(mode, frame)}.")
        if evicted:
            why += f" The TLB was full: {policy} evicts {EVICTION_TEXT[policy]}, page {fmt_va(mode, evicted.page)}."
            if policy == "OPT" and victim is not None:
                when = due[victim]
                why += (" It is not used again before the next flush or the end." if when >= len(accesses)
                        or context_switch_every and flush_on_switch and when // context_switch_every != index // context_switch_every
                        or when == index else f" Its next use is access {when + 1}.")
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


# --------------------------------------------------------------------------- a typed reference string

REGION_PAGES = 16  # the paging page's TLB tab always maps virtual pages 0-15 to frames 32-47 (the quiz generator's space)
MAX_REFERENCE_PAGES = 128  # distinct pages of a typed string: frames stay below the page tables' region in every mode
RefUnit = Literal["page", "address"]


def _reference_number(n: int, token: str, what: str) -> int:
    for base in (0, 10):  # 0 reads 0x1f and 0b101; 10 reads numbers with leading zeros such as 07
        try:
            return int(token, base)
        except ValueError:
            pass
    raise TLBError(f"reference {n}: '{token[:20]}' is not {what}: write whole numbers (decimal, or hex with 0x) separated "
                   "by commas or spaces, e.g. 0,1,2,0,1,3")


def parse_references(mode: PagingMode, text: str, unit: RefUnit = "page") -> tuple[int, ...]:
    """A textbook reference string as virtual addresses: page numbers (page n at n × page size) or addresses.

    Commas, semicolons and spaces separate references; '0x' marks hex. Addresses fall into pages of the
    mode's page size, so 0x0123 and 0x01ff are the same page in the teaching mode's 256-byte pages.
    """
    tokens = text.replace(",", " ").replace(";", " ").split()
    if not tokens:
        raise TLBError("the reference string is empty: write page numbers separated by commas or spaces, e.g. 0,1,2,0,1,3")
    if len(tokens) > MAX_ANIMATED:
        raise TLBError(f"{len(tokens)} references; at most {MAX_ANIMATED} animate frame by frame")
    # x86-64 takes the lower, user half of its canonical addresses; the others their whole space.
    va_bits = mode.va_bits - 1 if mode.canonical else mode.va_bits
    pages = 1 << (va_bits - mode.offset_bits)
    accesses = []
    for n, token in enumerate(tokens, start=1):
        if unit == "page":
            page = _reference_number(n, token, "a page number")
            if not 0 <= page < pages:
                raise TLBError(f"reference {n}: page {token} is outside {mode.name}'s {pages:,} pages (0 to {pages - 1:,})")
            accesses.append(page << mode.offset_bits)
        else:
            va = _reference_number(n, token, "an address")
            if not 0 <= va < 1 << va_bits:
                raise TLBError(f"reference {n}: address {token} is outside 0 to {(1 << va_bits) - 1:#x} in {mode.name}")
            accesses.append(va)
    distinct = len({va >> mode.offset_bits for va in accesses})
    if distinct > MAX_REFERENCE_PAGES:
        raise TLBError(f"the string uses {distinct} different pages; at most {MAX_REFERENCE_PAGES} fit on the page")
    return tuple(accesses)


def reference_space(mode: PagingMode, accesses: Iterable[int] = ()) -> AddressSpace:
    """Pages 0-15 mapped to frames 32 pages up (as the generated questions assume), plus every other page used."""
    size = mode.page_size
    region = contiguous_mappings(mode, 0, size * 32, REGION_PAGES)
    extra = sorted({va >> mode.offset_bits for va in accesses} - set(range(REGION_PAGES)))
    lines = [MappingLine(REGION_PAGES + n + 1, page * size, (32 + REGION_PAGES + n) * size, frozenset({"P", "RW", "US"}),
                         mode.levels - 1) for n, page in enumerate(extra)]
    return build_space(mode, region + tuple(lines))


__all__ = [
    "ALL_POLICIES", "MAX_ANIMATED", "MAX_REFERENCE_PAGES", "POLICIES", "REGION_PAGES", "TLB", "TLBError", "TLBRow", "TLBState", "TLBStats", "hit_rate_series", "parse_references", "reference_space", "run_stats",
    "sequential_trace", "simulate", "sweep", "uniform_trace", "working_set_trace",
]
