"""Paging in the student's own format: an entry layout, a raw memory dump and a base register.

Textbook homework does not use x86's entries. OSTEP's multi-level paging homework
(paging-multilevel-translate.py, sources.toml: ostep-multilevel) has 32-byte pages, 128 physical
pages, 15-bit virtual addresses split 5/5/5 and one-byte entries with the valid bit in bit 7 and
the frame number in bits 6:0; it prints every physical page as ``page 12: 0a 7f ...`` and gives
the page directory's page number as the PDBR. A student types such a format and pastes such a dump;
:func:`walk` reads one entry per level from the dump (a frame per memory reference) and ends with
the physical address and the byte stored there, or with the entry that was not valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.core.lessons import Reader, load_toml
from engine.core.trace import Trace, TraceBuilder

MAX_LEVELS = 4
MAX_PHYSICAL_BYTES = 1 << 20  # 1 MiB of dump is already far more than a screen shows
ENTRY_SIZES = (1, 2, 4, 8)


class FormatError(ValueError):
    """The format, the memory dump or an address is unusable; the message names the line or the field."""


# --------------------------------------------------------------------------- the format

@dataclass(frozen=True)
class EntryFormat:
    """How to read one page-table entry: its size, the valid bit and the frame-number field."""

    size: int  # bytes; entries wider than one byte are little-endian, as on x86
    valid_bit: int
    pfn_high: int
    pfn_low: int

    def valid(self, value: int) -> bool:
        return bool(value >> self.valid_bit & 1)

    def pfn(self, value: int) -> int:
        return value >> self.pfn_low & ((1 << (self.pfn_high - self.pfn_low + 1)) - 1)


@dataclass(frozen=True)
class PageFormat:
    """Page size, index bits per level (top first), the entry layout and the size of physical memory."""

    offset_bits: int
    index_bits: tuple[int, ...]
    entry: EntryFormat
    physical_pages: int

    @property
    def page_size(self) -> int:
        return 1 << self.offset_bits

    @property
    def levels(self) -> int:
        return len(self.index_bits)

    @property
    def va_bits(self) -> int:
        return self.offset_bits + sum(self.index_bits)

    @property
    def shifts(self) -> tuple[int, ...]:
        """Bit position of each level's index field (computed once here, not per walk)."""
        return tuple(self.offset_bits + sum(self.index_bits[level + 1:]) for level in range(self.levels))

    @property
    def level_names(self) -> tuple[str, ...]:
        """'Page directory' / 'Page table' as OSTEP says; deeper formats number the levels in between."""
        if self.levels == 1:
            return ("Page table",)
        middle = tuple(f"Level {n} table" for n in range(2, self.levels))
        return ("Page directory",) + middle + ("Page table",)

    @property
    def entry_names(self) -> tuple[str, ...]:
        if self.levels == 1:
            return ("PTE",)
        return ("PDE",) + tuple(f"level-{n} entry" for n in range(2, self.levels)) + ("PTE",)

    def describe(self) -> str:
        split = "/".join(str(b) for b in self.index_bits) + f"/{self.offset_bits}"
        return (f"{self.page_size}-byte pages, {self.physical_pages} physical pages, {self.va_bits}-bit virtual addresses "
                f"split {split}, {self.entry.size}-byte entries with the valid bit in bit {self.entry.valid_bit} and the "
                f"frame number in bits {self.entry.pfn_high}:{self.entry.pfn_low}")


OSTEP_FORMAT_TEXT = """\
# OSTEP's multi-level paging homework (paging-multilevel-translate.py)
page size = 32          # bytes, a power of two
index bits = 5 5        # one number per level, the page directory first
entry size = 1          # bytes per entry (little-endian when wider)
valid bit = 7
pfn bits = 6:0          # high:low bit of the frame number in an entry
physical pages = 128
"""

