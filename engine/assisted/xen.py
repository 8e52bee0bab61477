"""Paravirtualization the Xen way (lecture 2.3, "OS-Assisted Virtualization in Practice: The Example of Xen";
Barham et al. SOSP 2003 and xen.git; sources.toml: xen-memory, xen-cpu, xen-events, xen-io-rings).

A Xen guest kernel is *ported*: it knows it runs on Xen, so instead of being trapped on every sensitive
operation it asks Xen explicitly. This module models four of the lecture's points, each as a :class:`Trace`:

* memory: machine frames are statically partitioned among domains, Xen knows who owns which frame, and a
  guest updates its own (read-only registered) page tables only through the validated ``mmu_update`` hypercall,
  optionally batched;
* CPU: in a 32-bit guest a system call reaches the ring-1 guest kernel directly, a page fault must go through
  Xen in ring 0 (on x86-64 every PV system call enters Xen first; sources.toml: xen-syscall-x86-64);
* hypercalls (synchronous, guest → Xen) versus event channels (asynchronous, Xen or Dom0 → guest);
* split drivers: one request through the shared I/O ring from a guest's front end to Dom0's back end and back.

The model deliberately simplifies real Xen; :data:`SIMPLIFICATIONS` lists how, for the UI to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Literal, Sequence

from engine.core.trace import Trace, TraceBuilder

# sources.toml: xen-hypercall-numbers, xen.git xen/include/public/xen.h (__HYPERVISOR_* numbers)
HYPERCALLS: dict[str, int] = {
    "set_trap_table": 0, "mmu_update": 1, "set_gdt": 2, "stack_switch": 3, "set_callbacks": 4,
    "fpu_taskswitch": 5, "sched_op_compat": 6, "platform_op": 7, "update_descriptor": 10, "memory_op": 12,
    "multicall": 13, "update_va_mapping": 14, "set_timer_op": 15, "xen_version": 17, "console_io": 18,
    "grant_table_op": 20, "vm_assist": 21, "iret": 23, "vcpu_op": 24, "mmuext_op": 26, "sched_op": 29,
    "event_channel_op": 32, "physdev_op": 33, "hvm_op": 34, "sysctl": 35, "domctl": 36, "dm_op": 41,
}

# What Xen does for the hypercalls the lecture's flows use; the rest get a generic sentence.
HYPERCALL_WORK: dict[str, str] = {
    "set_trap_table": "records the guest's exception handlers (its virtual IDT), so Xen can bounce faults to them "
                      "and the CPU can enter the fast system-call handler directly",
    "mmu_update": "validates each requested page-table write (frame ownership, no writable mapping of a page table) "
                  "and applies the valid ones",
    "set_callbacks": "records the guest's event callback, the entry point Xen upcalls for pending events",
    "platform_op": "performs a platform-wide control operation, allowed only for the privileged Domain 0 "
                   "(it was called dom0_op before)",
    "memory_op": "changes the domain's memory reservation, as a balloon driver does to give pages back or claim more",
    "multicall": "runs a whole list of different hypercalls (each entry: op, result, arguments) for one trap",
    "update_va_mapping": "validates and writes the one PTE that maps a given virtual address",
    "grant_table_op": "maps or unmaps a page another domain granted, checking the grant reference like a capability",
    "mmuext_op": "runs an extended MMU operation such as pinning a validated page table or flushing the TLB",
    "event_channel_op": "sets the event's bit in the receiving domain's pending bitmask (sending a notification)",
}

XEN_RING = 0
APP_RING = 3
# sources.toml: xen-rings, xen.git public/arch-x86/xen-x86_32.h FLAT_KERNEL_CS = FLAT_RING1_CS; xen-x86_64.h FLAT_RING3_CS64
KERNEL_RING: dict[str, int] = {"x86_32": 1, "x86_64": 3}
Arch = Literal["x86_32", "x86_64"]

# sources.toml: x86-64-paging, pte-bits (linux pgtable_types.h, SDM Vol. 3A ch. 4): 4 KiB pages, 512 eight-byte PTEs, P = bit 0, R/W = bit 1
PAGE_SHIFT = 12
PTE_SIZE = 8
PTES_PER_TABLE = (1 << PAGE_SHIFT) // PTE_SIZE
PTE_PRESENT = 1 << 0
PTE_RW = 1 << 1
WORD_LIMIT = 1 << 64  # struct mmu_update { uint64_t ptr; uint64_t val; }  (sources.toml: xen-hypercall-numbers)

MAX_MACHINE_FRAMES = 256
MAX_UPDATES = 64
RING_SLOTS = 8

SIMPLIFICATIONS = (
    "Memory: one-level page tables (512 eight-byte PTEs, only the present and R/W bits), fixed at domain creation; "
    "real Xen validates multi-level tables, pins them with mmuext_op (26) and tracks the types PD, PT, LDT, GDT and RW "
    "with reference counts, of which the model keeps PT vs RW and a count of mappings per frame. "
    "mmu_update handles only the normal PTE write (the real ptr also carries a command in its low bits), and Dom0 gets "
    "no extra mapping rights. Sharing between domains is not modelled here: real Xen uses grant tables. "
    "CPU: the 2003 x86-32 design (guest kernel in ring 1); on x86-64 the PV kernel runs in ring 3, and every "
    "system call enters Xen first, which bounces it to the guest kernel (no direct fast path there). "
    "Events: one 8-bit pending bitmask and one mask flag per guest. "
    "Split drivers: one back end in Dom0, one 8-slot ring, no real data transfer; the device completes at once."
)

SOURCES: dict[str, str] = {
    "memory": "Lecture slides 'XEN and Physical Memory', 'XEN and Memory Virtualization'; Barham et al. SOSP 2003 "
              "§3.3.3–3.3.4; xen.git xen/include/public/xen.h (struct mmu_update, hypercall numbers)",
    "cpu": "Lecture slide 'XEN and CPU Virtualization'; Barham et al. SOSP 2003 §2.1.2 (fast system-call handler, "
           "CR2 and the extended stack frame)",
    "hypercall": "Lecture slide 'XEN and I/O Virtualization'; Barham et al. SOSP 2003 §3.1; xen.git "
                 "xen/include/public/xen.h",
    "events": "Lecture slide 'XEN and I/O Virtualization'; Barham et al. SOSP 2003 §3.1 (pending bitmask, callback, "
              "'virtual CLI'); event_channel_op = 32 from xen.git public/xen.h",
    "split-drivers": "Barham et al. SOSP 2003 §3.2, Fig. 2 (I/O rings); front/back split drivers and grant tables "
                     "since Xen 2.0; xen.git xen/include/public/io/ring.h, io/blkif.h, io/netif.h, grant_table.h",
}


class XenError(ValueError):
    """A scenario cannot run; the message names the domain, frame, request or argument that is wrong."""


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_machine_frames(count: object) -> None:
    if not _whole(count) or not 1 <= count <= MAX_MACHINE_FRAMES:  # type: ignore[operator]
        raise XenError(f"machine_frames must be a whole number from 1 to {MAX_MACHINE_FRAMES}, got {count!r}")


# --------------------------------------------------------------------------- domains and memory

@dataclass(frozen=True)
class Pte:
    """A present page-table entry: which machine frame it maps, and whether writes are allowed."""

    frame: int
    writable: bool

    @property
    def val(self) -> int:
        """The raw 64-bit value a guest passes as ``mmu_update.val``."""
        return (self.frame << PAGE_SHIFT) | PTE_PRESENT | (PTE_RW if self.writable else 0)

    @property
    def label(self) -> str:
        return f"frame {self.frame} {'RW' if self.writable else 'RO'}"


Table = tuple[tuple[int, Pte], ...]  # (slot, PTE) sorted by slot; an absent slot is not present


@dataclass(frozen=True)
class Domain:
    """A domain's static memory partition, in guest-physical order (this list is its P2M map)."""

    name: str
    frames: tuple[int, ...]
    page_tables: tuple[int, ...]  # the frames registered (pinned) as page tables: type PT
    privileged: bool = False  # Domain 0: the control interface and the physical device drivers

    @property
    def kind(self) -> str:
        return "Domain 0" if self.privileged else "Domain U"


