"""Shadow page tables: how a software VMM virtualizes the MMU (lecture 2.2, "Memory Virtualization with
Shadow Page Tables"; sources.toml: shadow-kvm, linux Documentation/virt/kvm/x86/mmu.rst).

The guest keeps its own page tables (guest-virtual page → guest-physical frame) for compatibility,
but the hardware walks only the VMM's *shadow* table (guest-virtual page → host-physical frame).
The VMM keeps the two consistent by trapping: guest CR3 writes (the page-table pointer is
virtualized), guest writes to its write-protected page tables, INVLPG, and page faults. The model
works on page numbers of the TEACHING size (256 pages of 256 bytes) with one-level tables, because
the point here is the second dimension of translation, not the walk (that is engine.fullvirt.paging).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Sequence, Union

from engine.fullvirt.paging import TEACHING
from engine.core.trace import Trace, TraceBuilder

PAGES = 1 << (TEACHING.va_bits - TEACHING.offset_bits)  # guest-virtual pages of the teaching mode
HOST_FRAMES = 1 << (TEACHING.phys_bits - TEACHING.offset_bits)  # host-physical frames
MAX_OPS = 200
ADAMS_AGESEN = "as described by Adams & Agesen 2006"  # sources.toml: shadow-hidden-true (not verified): no numbers claimed


class ShadowError(ValueError):
    """A scenario cannot run; the message names the operation (1-based) or the field."""


@dataclass(frozen=True)
class Entry:
    """A present PTE: the frame (guest-physical in a guest table, host-physical in a shadow) and permissions."""

    frame: int
    writable: bool = True
    user: bool = True

    def allows(self, write: bool, user: bool) -> bool:
        return (self.writable or not write) and (self.user or not user)


# --------------------------------------------------------------------------- operations

@dataclass(frozen=True)
class SwitchProcess:
    """The guest kernel writes CR3 to run another process."""

    process: str

    @property
    def label(self) -> str:
        return f"guest: mov cr3 ← table of {self.process}"


@dataclass(frozen=True)
class WritePte:
    """The guest kernel writes one PTE of a process's table; ``frame=None`` clears it (not present)."""

    process: str
    page: int
    frame: int | None
    writable: bool = True
    user: bool = True

    @property
    def label(self) -> str:
        target = "not present" if self.frame is None else f"frame {self.frame:#x}{'' if self.writable else ' read-only'}"
        return f"guest: PTE[{self.page:#x}] of {self.process} ← {target}"


@dataclass(frozen=True)
class Access:
    """The running guest process (or kernel, ``user=False``) touches a virtual page."""

    page: int
    write: bool = False
    user: bool = True

    @property
    def label(self) -> str:
        return f"guest {'user' if self.user else 'kernel'}: {'write' if self.write else 'read'} page {self.page:#x}"


@dataclass(frozen=True)
class Invlpg:
    """The guest kernel invalidates one TLB entry after changing a PTE."""

    page: int

    @property
    def label(self) -> str:
        return f"guest: invlpg page {self.page:#x}"


Op = Union[SwitchProcess, WritePte, Access, Invlpg]
Table = tuple[tuple[int, Entry], ...]  # (page, entry) sorted by page; absent = not present
Outcome = Literal["start", "cr3", "pte-write", "hit", "hidden-fault", "true-fault", "invlpg"]


@dataclass(frozen=True)
class ShadowState:
    """One frame: all guest tables, the VMM's memory map, the shadow tables, and what just happened."""

    step: int | None  # 0-based op index; None for the start frame
    op: Op | None
    runner: Literal["guest", "VMM"]
    outcome: Outcome
    active: str | None  # the process whose table the guest *thinks* CR3 points to
    guest: tuple[tuple[str, Table], ...]
    pmap: tuple[tuple[int, int], ...]  # guest frame → host frame: the guest's static memory partition
    shadows: tuple[tuple[str, Table], ...]  # one per guest table the VMM has shadowed so far
    page: int | None = None
    host_frame: int | None = None

    @property
    def real_cr3(self) -> str | None:
        """What the hardware CR3 really holds: the shadow of the active guest table."""
        return f"shadow({self.active})" if self.active else None

    def guest_table(self, process: str) -> dict[int, Entry]:
        return dict(dict(self.guest)[process])

    def shadow_table(self, process: str) -> dict[int, Entry]:
        return dict(dict(self.shadows).get(process, ()))

    def invariant_violations(self) -> tuple[str, ...]:
        """Every shadow entry must equal pmap ∘ guest and grant no more than the guest entry does."""
        pmap, problems = dict(self.pmap), []
        for process, table in self.shadows:
            guest = self.guest_table(process)
            for page, spte in table:
                gpte = guest.get(page)
                if gpte is None:
                    problems.append(f"shadow({process}) maps page {page:#x}, which the guest table does not")
                elif spte.frame != pmap.get(gpte.frame):
                    problems.append(f"shadow({process}) page {page:#x} → host {spte.frame:#x}, "
                                    f"but pmap[{gpte.frame:#x}] = {pmap.get(gpte.frame)}")
                elif (spte.writable and not gpte.writable) or (spte.user and not gpte.user):
                    problems.append(f"shadow({process}) page {page:#x} grants more than the guest entry")
        return tuple(problems)