FORMAT_KEYS = {
    "page size": "bytes per page, a power of two, e.g. 'page size = 32'",
    "index bits": "index bits per level, the top level first, e.g. 'index bits = 5 5'",
    "entry size": f"bytes per entry, one of {', '.join(map(str, ENTRY_SIZES))}, e.g. 'entry size = 1'",
    "valid bit": "the bit that says the entry is valid, e.g. 'valid bit = 7'",
    "pfn bits": "the frame number's bits as high:low, e.g. 'pfn bits = 6:0'",
    "physical pages": "the number of physical pages in the dump, e.g. 'physical pages = 128'",
}


def _int(where: str, text: str, what: str) -> int:
    try:
        return int(text.strip(), 0)
    except ValueError:
        raise FormatError(f"{where}: {what} '{text.strip()}' is not a whole number (decimal or 0x hex)") from None


def parse_format(text: str) -> PageFormat:
    """``key = value`` lines (see FORMAT_KEYS); ``#`` starts a comment; every key is needed once."""
    values: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("#", 1)[0].strip()
        if not code:
            continue
        key, eq, value = code.partition("=")
        key = " ".join(key.replace("_", " ").replace("-", " ").lower().split())
        if not eq or key not in FORMAT_KEYS:
            raise FormatError(f"line {number}: expected '<key> = <value>' with a key from {', '.join(FORMAT_KEYS)}; "
                              f"got '{code}'")
        if key in values:
            raise FormatError(f"line {number}: '{key}' is given twice (first on line {values[key][0]})")
        values[key] = (number, value.strip())
    missing = [k for k in FORMAT_KEYS if k not in values]
    if missing:
        raise FormatError("missing " + "; ".join(f"'{k}': {FORMAT_KEYS[k]}" for k in missing))

    def at(key: str) -> str:
        return f"line {values[key][0]}"

    page_size = _int(at("page size"), values["page size"][1], "page size")
    if page_size < 2 or page_size & (page_size - 1) or page_size > 1 << 16:
        raise FormatError(f"{at('page size')}: page size {page_size} must be a power of two from 2 to 65536 bytes")
    words = values["index bits"][1].replace(",", " ").replace("/", " ").split()
    index_bits = tuple(_int(at("index bits"), w, "index bits") for w in words)
    if not 1 <= len(index_bits) <= MAX_LEVELS or not all(1 <= b <= 16 for b in index_bits):
        raise FormatError(f"{at('index bits')}: write 1 to {MAX_LEVELS} numbers from 1 to 16, one per level, "
                          f"e.g. '5 5'; got '{values['index bits'][1]}'")
    size = _int(at("entry size"), values["entry size"][1], "entry size")
    if size not in ENTRY_SIZES:
        raise FormatError(f"{at('entry size')}: entry size {size} must be one of {', '.join(map(str, ENTRY_SIZES))} bytes")
    for bits in index_bits:
        if (1 << bits) * size > page_size:
            raise FormatError(f"{at('index bits')}: a table of 2^{bits} = {1 << bits} entries of {size} byte(s) needs "
                              f"{(1 << bits) * size} bytes, but a table must fit in one {page_size}-byte page")
    width = 8 * size
    valid = _int(at("valid bit"), values["valid bit"][1], "valid bit")
    if not 0 <= valid < width:
        raise FormatError(f"{at('valid bit')}: valid bit {valid} is outside a {size}-byte entry (bits {width - 1}:0)")
    high_text, colon, low_text = values["pfn bits"][1].partition(":")
    if not colon:
        raise FormatError(f"{at('pfn bits')}: write the frame number's bits as high:low, e.g. '6:0'; "
                          f"got '{values['pfn bits'][1]}'")
    high, low = _int(at("pfn bits"), high_text, "high bit"), _int(at("pfn bits"), low_text, "low bit")
    if not 0 <= low <= high < width:
        raise FormatError(f"{at('pfn bits')}: bits {high}:{low} must satisfy {width - 1} >= high >= low >= 0 "
                          f"for a {size}-byte entry")
    if low <= valid <= high:
        raise FormatError(f"{at('pfn bits')}: the frame number's bits {high}:{low} include the valid bit {valid}")
    pages = _int(at("physical pages"), values["physical pages"][1], "physical pages")
    if not 1 <= pages or pages * page_size > MAX_PHYSICAL_BYTES:
        raise FormatError(f"{at('physical pages')}: {pages} pages of {page_size} bytes; give at least 1 page and "
                          f"at most {MAX_PHYSICAL_BYTES // 1024} KiB of physical memory")
    return PageFormat(page_size.bit_length() - 1, index_bits, EntryFormat(size, valid, high, low), pages)