@dataclass(frozen=True)
class Host:
    """The machine as Xen sees it: who owns each frame, which frames are page tables, and their contents.

    Ownership never changes after creation (static partitioning); only page-table contents do, and only
    through validated updates, so every reachable Host satisfies :meth:`violations` ``== ()``.
    """

    machine_frames: int
    xen_frames: tuple[int, ...]
    domains: tuple[Domain, ...]
    tables: tuple[tuple[int, Table], ...]  # page-table frame → its present entries
    arch: Arch = "x86_32"

    def __post_init__(self) -> None:
        _check_machine_frames(self.machine_frames)
        if self.arch not in KERNEL_RING:
            raise XenError(f"unknown architecture {self.arch!r} (known: {', '.join(KERNEL_RING)})")
        if not self.domains:
            raise XenError("give at least one domain: Domain 0 is created at boot")
        names = [d.name for d in self.domains]
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise XenError(f"domain name {name!r} must be non-empty text")
            if names.count(name) > 1:
                raise XenError(f"duplicate domain name '{name}'")
        privileged = [d.name for d in self.domains if d.privileged]
        if len(privileged) != 1:
            raise XenError(f"exactly one domain must be Domain 0 (privileged), found {len(privileged)}: {privileged}")
        owners: dict[int, str] = {}
        for owner, frames in (("Xen", self.xen_frames), *((d.name, d.frames) for d in self.domains)):
            for frame in frames:
                if not _whole(frame) or not 0 <= frame < self.machine_frames:
                    raise XenError(f"{owner}: machine frame {frame!r} does not exist (0–{self.machine_frames - 1})")
                if frame in owners:
                    raise XenError(f"machine frame {frame} is given to both {owners[frame]} and {owner}")
                owners[frame] = owner
        for domain in self.domains:
            for frame in domain.page_tables:
                if owners.get(frame) != domain.name:
                    raise XenError(f"domain {domain.name}: page-table frame {frame} is not one of its own frames")
        for pt, table in self.tables:
            owner = owners.get(pt, "nobody")
            if pt not in self.page_table_frames:
                raise XenError(f"table at frame {pt} ({owner}): frame {pt} is not a registered page-table frame")
            for slot, pte in table:
                if not _whole(slot) or not 0 <= slot < PTES_PER_TABLE:
                    raise XenError(f"table at frame {pt} ({owner}): slot {slot!r} is outside 0–{PTES_PER_TABLE - 1}")
        problems = self.violations()
        if problems:
            raise XenError(f"initial page tables break isolation: {problems[0]}")

    @property
    def kernel_ring(self) -> int:
        return KERNEL_RING[self.arch]

    @property
    def page_table_frames(self) -> frozenset[int]:
        return frozenset(f for d in self.domains for f in d.page_tables)

    def owner(self, frame: int) -> str | None:
        """The frame → domain map Xen keeps ("Xen" for its own frames, None for unallocated ones)."""
        if frame in self.xen_frames:
            return "Xen"
        return next((d.name for d in self.domains if frame in d.frames), None)

    def owner_text(self, frame: int) -> str:
        """Who owns a frame, in words, for Xen's rejection messages."""
        if not 0 <= frame < self.machine_frames:
            return f"nobody: the machine has only frames 0–{self.machine_frames - 1}"
        return self.owner(frame) or "no domain (it is unallocated)"

    def domain(self, name: str) -> Domain:
        for d in self.domains:
            if d.name == name:
                return d
        raise XenError(f"unknown domain '{name}' (known: {', '.join(d.name for d in self.domains)})")

    def table(self, pt: int) -> dict[int, Pte]:
        return dict(dict(self.tables).get(pt, ()))

    def frame_type(self, frame: int) -> str:
        """PT for a page table, RW for an ordinary domain frame; a PT frame may never be mapped writable."""
        owner = self.owner(frame)
        if owner is None:
            return "free"
        if owner == "Xen":
            return "Xen"
        return "PT" if frame in self.page_table_frames else "RW"

    def ref_count(self, frame: int) -> int:
        """How many present PTEs map this frame (Xen's per-frame reference count, simplified)."""
        return sum(pte.frame == frame for _, table in self.tables for _, pte in table)

    def frame_rows(self) -> tuple[tuple[int, str, str, int], ...]:
        """(machine frame, owner, type, references) for every frame: the table the UI draws."""
        return tuple((f, self.owner(f) or "—", self.frame_type(f), self.ref_count(f)) for f in range(self.machine_frames))

    def violations(self) -> tuple[str, ...]:
        """Isolation as Xen guarantees it: a domain maps only its own frames, and a page table never writable."""
        problems = []
        for pt, table in self.tables:
            owner = self.owner(pt)
            for slot, pte in table:
                if self.owner(pte.frame) != owner:
                    problems.append(f"{owner}'s table at frame {pt}, slot {slot}, maps frame {pte.frame} "
                                    f"of {self.owner(pte.frame) or 'nobody'}")
                elif pte.writable and pte.frame in self.page_table_frames:
                    problems.append(f"{owner}'s table at frame {pt}, slot {slot}, maps page-table frame {pte.frame} writable")
        return tuple(problems)