def _frozen(tables: dict[str, dict[int, Entry]]) -> tuple[tuple[str, Table], ...]:
    return tuple((name, tuple(sorted(table.items()))) for name, table in sorted(tables.items()))


class _Vmm:
    """The VMM's side: traps, emulation, lazy shadow building. Mutable while the trace is built."""

    def __init__(self, processes: Mapping[str, Mapping[int, Entry]], guest_memory_frames: int, host_base: int, scenario: str):
        if not isinstance(guest_memory_frames, int) or guest_memory_frames < 1:
            raise ShadowError(f"guest_memory_frames must be a whole number of at least 1, got {guest_memory_frames!r}")
        if host_base < 0 or host_base + guest_memory_frames > HOST_FRAMES:
            raise ShadowError(f"the guest's {guest_memory_frames} frames from host frame {host_base:#x} do not fit in "
                              f"{HOST_FRAMES} host frames")
        if not processes:
            raise ShadowError("processes: give at least one guest process with its page table")
        self.frames = guest_memory_frames
        self.pmap = {gfn: host_base + gfn for gfn in range(guest_memory_frames)}
        self.guest: dict[str, dict[int, Entry]] = {}
        for name, table in processes.items():
            for page, entry in table.items():
                self.check_page(f"process {name}", page)
                self.check_frame(f"process {name}, page {page:#x}", entry.frame)
            self.guest[name] = dict(table)
        self.shadows: dict[str, dict[int, Entry]] = {}
        self.active: str | None = None
        self.tb: TraceBuilder[ShadowState] = TraceBuilder(scenario, counters={
            "traps": 0, "hidden_faults": 0, "true_faults": 0, "shadow_updates": 0, "cr3_switches": 0})

    def check_page(self, where: str, page: int) -> None:
        if not isinstance(page, int) or not 0 <= page < PAGES:
            raise ShadowError(f"{where}: virtual page {page!r} is outside the guest's {PAGES} virtual pages")

    def check_frame(self, where: str, frame: int) -> None:
        if not isinstance(frame, int) or not 0 <= frame < self.frames:
            raise ShadowError(f"{where}: guest-physical frame {frame!r} is outside the guest's memory "
                              f"(frames 0x0–{self.frames - 1:#x})")

    def frame(self, step: int | None, op: Op | None, runner: str, outcome: Outcome, event: str, why: str,
              highlights: set[str], page: int | None = None, host_frame: int | None = None) -> None:
        state = ShadowState(step, op, runner, outcome, self.active, _frozen(self.guest), tuple(sorted(self.pmap.items())),  # type: ignore[arg-type]
                            _frozen(self.shadows), page, host_frame)
        self.tb.add(state, event, why, highlights)

    def run(self, ops: Sequence[Op]) -> Trace[ShadowState]:
        if len(ops) > MAX_OPS:
            raise ShadowError(f"{len(ops)} operations; at most {MAX_OPS} keep the animation readable")
        last = self.frames - 1
        self.frame(None, None, "guest", "start", "Guest memory partition",
                   f"The guest's frames 0x0–{last:#x} live in host frames {self.pmap[0]:#x}–{self.pmap[last]:#x}. "
                   "The VMM write-protects every guest page table; the hardware only ever walks shadow tables.",
                   {"pmap"})
        handlers = {SwitchProcess: self.switch, WritePte: self.write_pte, Access: self.access, Invlpg: self.invlpg}
        for step, op in enumerate(ops):
            handler = handlers.get(type(op))
            if handler is None:
                raise ShadowError(f"op {step + 1}: {op!r} is not a shadow-paging operation")
            handler(step, op, f"op {step + 1} ({op.label})")  # type: ignore[operator]
        return self.tb.build()

    def running(self, where: str) -> str:
        if self.active is None:
            raise ShadowError(f"{where}: no guest process runs yet; start with a CR3 write (SwitchProcess)")
        return self.active

    def known(self, where: str, process: str) -> None:
        if process not in self.guest:
            raise ShadowError(f"{where}: unknown process '{process}' (known: {', '.join(sorted(self.guest))})")

    def switch(self, step: int, op: SwitchProcess, where: str) -> None:
        self.known(where, op.process)
        self.tb.count("traps")
        self.tb.count("cr3_switches")
        self.active = op.process
        if op.process in self.shadows:
            built = f"reuses the shadow table it already built for {op.process}"
        else:
            self.shadows[op.process] = {}
            built = (f"builds the shadow table for {op.process} lazily: it starts empty, "
                     "so the first accesses take hidden page faults")
        self.frame(step, op, "VMM", "cr3", f"CR3 write traps: switch to {op.process}",
                   f"CR3 is virtualized: the write traps to the VMM, which records the guest's CR3, {built}, "
                   f"and loads the real CR3 with shadow({op.process}).", {"trap", "cr3", "shadow"})

    def write_pte(self, step: int, op: WritePte, where: str) -> None:
        self.known(where, op.process)
        self.check_page(where, op.page)
        if op.frame is not None:
            self.check_frame(where, op.frame)
        self.tb.count("traps")
        table = self.guest[op.process]
        shadow = self.shadows.get(op.process, {})
        if op.frame is None:
            table.pop(op.page, None)
        else:
            table[op.page] = Entry(op.frame, op.writable, op.user)
        if op.page in shadow:
            self.tb.count("shadow_updates")
            if op.frame is None:
                del shadow[op.page]
                sync = "drops the shadow entry, because the guest entry is no longer present"
            else:
                shadow[op.page] = Entry(self.pmap[op.frame], op.writable, op.user)
                rights = "read-write" if op.writable else "read-only"
                sync = f"updates the shadow entry to host frame {self.pmap[op.frame]:#x}, {rights} (pmap ∘ guest)"
        else:
            sync = "has no shadow entry for this page, so nothing is copied now: it is filled lazily on the next access"
        self.frame(step, op, "VMM", "pte-write", f"PTE write traps: page {op.page:#x} of {op.process}",
                   "The guest's page tables are write-protected, so the store faults into the VMM (as in KVM's shadow MMU). "
                   f"The VMM emulates the store in the guest table and {sync}.",
                   {"trap", "guest-table", "shadow"}, op.page)

    def access(self, step: int, op: Access, where: str) -> None:
        process = self.running(where)
        self.check_page(where, op.page)
        shadow, guest = self.shadows[process], self.guest[process]
        spte, gpte = shadow.get(op.page), guest.get(op.page)
        kind = "write" if op.write else "read"
        if spte is not None and spte.allows(op.write, op.user):
            self.frame(step, op, "guest", "hit", f"{kind.capitalize()} page {op.page:#x}: shadow translates",
                       f"The hardware walks shadow({process}): page {op.page:#x} → host frame {spte.frame:#x}. "
                       "No trap; the VMM is not involved.", {"shadow", "hit"}, op.page, spte.frame)
            return
        self.tb.count("traps")
        if gpte is not None and gpte.allows(op.write, op.user):
            host = self.pmap[gpte.frame]
            shadow[op.page] = Entry(host, gpte.writable, gpte.user)
            self.tb.count("hidden_faults")
            self.tb.count("shadow_updates")
            self.frame(step, op, "VMM", "hidden-fault", f"Hidden page fault on page {op.page:#x}",
                       f"The shadow has no usable entry, but the guest's PTE maps page {op.page:#x} → guest frame "
                       f"{gpte.frame:#x}. The VMM fills the shadow entry with pmap[{gpte.frame:#x}] = host frame {host:#x} "
                       f"and resumes the guest, which never sees this fault ({ADAMS_AGESEN}).",
                       {"trap", "shadow", "guest-table", "pmap", "hidden"}, op.page, host)
            return
        self.tb.count("true_faults")
        reason = ("the guest's own PTE is not present" if gpte is None else
                  "the guest's own PTE forbids this " + ("write" if op.write and not gpte.writable else "user access"))
        self.frame(step, op, "VMM", "true-fault", f"True page fault on page {op.page:#x}",
                   f"The fault traps to the VMM, which finds that {reason}. This is a true fault ({ADAMS_AGESEN}): "
                   "the VMM reflects it to the guest kernel's page-fault handler, exactly as native hardware would.",
                   {"trap", "guest-table", "true"}, op.page)

    def invlpg(self, step: int, op: Invlpg, where: str) -> None:
        process = self.running(where)
        self.check_page(where, op.page)
        self.tb.count("traps")
        shadow = self.shadows[process]
        if op.page in shadow:
            del shadow[op.page]
            self.tb.count("shadow_updates")
            done = f"drops the shadow entry for page {op.page:#x}; the next access refills it from the guest table"
        else:
            done = f"finds no shadow entry for page {op.page:#x}, so nothing changes"
        self.frame(step, op, "VMM", "invlpg", f"INVLPG traps: page {op.page:#x}",
                   f"INVLPG is privileged, so the de-privileged guest kernel traps. The VMM {done}.",
                   {"trap", "shadow"}, op.page)