OSTEP = parse_format(OSTEP_FORMAT_TEXT)


# --------------------------------------------------------------------------- the memory dump

@dataclass(frozen=True)
class Memory:
    """Physical memory from a dump: listed pages (the rest read as zero bytes), the PDBR, and asked addresses."""

    pages: dict[int, bytes]
    pdbr: int  # the page number of the top-level table (OSTEP's PDBR is a page number)
    asked: tuple[int, ...] = ()  # 'Virtual Address 611c: ...' lines of a pasted OSTEP problem

    def byte(self, fmt: PageFormat, address: int) -> int:
        page = self.pages.get(address >> fmt.offset_bits)
        return page[address & (fmt.page_size - 1)] if page is not None else 0

    def read(self, fmt: PageFormat, address: int, size: int) -> int:
        return int.from_bytes(bytes(self.byte(fmt, address + i) for i in range(size)), "little")

    def __hash__(self) -> int:  # frozen with a dict inside: hash by content so caches can key on it
        return hash((tuple(sorted(self.pages.items())), self.pdbr, self.asked))


_PAGE_LINE = re.compile(r"^page\s+(\S+?)\s*:(.*)$", re.IGNORECASE)
_PDBR_LINE = re.compile(r"^pdbr\s*[:=]\s*(\S+)", re.IGNORECASE)
_ASKED_LINE = re.compile(r"^virtual address\s+(?:0x)?([0-9a-f]+)\s*:", re.IGNORECASE)


def parse_memory(fmt: PageFormat, text: str) -> Memory:
    """``PDBR: <page>`` and ``page <n>: <hex bytes>`` lines, as OSTEP prints them; pages not listed are zero.

    A whole pasted OSTEP problem is read too: its ``ARG`` lines are skipped and its ``Virtual Address
    611c: ...`` questions are kept as ``asked``.
    """
    pages: dict[int, bytes] = {}
    first: dict[int, int] = {}
    pdbr: int | None = None
    asked: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("#", 1)[0].strip()
        if not code or code.upper().startswith("ARG "):
            continue
        where = f"line {number}"
        if m := _ASKED_LINE.match(code):
            asked.append(int(m.group(1), 16))
            continue
        if m := _PDBR_LINE.match(code):
            pdbr = _int(where, m.group(1), "PDBR")
            if not 0 <= pdbr < fmt.physical_pages:
                raise FormatError(f"{where}: PDBR {pdbr} is not a physical page number (0 to {fmt.physical_pages - 1})")
            continue
        m = _PAGE_LINE.match(code)
        if not m:
            raise FormatError(f"{where}: expected 'page <n>: <{fmt.page_size} hex bytes>' or 'PDBR: <page number>'; "
                              f"got '{code[:60]}'")
        page = _int(where, m.group(1), "page number")
        if not 0 <= page < fmt.physical_pages:
            raise FormatError(f"{where}: page {page} is outside physical memory (pages 0 to {fmt.physical_pages - 1})")
        if page in first:
            raise FormatError(f"{where}: page {page} is listed twice (first on line {first[page]})")
        data = []
        for token in m.group(2).split():
            digits = token[2:] if token.lower().startswith("0x") else token
            if not 1 <= len(digits) <= 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise FormatError(f"{where}: '{token}' is not a byte: write two hex digits such as 0a or 7f")
            data.append(int(digits, 16))
        if len(data) != fmt.page_size:
            raise FormatError(f"{where}: page {page} has {len(data)} bytes; a page holds {fmt.page_size} "
                              f"(write all {fmt.page_size} bytes, two hex digits each)")
        pages[page], first[page] = bytes(data), number
    if pdbr is None:
        raise FormatError("no base register: add a line 'PDBR: <page number of the page directory>', e.g. 'PDBR: 12'")
    return Memory(pages, pdbr, tuple(asked))