def _deal(free: list[int], sizes: Sequence[int], rng: random.Random) -> list[list[int]]:
    """Hand out frames round-robin in runs of 1–3 (random), ascending, so the partitions interleave.

    A domain's first run stops short of its size, so another domain's run always follows it and, with two or
    more domains, no partition is contiguous (the lecture: "no guarantee that partition is contiguous").
    """
    parts: list[list[int]] = [[] for _ in sizes]
    pos = 0
    while any(len(part) < size for part, size in zip(parts, sizes)):
        for part, size in zip(parts, sizes):
            left = size - len(part)
            if left:
                run = min(rng.randint(1, 3), left if part else left - 1)
                part.extend(free[pos:pos + run])
                pos += run
    return parts


def create_host(domains: Sequence[tuple[str, int]], machine_frames: int = 32, xen_frames: int = 4, seed: int = 0,
                arch: Arch = "x86_32") -> Host:
    """Partition memory at domain creation: Xen keeps the lowest frames, the rest go out scattered by ``seed``.

    The first domain is Domain 0. Each domain's first frame is its page table, which maps the table itself
    read-only (slot 0) and the domain's other frames writable, as a freshly booted guest kernel would.
    """
    _check_machine_frames(machine_frames)
    if not _whole(xen_frames) or not 0 <= xen_frames < machine_frames:
        raise XenError(f"xen_frames must be a whole number from 0 to machine_frames − 1, got {xen_frames!r}")
    seen: set[str] = set()
    for name, size in domains:
        if name in seen:
            raise XenError(f"duplicate domain name '{name}'")
        seen.add(name)
        if not _whole(size) or size < 2:
            raise XenError(f"domain {name}: needs a whole number of at least 2 frames (a page table and a data frame), "
                           f"got {size!r}")
    wanted = sum(size for _, size in domains)
    available = machine_frames - xen_frames
    if wanted > available:
        raise XenError(f"over-commit: the domains ask for {wanted} frames, but only {available} of {machine_frames} "
                       f"machine frames are free (Xen keeps {xen_frames}); memory is partitioned statically")
    parts = _deal(list(range(xen_frames, machine_frames)), [size for _, size in domains], random.Random(seed))
    built = tuple(Domain(name, tuple(frames), (frames[0],), privileged=i == 0)
                  for i, ((name, _), frames) in enumerate(zip(domains, parts)))
    tables = tuple((d.frames[0], tuple((slot, Pte(f, writable=slot > 0)) for slot, f in enumerate(d.frames)))
                   for d in built)
    return Host(machine_frames, tuple(range(xen_frames)), built, tables, arch)


def default_host(seed: int = 0) -> Host:
    """The lecture's picture: Xen, Domain 0 and two Domain U guests on 32 machine frames."""
    return create_host((("Dom0", 12), ("DomU1", 8), ("DomU2", 8)), machine_frames=32, xen_frames=4, seed=seed)


# --------------------------------------------------------------------------- validated page-table updates

@dataclass(frozen=True)
class MmuUpdate:
    """One entry of the array passed to ``mmu_update``: ptr = machine address of the PTE, val = the new PTE."""

    ptr: int
    val: int

    @classmethod
    def write(cls, table_frame: int, slot: int, frame: int, writable: bool) -> MmuUpdate:
        """Map ``frame`` in slot ``slot`` of the page table in ``table_frame``."""
        return cls((table_frame << PAGE_SHIFT) + slot * PTE_SIZE, Pte(frame, writable).val)

    @classmethod
    def clear(cls, table_frame: int, slot: int) -> MmuUpdate:
        return cls((table_frame << PAGE_SHIFT) + slot * PTE_SIZE, 0)

    @property
    def table_frame(self) -> int:
        return self.ptr >> PAGE_SHIFT

    @property
    def slot(self) -> int:
        return (self.ptr & ((1 << PAGE_SHIFT) - 1)) // PTE_SIZE

    @property
    def new_pte(self) -> Pte | None:
        return Pte(self.val >> PAGE_SHIFT, bool(self.val & PTE_RW)) if self.val & PTE_PRESENT else None

    @property
    def label(self) -> str:
        target = self.new_pte.label if self.new_pte else "not present"
        return f"ptr {self.ptr:#x} (frame {self.table_frame}, slot {self.slot}) ← val {self.val:#x} ({target})"


Rule = Literal["", "align", "a", "b", "c"]