def simulate(ops: Sequence[Op], guest_memory_frames: int, processes: Mapping[str, Mapping[int, Entry]],
             host_base: int = 0x40, scenario: str = "custom") -> Trace[ShadowState]:
    """Run guest operations under a shadow-paging VMM; one frame per operation, plus the start."""
    return _Vmm(processes, guest_memory_frames, host_base, scenario).run(ops)


@dataclass(frozen=True)
class ShadowScenario:
    """A preset: initial guest tables, the guest's memory size, and the operations."""

    id: str
    title: str
    description: str
    guest_memory_frames: int
    processes: tuple[tuple[str, Table], ...]
    ops: tuple[Op, ...]

    def run(self) -> Trace[ShadowState]:
        return simulate(self.ops, self.guest_memory_frames, {name: dict(table) for name, table in self.processes},
                        scenario=self.id)


def new_process_maps_page() -> ShadowScenario:
    """Process switch (virtualized CR3), a new mapping through the write-protected table, hidden vs true faults."""
    ops: tuple[Op, ...] = (
        SwitchProcess("A"),
        Access(0x10),  # shadow(A) is empty: hidden fault
        Access(0x10),  # now a shadow hit
        SwitchProcess("B"),  # new process: empty shadow
        Access(0x20, write=True),  # B's table has no entry: true fault, reflected
        WritePte("B", 0x20, 0x05),  # the guest's fault handler maps the page: traps, shadow not filled yet
        Access(0x20, write=True),  # hidden fault fills shadow(B)
        Access(0x20, write=True),  # shadow hit
        WritePte("B", 0x20, 0x05, writable=False),  # e.g. copy-on-write: traps, VMM updates the shadow entry
        Invlpg(0x20),  # the guest flushes the stale TLB entry: traps, VMM drops the shadow entry
        Access(0x20, write=True),  # guest PTE is read-only: true fault
        SwitchProcess("A"),  # shadow(A) is reused
        Access(0x10),  # still a hit
    )
    return ShadowScenario(
        "new-process-maps-page", "A new process maps a page",
        "The guest switches to process B (a CR3 write, virtualized) and maps a new page. The write to the "
        "write-protected guest table traps and the VMM keeps the shadow in step; hidden faults are absorbed by the "
        "VMM, true faults are reflected to the guest.",
        guest_memory_frames=16,
        processes=(("A", ((0x10, Entry(0x03)), (0x11, Entry(0x04, writable=False)))), ("B", ((0x10, Entry(0x07)),))),
        ops=ops,
    )


PRESETS = {"new-process-maps-page": new_process_maps_page}

__all__ = [
    "Access", "Entry", "HOST_FRAMES", "Invlpg", "Op", "PAGES", "PRESETS", "ShadowError", "ShadowScenario", "ShadowState",
    "SwitchProcess", "WritePte", "new_process_maps_page", "simulate",
]