def parse_address(fmt: PageFormat, text: str) -> int:
    """A virtual address in hex, with or without 0x (OSTEP writes '611c'); it must fit the format."""
    raw = text.strip()
    digits = raw[2:] if raw.lower().startswith("0x") else raw
    if not digits or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise FormatError(f"'{raw[:40]}' is not a virtual address: write it in hex, e.g. 0x611c or 611c")
    va = int(digits, 16)
    if va >= 1 << fmt.va_bits:
        raise FormatError(f"'{raw[:40]}' is outside the {fmt.va_bits}-bit virtual address space "
                          f"(0x0 to {(1 << fmt.va_bits) - 1:#x})")
    return va


# --------------------------------------------------------------------------- the walk

@dataclass(frozen=True)
class EntryRead:
    """One memory reference of the walk: which entry, where it is, what it holds."""

    level: int
    table_page: int
    index: int
    address: int
    value: int
    valid: bool
    pfn: int


@dataclass(frozen=True)
class FormatWalkState:
    va: int
    fields: tuple[int, ...]
    offset: int
    phase: Literal["split", "read", "value", "fault"]
    reads: tuple[EntryRead, ...]
    physical: int | None = None
    value: int | None = None
    fault: str | None = None


@dataclass(frozen=True)
class Translation:
    """The outcome without frames: physical address and the byte there, or why the walk stopped."""

    va: int
    reads: tuple[EntryRead, ...]
    physical: int | None
    value: int | None
    fault: str | None

    @property
    def memory_references(self) -> int:
        return len(self.reads) + (self.value is not None)


def split(fmt: PageFormat, va: int) -> tuple[tuple[int, ...], int]:
    return (tuple(va >> s & ((1 << b) - 1) for s, b in zip(fmt.shifts, fmt.index_bits)),
            va & (fmt.page_size - 1))


def translate(fmt: PageFormat, memory: Memory, va: int) -> Translation:
    """Walk from the PDBR: one entry per level, then the byte at the physical address."""
    if not 0 <= va < 1 << fmt.va_bits:
        raise FormatError(f"virtual address {va:#x} is outside the {fmt.va_bits}-bit virtual address space")
    fields, offset = split(fmt, va)
    table, reads = memory.pdbr, []
    names = fmt.entry_names
    for level, index in enumerate(fields):
        address = (table << fmt.offset_bits) + index * fmt.entry.size
        value = memory.read(fmt, address, fmt.entry.size)
        valid, pfn = fmt.entry.valid(value), fmt.entry.pfn(value)
        reads.append(EntryRead(level, table, index, address, value, valid, pfn))
        if not valid:
            return Translation(va, tuple(reads), None, None,
                               f"the {names[level]} is not valid (bit {fmt.entry.valid_bit} of {value:#04x} is 0)")
        if pfn >= fmt.physical_pages:
            return Translation(va, tuple(reads), None, None,
                               f"the {names[level]}'s frame number {pfn} is beyond physical memory "
                               f"(pages 0 to {fmt.physical_pages - 1})")
        table = pfn
    physical = (table << fmt.offset_bits) | offset
    return Translation(va, tuple(reads), physical, memory.byte(fmt, physical), None)