def check_update(host: Host, domain: str, update: MmuUpdate) -> tuple[Rule, str]:
    """Xen's validation of one PTE write: ("", "") when allowed, else (rule, reason).

    Rules: (a) the PTE lies in a page table of the caller, (b) the new PTE maps a frame of the caller,
    (c) a page-table frame is never mapped writable (sources.toml: xen-memory, frame types PT vs RW).
    """
    pt, who = update.table_frame, host.domain(domain).name
    if update.ptr % PTE_SIZE:
        return "align", (f"ptr {update.ptr:#x} is not the address of an {PTE_SIZE}-byte PTE; the model supports only "
                         "the normal page-table update")
    if host.owner(pt) != who:
        return "a", f"(a) the PTE lies in machine frame {pt}, which belongs to {host.owner_text(pt)}, not to {who}"
    if pt not in host.page_table_frames:
        return "a", f"(a) machine frame {pt} is an ordinary RW frame of {who}, not one of its registered page tables"
    pte = update.new_pte
    if pte is None:
        return "", ""
    if host.owner(pte.frame) != who:
        return "b", (f"(b) the new PTE maps machine frame {pte.frame}, which belongs to {host.owner_text(pte.frame)}, "
                     f"not to {who}; "
                     f"a guest may map only its own frames (real Xen shares pages through grant tables, "
                     f"grant_table_op {HYPERCALLS['grant_table_op']})")
    if pte.writable and pte.frame in host.page_table_frames:
        return "c", (f"(c) machine frame {pte.frame} is a page table (type PT); mapping it writable would let {who} "
                     "change it without validation, so it may only be mapped read-only")
    return "", ""


def _apply(host: Host, update: MmuUpdate) -> Host:
    table = host.table(update.table_frame)
    pte = update.new_pte
    if pte is None:
        table.pop(update.slot, None)
    else:
        table[update.slot] = pte
    tables = dict(host.tables)
    tables[update.table_frame] = tuple(sorted(table.items()))
    return replace(host, tables=tuple(sorted(tables.items())))


MemPhase = Literal["start", "queue", "trap", "check", "return"]


@dataclass(frozen=True)
class MemState:
    """One frame of a guest updating its page tables through Xen."""

    host: Host
    domain: str
    phase: MemPhase
    runner: Literal["guest kernel", "Xen"]
    ring: int
    batch: tuple[MmuUpdate, ...] = ()  # the array passed to the current mmu_update call
    index: int | None = None  # 1-based number of the request being validated
    verdict: Literal["", "applied", "rejected"] = ""
    rule: Rule = ""
    reason: str = ""
    request: MmuUpdate | None = None  # the entry being validated in a "check" frame


def _check_request(i: int, update: object) -> MmuUpdate:
    if not isinstance(update, MmuUpdate):
        raise XenError(f"request {i}: {update!r} is not an MmuUpdate")
    for field in ("ptr", "val"):
        value = getattr(update, field)
        if not _whole(value) or not 0 <= value < WORD_LIMIT:
            raise XenError(f"request {i}: {field} must be a whole number from 0 to 2**64 − 1, got {value!r}")
    return update


def simulate_updates(host: Host, domain: str, requests: Sequence[MmuUpdate], batch_size: int = 1,
                     scenario: str = "custom") -> Trace[MemState]:
    """The guest issues PTE writes, ``batch_size`` per ``mmu_update`` hypercall; Xen validates each one.

    Batching is why Xen's updates are cheap: one trap (two guest↔Xen transitions) covers a whole array.
    The last frame's ``state.host`` holds the updated page tables, so runs can be chained.
    """
    domain = host.domain(domain).name
    if not _whole(batch_size) or batch_size < 1:
        raise XenError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    if len(requests) > MAX_UPDATES:
        raise XenError(f"{len(requests)} requests; at most {MAX_UPDATES} keep the animation readable")
    updates = [_check_request(i, u) for i, u in enumerate(requests, 1)]
    ring, number = host.kernel_ring, HYPERCALLS["mmu_update"]
    tb: TraceBuilder[MemState] = TraceBuilder(scenario, counters={
        "hypercalls": 0, "guest_xen_transitions": 0, "updates_applied": 0, "updates_rejected": 0})
    tb.add(MemState(host, domain, "start", "guest kernel", ring), f"{domain}'s page tables",
           f"{domain} keeps its own page tables, registered with Xen and mapped read-only, so the MMU walks them "
           "directly and reads need no Xen; every write must go through Xen.", {"frames", "tables"})
    for start in range(0, len(updates), batch_size):
        batch = tuple(updates[start:start + batch_size])
        tb.add(MemState(host, domain, "queue", "guest kernel", ring, batch),
               f"{domain} queues {len(batch)} update{'s' * (len(batch) > 1)}",
               f"The guest kernel (ring {ring}) fills an array of mmu_update entries (ptr = machine address of the PTE, "
               "val = new PTE); different hypercalls could be batched too, with multicall "
               f"({HYPERCALLS['multicall']}).", {"guest", "batch"})
        tb.count("hypercalls")
        tb.count("guest_xen_transitions")
        tb.add(MemState(host, domain, "trap", "Xen", XEN_RING, batch), f"Hypercall mmu_update ({number}): trap into Xen",
               f"A synchronous software trap from ring {ring} to Xen in ring 0 with {len(batch)} "
               f"entr{'ies' if len(batch) > 1 else 'y'}; Xen sits in the top 64 MB of every address space, "
               "so no TLB flush is needed.", {"trap", "xen"})
        for offset, update in enumerate(batch):
            index = start + offset + 1
            rule, reason = check_update(host, domain, update)
            if rule:
                tb.count("updates_rejected")
                verdict, event, why = "rejected", f"Xen rejects request {index}", f"{update.label}: {reason}."
            else:
                host = _apply(host, update)
                tb.count("updates_applied")
                verdict, event = "applied", f"Xen applies request {index}"
                what = ("clears the entry, which needs no check on a target frame" if update.new_pte is None else
                        f"maps only {domain}'s memory without making a page table writable")
                why = f"{update.label}: the PTE lies in {domain}'s own page table and the new value {what}, so Xen writes it."
            tb.add(MemState(host, domain, "check", "Xen", XEN_RING, batch, index, verdict, rule, reason, update),  # type: ignore[arg-type]
                   event, why, {"xen", "check", verdict})
        tb.count("guest_xen_transitions")
        done = tb.counters["updates_applied"] + tb.counters["updates_rejected"]
        tb.add(MemState(host, domain, "return", "guest kernel", ring, batch), "Return to the guest",
               f"mmu_update returns to ring {ring}; {done} of {len(updates)} requests handled so far, "
               f"{tb.counters['hypercalls']} hypercall{'s' * (tb.counters['hypercalls'] > 1)} in all.", {"guest", "return"})
    return tb.build()


