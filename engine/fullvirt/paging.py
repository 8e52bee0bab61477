"""The MMU and multi-level page tables (lecture 2.2, "Recap: Memory Management on IA-32").

A student writes mappings as text; :func:`parse_mappings` builds the page tables in a sparse
physical memory, exactly as the hardware would find them from CR3. :func:`walk` animates the MMU
reading one entry per level, so the student *sees* why "the overhead of memory access essentially
doubles" (lecture) and why a TLB is needed. :func:`translate` is the same walk without frames,
for the TLB simulator; both are built on one resolver so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Literal

from engine.core.lessons import Reader, load_toml
from engine.core.trace import Trace, TraceBuilder

Access = Literal["read", "write", "exec"]
ACCESSES: tuple[str, ...] = ("read", "write", "exec")
MAX_MAPPINGS = 1024  # lines in the editor; more would not be readable on screen anyway
PF_VECTOR = 14  # #PF is exception vector 14, faulting address in CR2: SDM Vol. 3A "Interrupt 14—Page-Fault Exception"


class PageTableError(ValueError):
    """The mapping text or an address is unusable; the message names the line or the field."""


# --------------------------------------------------------------------------- modes

@dataclass(frozen=True)
class PagingMode:
    """One paging format: index widths per level (top first), offset, entry size, large-page levels."""

    id: str
    name: str
    level_names: tuple[str, ...]
    index_bits: tuple[int, ...]
    offset_bits: int
    entry_size: int  # bytes per entry
    large_levels: frozenset[int]  # levels (0 = top) whose entry may map a page directly with PS = 1
    phys_bits: int
    table_region: int  # physical base of the frames the builder allocates page tables from
    table_region_size: int
    has_nx: bool
    canonical: bool  # x86-64: bits 63:48 must equal bit 47
    note: str = ""

    @property
    def levels(self) -> int:
        return len(self.index_bits)

    @property
    def va_bits(self) -> int:
        return sum(self.index_bits) + self.offset_bits

    @property
    def page_size(self) -> int:
        return 1 << self.offset_bits

    @property
    def shifts(self) -> tuple[int, ...]:
        """Bit position of each level's index field; a leaf at level L maps 2**shifts[L] bytes."""
        return tuple(self.offset_bits + sum(self.index_bits[level + 1:]) for level in range(self.levels))

    def entries(self, level: int) -> int:
        return 1 << self.index_bits[level]

    def leaf_size(self, level: int) -> int:
        return 1 << self.shifts[level]

    def check_va(self, va: int) -> None:
        """Raise PageTableError for an address the CPU could not even start to translate."""
        if self.canonical:
            if not 0 <= va < 1 << 64:
                raise PageTableError(f"virtual address {va:#x} does not fit in 64 bits")
            top = va >> (self.va_bits - 1)  # bits 63:47 must be all 0 or all 1 (sources.toml: x86-64-paging)
            if top not in (0, (1 << (65 - self.va_bits)) - 1):
                raise PageTableError(f"virtual address {va:#018x} is not canonical: bits 63:48 must equal bit 47")
        elif not 0 <= va < 1 << self.va_bits:
            raise PageTableError(f"virtual address {va:#x} is outside the {self.va_bits}-bit address space of {self.name}")


TEACHING = PagingMode(
    id="teaching", name="Teaching (16-bit)", level_names=("Directory", "Table"), index_bits=(4, 4), offset_bits=8,
    entry_size=2, large_levels=frozenset(), phys_bits=16, table_region=0xE000, table_region_size=0x2000,
    has_nx=False, canonical=False,
    note="Teaching simplification: 16-bit addresses, 256-byte pages and 16-entry tables, so every table fits on screen. "
         "Real IA-32 uses 10/10/12 bits and x86-64 9/9/9/9/12.",
)
# sources.toml: ia32-paging, linux pgtable-2level_types.h: PGDIR_SHIFT 22, 1024 entries of 4 bytes; PSE: PDE with PS=1 maps 4 MiB.
IA32 = PagingMode(
    id="ia32", name="IA-32 (2-level)", level_names=("Page directory", "Page table"), index_bits=(10, 10), offset_bits=12,
    entry_size=4, large_levels=frozenset({0}), phys_bits=32, table_region=0xFF000000, table_region_size=0x01000000,
    has_nx=False, canonical=False,
    note="Legacy 2-level paging with CR4.PSE = 1; no NX bit in this format.",
)
# sources.toml: x86-64-paging, linux pgtable_64_types.h: shifts 39/30/21/12, 512 entries of 8 bytes; 2 MiB at PD, 1 GiB at PDPT.
# Physical width: frame numbers reach at most bit 51 (MAX_POSSIBLE_PHYSMEM_BITS 52, sources.toml: pte-bits).
X86_64 = PagingMode(
    id="x86_64", name="x86-64 (4-level)", level_names=("PML4", "PDPT", "PD", "PT"), index_bits=(9, 9, 9, 9),
    offset_bits=12, entry_size=8, large_levels=frozenset({1, 2}), phys_bits=52, table_region=0xFF_0000_0000,
    table_region_size=0x4000_0000, has_nx=True, canonical=True,
    note="4-level paging; NX assumes EFER.NXE = 1.",
)
MODES: dict[str, PagingMode] = {m.id: m for m in (TEACHING, IA32, X86_64)}