def walk(fmt: PageFormat, memory: Memory, va: int) -> Trace[FormatWalkState]:
    """A frame for the split, one per entry read, and one for the data byte (or the fault)."""
    result = translate(fmt, memory, va)
    fields, offset = split(fmt, va)
    names, entry_names = fmt.level_names, fmt.entry_names
    tb: TraceBuilder[FormatWalkState] = TraceBuilder(f"format-walk-{va:#x}", counters={"memory_references": 0})
    spans = [f"bits {s + b - 1}:{s} = {f} index the {n.lower()}"
             for s, b, f, n in zip(fmt.shifts, fmt.index_bits, fields, names)]
    base = FormatWalkState(va, fields, offset, "split", ())
    tb.add(base, f"Split {va:#x}",
           f"PDBR = page {memory.pdbr}: the {names[0].lower()} starts at physical {memory.pdbr << fmt.offset_bits:#x}. "
           + "; ".join(spans) + f"; bits {fmt.offset_bits - 1}:0 = {offset:#x} are the offset in the page.", {"va", "pdbr"})
    for n, read in enumerate(result.reads):
        tb.count("memory_references")
        where = (f"{entry_names[read.level]} at page {read.table_page} × {fmt.page_size} + {read.index} × {fmt.entry.size} "
                 f"= {read.address:#x} holds {read.value:#0{2 + 2 * fmt.entry.size}x}")
        state = FormatWalkState(va, fields, offset, "read", result.reads[:n + 1])
        if not read.valid:
            tb.add(state, f"The {entry_names[read.level]} is not valid",
                   f"{where}: valid bit {fmt.entry.valid_bit} is 0.", {f"level-{read.level}"})
        else:
            target = (f"the {names[read.level + 1].lower()} is in page {read.pfn}" if read.level < fmt.levels - 1
                      else f"the data is in frame {read.pfn}")
            tb.add(state, f"Read the {entry_names[read.level]}",
                   f"{where}: valid, frame number {read.pfn} (bits {fmt.entry.pfn_high}:{fmt.entry.pfn_low}), so {target}.",
                   {f"level-{read.level}"})
    if result.fault is not None:
        tb.add(FormatWalkState(va, fields, offset, "fault", result.reads, fault=result.fault), "Fault",
               f"The walk stops: {result.fault}. The hardware raises a fault and the OS decides what to do "
               f"(OSTEP's answer: 'Fault').", {"fault"})
    else:
        tb.count("memory_references")
        assert result.physical is not None and result.value is not None
        tb.add(FormatWalkState(va, fields, offset, "value", result.reads, result.physical, result.value),
               f"Value {result.value:#04x} at physical {result.physical:#x}",
               f"Frame {result.physical >> fmt.offset_bits} × {fmt.page_size} + offset {offset:#x} = {result.physical:#x}; "
               f"reading it is memory reference {len(result.reads) + 1}: {len(result.reads)} for the walk, one for the data.",
               {"value"})
    return tb.build()


__all__ = [
    "EntryFormat", "EntryRead", "FORMAT_KEYS", "FormatError", "FormatPreset", "FormatWalkState", "Memory", "OSTEP", "OSTEP_FORMAT_TEXT",
    "PageFormat", "Translation", "parse_address", "parse_format", "load_format_preset", "parse_memory", "split", "translate", "walk",
]


# --------------------------------------------------------------------------- the preset from lessons/

@dataclass(frozen=True)
class FormatPreset:
    format_text: str
    memory_text: str
    addresses: tuple[tuple[int, str], ...]  # (virtual address, what it shows)


def load_format_preset(path: Path) -> FormatPreset:
    """The ``[own_format]`` table of paging.toml, parsed on load so a broken preset names its file and line."""
    r = Reader(load_toml(path), path.name).sub("own_format")
    try:
        fmt = parse_format(r.str("format"))
        parse_memory(fmt, r.str("memory"))
        addresses = []
        for item in r.str_list("addresses"):
            code, _, note = item.partition("|")
            addresses.append((parse_address(fmt, code), note.strip()))
    except FormatError as exc:
        r.fail(str(exc))
    return FormatPreset(r.str("format").strip() + "\n", r.str("memory").strip() + "\n", tuple(addresses))