def transitions_by_batch_size(n_updates: int, sizes: Sequence[int]) -> list[tuple[int, int, int]]:
    """(batch size, hypercalls, guest↔Xen transitions) for ``n_updates`` PTE writes: ceil(n/k) traps, 2 transitions each."""
    if not _whole(n_updates) or n_updates < 0:
        raise XenError(f"n_updates must be a whole number of at least 0, got {n_updates!r}")
    if not sizes:
        raise XenError("sizes: give at least one batch size")
    rows = []
    for size in sizes:
        if not _whole(size) or size < 1:
            raise XenError(f"batch size {size!r} must be a whole number of at least 1")
        calls = -(-n_updates // size)
        rows.append((size, calls, 2 * calls))
    return rows


@dataclass(frozen=True)
class XenScenario:
    """A preset for the memory page: the host, the calling domain, its requests and the batch size."""

    id: str
    title: str
    description: str
    host: Host
    domain: str
    requests: tuple[MmuUpdate, ...]
    batch_size: int = 1

    def run(self) -> Trace[MemState]:
        return simulate_updates(self.host, self.domain, self.requests, self.batch_size, scenario=self.id)


def _guest_layout(host: Host, name: str) -> tuple[int, int, int]:
    """(page-table frame, a data frame, the first free slot) of a domain, for building presets on any seed."""
    d = host.domain(name)
    return d.page_tables[0], d.frames[-1], len(d.frames)


def allowed_update(seed: int = 0) -> XenScenario:
    host = default_host(seed)
    pt, data, slot = _guest_layout(host, "DomU1")
    return XenScenario("allowed-update", "An allowed update",
                       "DomU1 maps one of its own frames a second time, read-only: Xen checks ownership and applies it.",
                       host, "DomU1", (MmuUpdate.write(pt, slot, data, writable=False),))


def foreign_frame_rejected(seed: int = 0) -> XenScenario:
    host = default_host(seed)
    pt, _, slot = _guest_layout(host, "DomU1")
    foreign = host.domain("DomU2").frames[-1]
    return XenScenario("foreign-frame-rejected", "Mapping another domain's frame",
                       "DomU1 tries to map a frame that belongs to DomU2: Xen's ownership check rejects it.",
                       host, "DomU1", (MmuUpdate.write(pt, slot, foreign, writable=True),))


def batched_updates(seed: int = 0) -> XenScenario:
    host = default_host(seed)
    pt, data, slot = _guest_layout(host, "DomU1")
    own = host.domain("DomU1").frames
    requests = (
        *(MmuUpdate.write(pt, slot + i, own[i + 1], writable=True) for i in range(4)),
        MmuUpdate.write(pt, slot + 4, pt, writable=True),  # rule (c)
        MmuUpdate.clear(pt, slot),
    )
    return XenScenario("batched-updates", "Six updates in two batches",
                       "DomU1 sends six PTE writes, three per mmu_update call: two traps instead of six. One write tries "
                       "to map its own page table writable and is rejected.", host, "DomU1", requests, batch_size=3)


PRESETS = {"allowed-update": allowed_update, "foreign-frame-rejected": foreign_frame_rejected,
           "batched-updates": batched_updates}


# --------------------------------------------------------------------------- CPU: system call vs page fault

Actor = Literal["guest app", "guest kernel", "Xen", "Dom0"]


@dataclass(frozen=True)
class CpuState:
    """Who runs in which ring, and what the CPU or Xen has handed over (registers, stack frame)."""

    actor: Actor
    ring: int
    handler: str
    cr2: str = ""  # the faulting address as only ring 0 can read it
    stack_frame: tuple[tuple[str, str], ...] = ()  # what the handler finds on its stack
    hypercall: str = ""
    number: int | None = None


SYSCALL_VECTOR = 0x80  # the Linux system-call software interrupt
# On x86-64 SYSCALL jumps to the address in MSR_LSTAR, which Xen owns: xen/arch/x86/x86_64/entry.S lstar_enter
# ("When entering SYSCALL from user mode: Vector directly to the registered arch.syscall_addr") runs in Xen and
# bounces the call to the guest kernel (switch_to_kernel). The direct path holds for 32-bit PV guests only
# (sources.toml: xen-syscall-x86-64).
SYSCALL_X86_64 = ("On x86-64 this shortcut does not exist: a 64-bit PV guest's SYSCALL enters Xen first (its entry "
                  "point, lstar_enter), and Xen switches to the guest kernel's page tables and bounces the call to "
                  "the handler the guest registered: one Xen entry per system call.")
PF_VECTOR = 14  # #PF
FAULT_ADDRESS = 0x0804A000
_KERNEL = KERNEL_RING["x86_32"]


def _cpu_step(tb: TraceBuilder[CpuState], prev: CpuState, state: CpuState, event: str, why: str, highlights: set[str]) -> CpuState:
    if state.ring != prev.ring:
        tb.count("ring_transitions")
    if state.actor == "Xen" and prev.actor != "Xen":
        tb.count("xen_entries")
    tb.add(state, event, why, highlights)
    return state


def syscall_vs_pagefault() -> tuple[Trace[CpuState], Trace[CpuState]]:
    """Two traces side by side for a 32-bit PV guest: a system call does not enter Xen, a page fault always does
    (because of CR2). A 64-bit PV guest's system call would enter Xen too (:data:`SYSCALL_X86_64`)."""
    counters = {"xen_entries": 0, "ring_transitions": 0}
    app = CpuState("guest app", APP_RING, "application code")

    sc: TraceBuilder[CpuState] = TraceBuilder("syscall", counters=counters)
    sc.add(app, "App executes int 0x80 (32-bit guest)",
           f"A guest application in ring 3 of a 32-bit PV guest makes a system call. At boot the guest registered a fast handler for vector "
           f"{SYSCALL_VECTOR:#x} with set_trap_table ({HYPERCALLS['set_trap_table']}).", {"app"})
    state = _cpu_step(sc, app, CpuState("guest kernel", _KERNEL, "fast system-call handler",
                                        stack_frame=(("vector", hex(SYSCALL_VECTOR)),)),
                      "CPU enters the guest kernel directly",
                      "The fast handler 'is accessed directly by the processor without indirecting via ring 0': "
                      "ring 3 → ring 1, Xen is not involved (Barham et al. 2003). This holds for 32-bit guests. "
                      + SYSCALL_X86_64, {"kernel", "direct"})
    state = _cpu_step(sc, state, replace(state, handler="system-call code"), "Guest kernel serves the call",
                      "The guest kernel runs its ordinary system-call code in ring 1.", {"kernel"})
    _cpu_step(sc, state, replace(app, handler="application continues"), "Return to the app",
              "Back to ring 3 with the result: two ring transitions, zero Xen entries (32-bit guest; a 64-bit PV "
              "guest would have entered Xen once).", {"app"})

    pf: TraceBuilder[CpuState] = TraceBuilder("page-fault", counters=counters)
    address = f"{FAULT_ADDRESS:#010x}"
    pf.add(app, f"App touches {address}",
           "The page is not mapped, so the MMU raises a page fault (#PF, vector 14).", {"app"})
    state = _cpu_step(pf, app, CpuState("Xen", XEN_RING, "Xen's #PF entry", cr2=address),
                      "The fault enters Xen in ring 0",
                      f"The CPU writes the faulting address to CR2, which is readable only in ring 0, so a ring-{_KERNEL} "
                      "guest kernel could not read it: the fault must go through Xen.", {"xen", "cr2"})
    frame = (("faulting address (CR2)", address), ("error code", "not present, user, read"), ("eip", "app instruction"))
    state = _cpu_step(pf, state, replace(state, handler="bounce to the guest", stack_frame=frame),
                      "Xen builds an extended stack frame",
                      f"Xen reads CR2 and copies it into an extended exception frame on the guest kernel's stack, next to "
                      f"the usual fields, then looks up the handler for vector {PF_VECTOR} in the guest's trap table.",
                      {"xen", "stack"})
    state = _cpu_step(pf, state, CpuState("guest kernel", _KERNEL, "guest page-fault handler", stack_frame=frame),
                      "Xen bounces the fault to the guest's handler",
                      "The guest's registered page-fault handler runs in ring 1 and reads the faulting address from the "
                      "stack frame. Fixing the mapping costs a further hypercall (mmu_update or update_va_mapping).",
                      {"kernel", "stack"})
    _cpu_step(pf, state, replace(app, handler="the faulting instruction is retried"), "Return to the app",
              "Back in ring 3: three ring transitions and one Xen entry, where a 32-bit guest's system call needed none.",
              {"app"})
    return sc.build(), pf.build()


# --------------------------------------------------------------------------- hypercalls and events

def hypercall_flow(name: str, arch: Arch = "x86_32") -> Trace[CpuState]:
    """One synchronous hypercall: the guest traps into Xen with the call's number, Xen works, and returns."""
    if name not in HYPERCALLS:
        raise XenError(f"unknown hypercall '{name}' (known: {', '.join(sorted(HYPERCALLS))})")
    if arch not in KERNEL_RING:
        raise XenError(f"unknown architecture {arch!r} (known: {', '.join(KERNEL_RING)})")
    number, ring = HYPERCALLS[name], KERNEL_RING[arch]
    work = HYPERCALL_WORK.get(name, f"performs {name} on the calling domain's behalf")
    tb: TraceBuilder[CpuState] = TraceBuilder(f"hypercall-{name}", counters={
        "hypercalls": 0, "guest_xen_transitions": 0})
    kernel = CpuState("guest kernel", ring, "guest kernel code", hypercall=name, number=number)
    tb.add(kernel, f"Guest kernel calls {name}",
           f"The ported guest kernel (ring {ring}) asks Xen instead of executing a privileged instruction.", {"kernel"})
    tb.count("hypercalls")
    tb.count("guest_xen_transitions")
    tb.add(replace(kernel, actor="Xen", ring=XEN_RING, handler="hypercall entry"), f"Trap into Xen: hypercall {number}",
           f"A synchronous software trap; Xen looks up number {number} ({name}) in its hypercall table "
           "(xen.git public/xen.h). The guest waits.", {"trap", "xen"})
    tb.add(replace(kernel, actor="Xen", ring=XEN_RING, handler=name), f"Xen runs {name}", f"Xen {work}.", {"xen", "work"})
    tb.count("guest_xen_transitions")
    tb.add(replace(kernel, handler="continues after the call"), "Return to the guest",
           f"Xen returns a result code to ring {ring}, and the guest continues where it called: a hypercall is "
           "synchronous, like a system call into Xen.", {"kernel", "return"})
    return tb.build()


EVENT_PORTS = 8


@dataclass(frozen=True)
class EventState:
    """The guest's event-channel state in its shared page: the pending bitmask and the mask flag."""

    actor: Actor
    ring: int
    pending: tuple[bool, ...]
    masked: bool  # the "virtual CLI" flag, readable by Xen
    handled: tuple[int, ...] = ()  # ports the guest's callback has processed so far
    port: int | None = None  # the port this frame is about


def event_flow() -> Trace[EventState]:
    """Asynchronous events: one arrives while the guest masks events (deferred), one while it does not."""
    ring, send = _KERNEL, HYPERCALLS["event_channel_op"]
    dom0_port, timer_port = 3, 1
    tb: TraceBuilder[EventState] = TraceBuilder("events", counters={
        "hypercalls": 0, "events_sent": 0, "events_deferred": 0, "callbacks": 0})
    state = EventState("guest kernel", ring, (False,) * EVENT_PORTS, masked=False)

    def step(new: EventState, event: str, why: str, highlights: set[str]) -> EventState:
        tb.add(new, event, why, highlights)
        return new

    def mark(s: EventState, port: int) -> EventState:
        return replace(s, actor="Xen", ring=XEN_RING, port=port,
                       pending=tuple(p or i == port for i, p in enumerate(s.pending)))

    def callback(s: EventState, port: int) -> EventState:
        tb.count("callbacks")
        return replace(s, actor="guest kernel", ring=ring, port=port, handled=s.handled + (port,),
                       pending=tuple(p and i != port for i, p in enumerate(s.pending)))

    state = step(state, "Guest registered its event callback",
                 f"At boot the guest gave Xen a callback with set_callbacks ({HYPERCALLS['set_callbacks']}). Events are "
                 "asynchronous: the guest does not wait for them.", {"callback", "pending"})
    state = step(replace(state, masked=True), "Guest masks events (virtual CLI)",
                 "Instead of the privileged CLI, the guest kernel sets a flag in memory that Xen reads: no trap.", {"mask"})
    tb.count("hypercalls")
    state = step(replace(state, actor="Dom0", ring=_KERNEL, port=dom0_port), f"Dom0 sends on port {dom0_port}",
                 f"Dom0's back end notifies the guest with event_channel_op ({send}), a hypercall into Xen.", {"dom0", "trap"})
    tb.count("events_sent")
    tb.count("events_deferred")
    state = step(mark(state, dom0_port), f"Xen marks port {dom0_port} pending; delivery deferred",
                 "Xen sets the bit in the guest's pending bitmask but sees the mask flag set, so it does not call the "
                 "guest now: the event waits.", {"xen", "pending", "mask"})
    state = step(replace(state, actor="guest kernel", ring=ring, masked=False), "Guest unmasks events",
                 "The guest clears its mask flag and checks the pending bitmask, where it finds the waiting event.",
                 {"mask", "pending"})
    state = step(callback(state, dom0_port), f"Callback handles port {dom0_port}",
                 "The guest's registered callback runs, clears the pending bit and handles the notification.",
                 {"callback", "pending"})
    tb.count("events_sent")
    state = step(mark(state, timer_port), f"Xen raises an event on port {timer_port}",
                 "Xen itself signals the guest (for example a virtual timer); the mask flag is clear.", {"xen", "pending"})
    step(callback(state, timer_port), f"Callback handles port {timer_port} at once",
         "Unmasked, Xen upcalls the guest's callback straight away; the guest then resumes what it was doing.",
         {"callback", "pending"})
    return tb.build()


# --------------------------------------------------------------------------- split drivers

@dataclass(frozen=True)
class RingEntry:
    """One ring slot: requests and responses share the slots, a response replacing its request (io/ring.h)."""

    kind: Literal["request", "response"]
    id: int
    text: str


@dataclass(frozen=True)
class IoRingState:
    """The shared I/O ring page with its two producer/consumer pointer pairs (free-running; slot = index mod size)."""

    kind: Literal["block", "net"]
    actor: Literal["guest front end", "Xen", "Dom0 back end", "device"]
    slots: tuple[RingEntry | None, ...]
    req_prod: int = 0  # advanced by the guest's front end
    req_cons: int = 0  # advanced by Dom0's back end
    rsp_prod: int = 0  # advanced by Dom0's back end
    rsp_cons: int = 0  # advanced by the guest's front end
    grant: str = ""  # the data page the front end has granted to Dom0

    def pointer_violations(self) -> tuple[str, ...]:
        """Responses follow requests: rsp_cons ≤ rsp_prod ≤ req_cons ≤ req_prod ≤ rsp_cons + ring size."""
        chain = [("rsp_cons", self.rsp_cons), ("rsp_prod", self.rsp_prod), ("req_cons", self.req_cons),
                 ("req_prod", self.req_prod)]
        problems = [f"{a} = {x} > {b} = {y}" for (a, x), (b, y) in zip(chain, chain[1:]) if x > y]
        if self.req_prod - self.rsp_cons > len(self.slots):
            problems.append(f"{self.req_prod - self.rsp_cons} requests outstanding in {len(self.slots)} slots")
        return tuple(problems)


_DRIVERS: dict[str, dict[str, str]] = {
    "block": {"front": "blkfront", "back": "blkback", "header": "io/blkif.h", "device": "disk",
              "request": "read sector 2048 into the granted page", "result": "the sector is in the guest's page",
              "access": "writable, the disk fills it"},
    "net": {"front": "netfront", "back": "netback", "header": "io/netif.h", "device": "NIC",
            "request": "transmit 1500 bytes from the granted page", "result": "the packet is on the wire",
            "access": "read-only, the NIC reads it"},
}
GRANT_REF = 7
REQUEST_ID = 1


def split_driver_request(kind: str = "block") -> Trace[IoRingState]:
    """One I/O request end to end through the split driver: front end → ring → back end → device → ring → front end."""
    if kind not in _DRIVERS:
        raise XenError(f"unknown split-driver kind '{kind}' (known: {', '.join(_DRIVERS)})")
    d, send, grant_op = _DRIVERS[kind], HYPERCALLS["event_channel_op"], HYPERCALLS["grant_table_op"]
    tb: TraceBuilder[IoRingState] = TraceBuilder(f"split-{kind}", counters={
        "hypercalls": 0, "event_notifications": 0, "requests": 0, "responses": 0})
    state = IoRingState(kind, "guest front end", (None,) * RING_SLOTS)  # type: ignore[arg-type]
    request = RingEntry("request", REQUEST_ID, d["request"])

    def step(new: IoRingState, event: str, why: str, highlights: set[str]) -> IoRingState:
        tb.add(new, event, why, highlights)
        return new

    def notify(s: IoRingState, sender: str, receiver: str) -> IoRingState:
        tb.count("hypercalls")
        tb.count("event_notifications")
        return step(replace(s, actor="Xen"), f"{sender} notifies {receiver}",
                    f"event_channel_op ({send}) traps into Xen, which marks the event pending for {receiver} (see "
                    "Events). Notification is decoupled: many requests can share one.", {"xen", "event"})

    def put(slots: tuple[RingEntry | None, ...], index: int, entry: RingEntry) -> tuple[RingEntry | None, ...]:
        return tuple(entry if i == index % RING_SLOTS else s for i, s in enumerate(slots))

    state = step(replace(state, grant=f"gref {GRANT_REF}: a guest data page for Dom0, {d['access']}"),
                 f"{d['front']} grants Dom0 its data page",
                 f"The guest's front-end driver ({d['front']}) shares the I/O buffer out of band: a grant reference "
                 "'acts as a capability which the grantee can use to perform operations on the granter's memory' "
                 "(xen.git grant_table.h).", {"grant"})
    tb.count("requests")
    state = step(replace(state, slots=put(state.slots, state.req_prod, request), req_prod=state.req_prod + 1),
                 "Front end puts a request on the ring",
                 f"It writes {{id {REQUEST_ID}: {d['request']}, gref {GRANT_REF}}} into slot {state.req_prod % RING_SLOTS} "
                 f"of the shared ring ({d['header']}, io/ring.h) and advances the request producer.", {"ring", "req_prod"})
    state = notify(state, d["front"], f"Dom0's {d['back']}")
    state = step(replace(state, actor="Dom0 back end", req_cons=state.req_cons + 1),
                 f"{d['back']} consumes the request",
                 f"Dom0's back-end driver reads the slot at the request consumer and advances it. (In the 2003 paper "
                 "Xen itself consumed requests; back ends in a driver domain came with Xen 2.0.)",
                 {"ring", "req_cons", "dom0"})
    tb.count("hypercalls")
    state = step(replace(state, actor="device"), f"Dom0's physical {d['device']} driver performs it",
                 f"The back end maps the granted page with grant_table_op ({grant_op}) and hands the request to the "
                 f"real {d['device']} driver, which only Dom0 has: {d['result']}.", {"device", "grant"})
    tb.count("responses")
    response = RingEntry("response", REQUEST_ID, "OK")
    state = step(replace(state, actor="Dom0 back end", slots=put(state.slots, state.rsp_prod, response),
                         rsp_prod=state.rsp_prod + 1),
                 f"{d['back']} puts the response",
                 f"The response {{id {REQUEST_ID}: OK}} takes the request's slot and the response producer advances; "
                 "the id lets responses complete out of order.", {"ring", "rsp_prod", "dom0"})
    state = notify(state, d["back"], f"the guest's {d['front']}")
    step(replace(state, actor="guest front end", rsp_cons=state.rsp_cons + 1, grant=""),
         f"{d['front']} consumes the response",
         f"The front end reads the response at the response consumer, matches id {REQUEST_ID}, ends the grant and "
         "completes the I/O; all four pointers are equal again.", {"ring", "rsp_cons", "guest"})
    return tb.build()


__all__ = [
    "APP_RING", "CpuState", "Domain", "EventState", "HYPERCALLS", "HYPERCALL_WORK", "Host", "IoRingState", "KERNEL_RING",
    "MemState", "MmuUpdate", "PRESETS", "Pte", "RingEntry", "SIMPLIFICATIONS", "SOURCES", "XEN_RING", "XenError",
    "XenScenario", "allowed_update", "batched_updates", "check_update", "create_host", "default_host", "event_flow",
    "foreign_frame_rejected", "hypercall_flow", "simulate_updates", "split_driver_request", "syscall_vs_pagefault",
    "transitions_by_batch_size",
]


def parse_requests(text: str) -> tuple[MmuUpdate, ...]:
    """The hypercall builder's text: one PTE write per line, ``<table frame> <slot> -> <frame> [rw|ro]`` or
    ``<table frame> <slot> -> clear``; ``#`` comments. Numbers are decimal or 0x-hex."""
    requests: list[MmuUpdate] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("#", 1)[0].strip()
        if not code:
            continue
        left, arrow, right = code.partition("->")
        words, target = left.split(), right.split()
        if not arrow or len(words) != 2 or not 1 <= len(target) <= 2:
            raise XenError(f"line {number}: '{raw.strip()}' — write '<table frame> <slot> -> <frame> [rw|ro]' or "
                           "'<table frame> <slot> -> clear'")
        try:
            table, slot = (int(w, 0) for w in words)
            if target == ["clear"]:
                requests.append(MmuUpdate.clear(table, slot))
                continue
            frame = int(target[0], 0)
        except ValueError as exc:
            raise XenError(f"line {number}: '{raw.strip()}' has a value that is not a whole number") from exc
        access = target[1] if len(target) == 2 else "ro"
        if access not in ("rw", "ro"):
            raise XenError(f"line {number}: access '{access}' must be rw or ro")
        if not 0 <= slot < PTES_PER_TABLE:
            raise XenError(f"line {number}: slot {slot} is outside 0–{PTES_PER_TABLE - 1}")
        if table < 0 or frame < 0 or table >= MAX_MACHINE_FRAMES or frame >= MAX_MACHINE_FRAMES:
            raise XenError(f"line {number}: machine frames are numbered 0–{MAX_MACHINE_FRAMES - 1}")
        requests.append(MmuUpdate.write(table, slot, frame, access == "rw"))
    if not requests:
        raise XenError("no requests: write one PTE update per line, e.g. '5 8 -> 11 ro'")
    return tuple(requests)


def requests_text(requests: Sequence[MmuUpdate]) -> str:
    """The builder's text for a list of requests (the inverse of :func:`parse_requests`)."""
    lines = []
    for r in requests:
        pte = r.new_pte
        target = "clear" if pte is None else f"{pte.frame} {'rw' if pte.writable else 'ro'}"
        lines.append(f"{r.table_frame} {r.slot} -> {target}")
    return "\n".join(lines)