@dataclass(frozen=True)
class Split:
    """A virtual address cut into one index per level (top first) and the page offset."""

    fields: tuple[int, ...]
    offset: int


def split(mode: PagingMode, va: int) -> Split:
    mode.check_va(va)
    fields = tuple((va >> shift) & (mode.entries(level) - 1) for level, shift in enumerate(mode.shifts))
    return Split(fields, va & (mode.page_size - 1))


def size_name(size: int) -> str:
    """'4 KiB', '2 MiB', '256 B': page sizes as the lecture writes them."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} B"


# --------------------------------------------------------------------------- entries

# sources.toml: pte-bits, linux arch/x86/include/asm/pgtable_types.h
FLAG_BITS: dict[str, int] = {"P": 0, "RW": 1, "US": 2, "A": 5, "D": 6, "PS": 7, "NX": 63}
FLAG_ALIASES: dict[str, str] = {"R/W": "RW", "W": "RW", "U": "US", "U/S": "US", "XD": "NX"}


@dataclass(frozen=True)
class Pte:
    """A decoded entry: the physical address it points to (a table or a page frame) and its flags."""

    frame: int
    flags: frozenset[str]

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def label(self) -> str:
        return f"{self.frame:#x} " + " ".join(f for f in FLAG_BITS if f in self.flags)


def _frame_mask(mode: PagingMode) -> int:
    return ((1 << mode.phys_bits) - 1) & ~(mode.page_size - 1)


def encode_entry(mode: PagingMode, pte: Pte) -> int:
    """The entry as the MMU reads it from memory: frame address bits | flag bits."""
    if pte.frame & ~_frame_mask(mode):
        raise PageTableError(f"frame {pte.frame:#x} is not a page-aligned {mode.phys_bits}-bit physical address")
    if "NX" in pte.flags and not mode.has_nx:
        raise PageTableError(f"NX does not exist in {mode.name} entries")
    value = pte.frame
    for flag in pte.flags:
        value |= 1 << FLAG_BITS[flag]
    return value


def decode_entry(mode: PagingMode, value: int) -> Pte:
    flags = frozenset(f for f, bit in FLAG_BITS.items() if value >> bit & 1 and (f != "NX" or mode.has_nx))
    return Pte(value & _frame_mask(mode), flags)


# --------------------------------------------------------------------------- address space

@dataclass(frozen=True)
class MappingLine:
    """One parsed line of the spec: a virtual page (of the leaf level's size) mapped to a frame."""

    line: int
    va: int
    pa: int
    flags: frozenset[str]
    level: int  # leaf level: mode.levels - 1 for a normal page, a large level with PS


@dataclass(frozen=True)
class PageTable:
    """One table in physical memory; ``entries`` is sparse (index, raw value), zero entries left out."""

    address: int
    level: int
    entries: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class AddressSpace:
    """The page tables the MMU sees, reachable from ``cr3``, plus the lines they were built from."""

    mode: PagingMode
    cr3: int
    tables: tuple[PageTable, ...]
    mappings: tuple[MappingLine, ...] = ()
    _memory: dict[int, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        size = self.mode.entry_size
        memory = {t.address + i * size: v for t in self.tables for i, v in t.entries}
        object.__setattr__(self, "_memory", memory)

    def read(self, address: int) -> int:
        """Physical memory as the MMU reads it: an entry at ``address`` (0 where nothing was written)."""
        return self._memory.get(address, 0)

    def write(self, address: int, value: int) -> "AddressSpace":
        """A copy with one entry changed (the CPU setting A/D), so earlier frames keep their state."""
        size = self.mode.entry_size
        tables = []
        for t in self.tables:
            if t.address <= address < t.address + self.mode.entries(t.level) * size:
                entries = dict(t.entries) | {(address - t.address) // size: value}
                t = replace(t, entries=tuple(sorted((i, v) for i, v in entries.items() if v)))
            tables.append(t)
        return replace(self, tables=tuple(tables))


def fmt_va(mode: PagingMode, va: int) -> str:
    return f"{va:#0{2 + (mode.va_bits + 3) // 4 if not mode.canonical else 18}x}"


def fmt_pa(mode: PagingMode, pa: int) -> str:
    return f"{pa:#0{2 + (mode.phys_bits + 3) // 4}x}"


TABLE_FLAGS = frozenset({"P", "RW", "US"})  # inner entries allow everything, so the leaf decides (as Linux's _PAGE_TABLE does)


def build_space(mode: PagingMode, mappings: Iterable[MappingLine]) -> AddressSpace:
    """Lay the mappings out as page tables, allocating table frames in line order from the reserved region."""
    tables: dict[int, dict[int, int]] = {}
    levels: dict[int, int] = {}
    owner: dict[tuple[int, int], MappingLine] = {}  # entry slot -> the line that filled it
    leaves: set[tuple[int, int]] = set()

    def alloc(level: int, line: int) -> int:
        address = mode.table_region + len(tables) * mode.page_size
        if address >= mode.table_region + mode.table_region_size:
            raise PageTableError(f"line {line}: the mappings need more page tables than the reserved region holds")
        tables[address], levels[address] = {}, level
        return address

    cr3 = alloc(0, 0)
    lines = tuple(mappings)
    for m in lines:
        fields = split(mode, m.va).fields
        table = cr3
        for level in range(m.level):
            slot = (table, fields[level])
            if slot in leaves:
                big = owner[slot]
                raise PageTableError(f"line {m.line}: {fmt_va(mode, m.va)} lies inside the "
                                     f"{size_name(mode.leaf_size(level))} page mapped on line {big.line}")
            if slot not in owner:
                sub = alloc(level + 1, m.line)
                tables[table][slot[1]] = encode_entry(mode, Pte(sub, TABLE_FLAGS))
                owner[slot] = m
            table = decode_entry(mode, tables[table][slot[1]]).frame
        slot = (table, fields[m.level])
        if slot in leaves:
            raise PageTableError(f"line {m.line}: virtual page {fmt_va(mode, m.va)} is already mapped on line {owner[slot].line}")
        if slot in owner:
            raise PageTableError(f"line {m.line}: the {size_name(mode.leaf_size(m.level))} page at {fmt_va(mode, m.va)} "
                                 f"overlaps smaller pages mapped from line {owner[slot].line}")
        flags = m.flags | {"PS"} if m.level < mode.levels - 1 else m.flags
        tables[table][slot[1]] = encode_entry(mode, Pte(m.pa, frozenset(flags)))
        owner[slot] = m
        leaves.add(slot)
    built = tuple(PageTable(a, levels[a], tuple(sorted((i, v) for i, v in e.items() if v))) for a, e in tables.items())
    return AddressSpace(mode, cr3, built, lines)


def _number(line: int, what: str, token: str) -> int:
    try:
        return int(token, 0)
    except ValueError:
        raise PageTableError(f"line {line}: {what} '{token}' is not a hex (0x...) or decimal number") from None


def _leaf_level(mode: PagingMode, line: int, va: int, pa: int, large: bool) -> int:
    """The level whose entry maps this page: the last one, or with PS the largest size both addresses fit."""
    if not large:
        for what, value in (("virtual page", va), ("physical frame", pa)):
            if value % mode.page_size:
                raise PageTableError(f"line {line}: {what} {value:#x} is not aligned to the {size_name(mode.page_size)} page size")
        return mode.levels - 1
    if not mode.large_levels:
        raise PageTableError(f"line {line}: PS (large page) is not available in {mode.name}")
    for level in sorted(mode.large_levels):
        if va % mode.leaf_size(level) == 0 and pa % mode.leaf_size(level) == 0:
            return level
    sizes = " or ".join(f"{size_name(mode.leaf_size(lv))} ({mode.level_names[lv]} level)" for lv in sorted(mode.large_levels))
    raise PageTableError(f"line {line}: PS needs both addresses aligned to {sizes}; {va:#x} -> {pa:#x} is not")


def _parse_line(mode: PagingMode, line: int, code: str) -> MappingLine:
    left, arrow, right = code.partition("->")
    tokens = right.split()
    if not arrow or not left.strip() or not tokens:
        raise PageTableError(f"line {line}: expected '<virtual page> -> <physical frame> <flags>', got '{code}'")
    va = _number(line, "virtual page address", left.strip())
    pa = _number(line, "physical frame address", tokens[0])
    flags: set[str] = set()
    for token in tokens[1:]:
        name = FLAG_ALIASES.get(token.upper(), token.upper())
        if name not in FLAG_BITS or (name == "NX" and not mode.has_nx):
            known = " ".join(f for f in FLAG_BITS if f != "NX" or mode.has_nx)
            extra = " (NX does not exist in this mode)" if name == "NX" else ""
            raise PageTableError(f"line {line}: unknown flag '{token}'{extra}; known flags: {known}")
        flags.add(name)
    try:
        mode.check_va(va)
    except PageTableError as error:
        raise PageTableError(f"line {line}: {error}") from None
    level = _leaf_level(mode, line, va, pa, "PS" in flags)
    end = pa + mode.leaf_size(level)
    if pa < 0 or end > 1 << mode.phys_bits:
        raise PageTableError(f"line {line}: physical frame {pa:#x} is outside the {mode.phys_bits}-bit physical memory of {mode.name}")
    region_end = mode.table_region + mode.table_region_size
    if pa < region_end and end > mode.table_region:
        raise PageTableError(f"line {line}: frame {pa:#x} overlaps {fmt_pa(mode, mode.table_region)}–{fmt_pa(mode, region_end - 1)}, "
                             "which this simulator reserves for the page tables themselves")
    return MappingLine(line, va, pa, frozenset(flags), level)


def parse_mappings(mode: PagingMode, text: str) -> AddressSpace:
    """One mapping per line, ``<virtual page> -> <physical frame> <flags>``; ``#`` starts a comment."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("#", 1)[0].strip()
        if code:
            lines.append(_parse_line(mode, number, code))
    if not lines:
        raise PageTableError("No mappings: write one per line, for example '0x00400000 -> 0x0012F000 P RW U'.")
    if len(lines) > MAX_MAPPINGS:
        raise PageTableError(f"{len(lines)} mappings; at most {MAX_MAPPINGS} keep the tables readable.")
    return build_space(mode, lines)


def contiguous_mappings(mode: PagingMode, va: int, pa: int, pages: int, flags: Iterable[str] = ("P", "RW", "US")) -> tuple[MappingLine, ...]:
    """``pages`` small pages mapped virtually and physically contiguous (for demos and the benchmark)."""
    size = mode.page_size
    return tuple(MappingLine(n + 1, va + n * size, pa + n * size, frozenset(flags), mode.levels - 1) for n in range(pages))


# --------------------------------------------------------------------------- the walk

FaultReason = Literal["not-present", "supervisor", "read-only", "nx"]
FAULT_TEXT: dict[str, str] = {
    "not-present": "P = 0: the page is not present",
    "supervisor": "U/S = 0: a user-mode access to a supervisor page",
    "read-only": "R/W = 0: a write to a read-only page",
    "nx": "NX = 1: an instruction fetch from a no-execute page",
}


@dataclass(frozen=True)
class PageFault:
    """Why and where the walk stopped; the CPU then raises #PF with the address in CR2."""

    va: int
    access: Access
    user: bool
    level: int
    level_name: str
    reason: FaultReason

    @property
    def message(self) -> str:
        return (f"{FAULT_TEXT[self.reason]} (checked at the {self.level_name} level). The CPU raises a page fault "
                f"(#PF, vector {PF_VECTOR}) with {self.va:#x} in CR2, and the OS's handler decides what to do.")


@dataclass(frozen=True)
class WalkStep:
    """One entry the MMU read: where it lives and its value before and after the CPU set A/D."""

    level: int
    level_name: str
    table: int
    index: int
    address: int  # table + index * entry size
    value: int
    written: int
    leaf: bool


def _check(mode: PagingMode, pte: Pte, access: Access, user: bool) -> FaultReason | None:
    """x86 checks every level's entry, so the most restrictive entry on the path wins (CR0.WP = 1 assumed)."""
    if not pte.has("P"):
        return "not-present"
    if user and not pte.has("US"):
        return "supervisor"
    if access == "write" and not pte.has("RW"):
        return "read-only"
    if access == "exec" and mode.has_nx and pte.has("NX"):
        return "nx"
    return None


def _resolve(space: AddressSpace, va: int, access: Access, user: bool) -> tuple[tuple[WalkStep, ...], int | PageFault]:
    """The walk itself: the entries read, and the physical address or the fault."""
    if access not in ACCESSES:
        raise PageTableError(f"access '{access}' is not one of {', '.join(ACCESSES)}")
    mode = space.mode
    fields = split(mode, va).fields
    table, steps = space.cr3, []
    accessed, dirty = 1 << FLAG_BITS["A"], 1 << FLAG_BITS["D"]
    for level in range(mode.levels):
        address = table + fields[level] * mode.entry_size
        value = space.read(address)
        pte = decode_entry(mode, value)
        leaf = level == mode.levels - 1 or (level in mode.large_levels and pte.has("PS"))
        name = mode.level_names[level]
        reason = _check(mode, pte, access, user)
        if reason:
            steps.append(WalkStep(level, name, table, fields[level], address, value, value, leaf))
            return tuple(steps), PageFault(va, access, user, level, name, reason)
        written = value | accessed | (dirty if leaf and access == "write" else 0)
        steps.append(WalkStep(level, name, table, fields[level], address, value, written, leaf))
        if leaf:
            return tuple(steps), pte.frame + (va & (mode.leaf_size(level) - 1))
        table = pte.frame
    raise AssertionError("the last level is always a leaf")


def translate(space: AddressSpace, va: int, access: Access = "read", user: bool = False) -> tuple[int | PageFault, int]:
    """Physical address (or the fault) and the number of page-table entries read, without frames."""
    steps, result = _resolve(space, va, access, user)
    return result, len(steps)


def leaf_of(space: AddressSpace, va: int, access: Access = "read", user: bool = False) -> tuple[tuple[int, int, int] | PageFault, int]:
    """((page base VA, page shift, frame PA) or the fault, references): what a TLB entry caches, and its cost."""
    steps, result = _resolve(space, va, access, user)
    if isinstance(result, PageFault):
        return result, len(steps)
    shift = space.mode.shifts[steps[-1].level]
    return (va >> shift << shift, shift, result >> shift << shift), len(steps)


@dataclass(frozen=True)
class WalkState:
    """One frame of the walk animation."""

    mode_id: str
    va: int
    access: Access
    user: bool
    split: Split
    phase: Literal["split", "read", "done", "fault"]
    steps: tuple[WalkStep, ...]  # entries read so far
    space: AddressSpace  # physical memory, with the A/D bits the CPU has written so far
    physical: int | None = None
    fault: PageFault | None = None


def _split_text(mode: PagingMode, parts: Split) -> str:
    spans = []
    for level, (shift, bits) in enumerate(zip(mode.shifts, mode.index_bits)):
        spans.append(f"bits {shift + bits - 1}:{shift} = {parts.fields[level]} index the {mode.level_names[level]}")
    spans.append(f"bits {mode.offset_bits - 1}:0 = {parts.offset:#x} are the offset in the page")
    text = "; ".join(spans) + "."
    return f"{text} {mode.note}" if mode.note else text


def walk(space: AddressSpace, va: int, access: Access = "read", user: bool = False) -> Trace[WalkState]:
    """Animate the MMU's walk for one access, entry by entry, ending in a physical address or #PF."""
    mode = space.mode
    steps, result = _resolve(space, va, access, user)
    parts = split(mode, va)
    who = "user" if user else "kernel"
    tb: TraceBuilder[WalkState] = TraceBuilder(f"walk-{mode.id}-{va:#x}-{access}-{who}",
                                              counters={"memory_references": 0, "data_references": 0})
    base = WalkState(mode.id, va, access, user, parts, "split", (), space)
    tb.add(base, f"Split {fmt_va(mode, va)}", f"CR3 = {fmt_pa(mode, space.cr3)} points to the {mode.level_names[0]}. "
           + _split_text(mode, parts), {"va", "cr3"})
    current = space
    for n, step in enumerate(steps):
        tb.count("memory_references")
        pte = decode_entry(mode, step.value)
        where = (f"{step.level_name} entry {step.index} at {fmt_pa(mode, step.table)} + {step.index} × {mode.entry_size} "
                 f"= {fmt_pa(mode, step.address)} holds {step.value:#x} ({pte.label() if step.value else 'empty'}).")
        failed = isinstance(result, PageFault) and n == len(steps) - 1
        if failed:
            why = f"{where} Check failed: {FAULT_TEXT[result.reason]}."
        else:
            current = current.write(step.address, step.written)
            set_bits = "A and D (a write)" if decode_entry(mode, step.written).has("D") and not pte.has("D") else "A"
            if step.leaf:
                size = size_name(mode.leaf_size(step.level))
                nxt = (f"PS = 1: a {size} page, the walk stops early." if step.level < mode.levels - 1
                       else f"It maps the {size} frame {fmt_pa(mode, pte.frame)}.")
            else:
                nxt = f"It points to the next table at {fmt_pa(mode, pte.frame)}."
            why = f"{where} Checks pass. {nxt} The CPU sets {set_bits} in the entry."
        state = replace(base, phase="read", steps=steps[:n + 1], space=current)
        tb.add(state, f"Read the {step.level_name} entry", why, {f"level-{step.level}", f"entry-{step.address:#x}"})
    if isinstance(result, PageFault):
        tb.add(replace(base, phase="fault", steps=steps, space=current, fault=result),
               f"Page fault (#PF, vector {PF_VECTOR})", result.message, {"fault", f"level-{result.level}"})
    else:
        tb.count("data_references")
        leaf = steps[-1]
        tb.add(replace(base, phase="done", steps=steps, space=current, physical=result),
               f"Physical address {fmt_pa(mode, result)}",
               f"Frame {fmt_pa(mode, decode_entry(mode, leaf.value).frame)} + offset {va & (mode.leaf_size(leaf.level) - 1):#x}. "
               f"The data access is one more memory reference: {len(steps) + 1} in all for one load or store, "
               "which is why the MMU caches translations in a TLB.", {"physical"})
    return tb.build()


__all__ = [
    "ACCESSES", "AddressSpace", "Example", "FLAG_BITS", "Preset", "load_presets", "parse_example", "IA32", "MODES", "MappingLine", "PageFault", "PageTable", "PageTableError",
    "PagingMode", "Pte", "Split", "TEACHING", "WalkState", "WalkStep", "X86_64", "build_space", "contiguous_mappings",
    "decode_entry", "encode_entry", "fmt_pa", "fmt_va", "leaf_of", "parse_address", "parse_mappings", "size_name", "split", "translate", "walk",
]


# --------------------------------------------------------------------------- presets from lessons/

@dataclass(frozen=True)
class Example:
    """A preset address to walk, with the access and what it demonstrates."""

    va: int
    access: Access
    user: bool
    note: str

    @property
    def label(self) -> str:
        return f"{self.va:#x} {self.access} ({'user' if self.user else 'kernel'}): {self.note}"


@dataclass(frozen=True)
class Preset:
    mode: PagingMode
    mappings: str
    examples: tuple[Example, ...]


def parse_address(mode: PagingMode, text: str) -> int:
    """A virtual address as a student types it: hex with 0x, or decimal; it must be one the MMU can translate."""
    raw = text.strip()
    try:
        va = int(raw, 0)
    except ValueError:
        raise PageTableError(f"'{raw[:40]}' is not a virtual address: write it in hex (0x0142) or decimal") from None
    try:
        mode.check_va(va)
    except PageTableError as error:
        raise PageTableError(f"'{raw[:40]}': {error}") from None
    return va


def parse_example(mode: PagingMode, text: str) -> Example:
    """'0x0142 write user | what it shows' (the note is optional)."""
    code, _, note = text.partition("|")
    words = code.split()
    if len(words) != 3 or words[1] not in ACCESSES or words[2] not in ("user", "kernel"):
        raise PageTableError(f"'{text}': write '<address> <{'|'.join(ACCESSES)}> <user|kernel>'")
    va = parse_address(mode, words[0])
    return Example(va, words[1], words[2] == "user", note.strip())  # type: ignore[arg-type]


def load_presets(path: Path) -> dict[str, Preset]:
    """The preset page tables per mode; each is parsed on load, so a broken preset names its file and line."""
    root = Reader(load_toml(path), path.name)
    presets: dict[str, Preset] = {}
    for r in root.subs("preset"):
        mode_id = r.str("mode")
        if mode_id not in MODES:
            r.fail(f"'mode' must be one of {', '.join(MODES)}, found {mode_id!r}")
        if mode_id in presets:
            r.fail(f"mode {mode_id!r} has a preset already")
        mode, text = MODES[mode_id], r.str("mappings")
        try:
            parse_mappings(mode, text)
            examples = tuple(parse_example(mode, e) for e in r.str_list("addresses"))
        except PageTableError as exc:
            r.fail(str(exc))
        presets[mode_id] = Preset(mode, text.strip(), examples)
    return presets
