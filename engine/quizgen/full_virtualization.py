"""Generated questions for section 2.2: translate an address, count TLB hits, classify a unit, shadow entries.

Every answer comes from the same engine the animations use (paging.translate, tlb.run_stats,
x86.classification, shadow.simulate), so a generated answer is right by construction.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.fullvirt import tlb
from engine.virtualizability.isa import ISA
from engine.fullvirt.paging import MODES, TEACHING, X86_64, PageFault, build_space, contiguous_mappings, parse_mappings, translate
from engine.core.quiz import Question
from engine.quizgen import Generator
from engine.fullvirt.shadow import Access, Entry, SwitchProcess, WritePte, simulate as shadow_simulate
from engine.fullvirt.x86 import classification, parse_listing

SECTION = "2.2"
FAULT = "a page fault (#PF)"


def _mapping_table(lines: list[str]) -> str:
    return "```\n" + "\n".join(lines) + "\n```"


def translate_address(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    """Teaching layout (4/4/8 bits): which physical address, or a fault?"""
    rng = random.Random(seed)
    pages = rng.sample(range(0x00, 0xD0), 3)  # keep clear of the page-table region at 0xE000
    frames = rng.sample(range(0x10, 0xD0), 3)
    flags = [rng.choice(["P RW US", "P US", "P RW", "RW US"]) for _ in pages]
    lines = [f"{p << 8:#06x} -> {f << 8:#06x} {fl}" for p, f, fl in zip(pages, frames, flags)]
    space = parse_mappings(TEACHING, "\n".join(lines))
    index = rng.randrange(3)
    va = (pages[index] << 8) | rng.randrange(256)
    access, user = rng.choice(["read", "write"]), rng.random() < 0.7
    result, references = translate(space, va, access, user)  # type: ignore[arg-type]
    offset = va & 0xFF
    right = FAULT if isinstance(result, PageFault) else f"{result:#06x}"
    distractors = [f"{(frames[index] << 8):#06x}", f"{va:#06x}", f"{(frames[(index + 1) % 3] << 8) | offset:#06x}", FAULT]
    options = [right] + [d for d in dict.fromkeys(distractors) if d != right][:3]
    random.Random(seed + 1).shuffle(options)
    why = (result.message if isinstance(result, PageFault) else
           f"Page {va >> 8:#04x} maps to frame {frames[index] << 8:#06x}; add the offset {offset:#04x}: {result:#06x} "
           f"({references} page-table references).")
    prompt = (f"Teaching layout (16-bit addresses: 4-bit directory index, 4-bit table index, 8-bit offset). "
              f"The page table maps:\n\n{_mapping_table(lines)}\n\nA {'user' if user else 'kernel'} {access} of "
              f"**{va:#06x}** gives which physical address?")
    return Question(id=f"gen-translate-{seed}", section=SECTION, kind="single", prompt=prompt, options=tuple(options),
                    answer=(right,), explanation=why, slide="Recap: Memory Management on IA-32 Architectures (2/2)",
                    generator="translate")


def tlb_hits(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    entries, policy = rng.choice([2, 3]), rng.choice(["LRU", "FIFO"])
    pages = [rng.randrange(5) for _ in range(8)]
    space = build_space(TEACHING, contiguous_mappings(TEACHING, 0, 0x2000, 5))
    accesses = [p << 8 for p in pages]
    stats = tlb.run_stats(space, accesses, entries, policy)
    order = ", ".join(str(p) for p in pages)
    return Question(
        id=f"gen-tlb-hits-{seed}", section=SECTION, kind="numeric",
        prompt=(f"An empty TLB with {entries} entries and {policy} replacement sees accesses to these virtual pages, "
                f"in order: **{order}**. How many accesses hit in the TLB?"),
        value=float(stats.hits), tolerance=0.0, unit="hits",
        explanation=(f"{stats.hits} hits and {stats.misses} misses: every first access to a page misses, and {policy} "
                     f"evicts {tlb.EVICTION_TEXT[policy]} when all {entries} entries are in use."),
        slide="Recap: Translation Lookaside Buffer (TLB)", generator="tlb-hits",
    )


_UNIT_POOL = ("mov eax, ebx", "add eax, 4", "mov ds, ax", "push cs", "pushf", "popf", "cli", "sti", "sgdt [eax]",
              "smsw eax", "mov cr3, eax", "inc ecx", "push eax", "xor edx, edx", "lgdt [eax]", "str eax")


def unit_decisions(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    lines = rng.sample(_UNIT_POOL, 5)
    ia32 = catalogue["ia32"]
    decided = [(line, classification(parse_listing(line)[0], ia32)) for line in lines]
    replaced = tuple(line for line, c in decided if c.kind == "critical")
    none = "none of them"
    explanation = "; ".join(f"{line}: {c.kind}" for line, c in decided) + (
        ". Critical instructions (sensitive, not privileged) are replaced by calls into the VMM; privileged ones "
        "stay and trap; innocuous ones are copied unchanged (IDENT).")
    return Question(
        id=f"gen-unit-{seed}", section=SECTION, kind="multiple",
        prompt="A translation unit of a de-privileged IA-32 guest kernel holds:\n\n" + _mapping_table(lines)
               + "\n\nWhich instructions does the binary translator **replace** with a call into the VMM? (select all that apply)",
        options=tuple(lines) + (none,), answer=replaced or (none,), explanation=explanation,
        slide="Full Virtualization using Binary Translation", generator="unit",
    )


def shadow_entry(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    page, old, new = rng.randrange(0x10, 0x30), rng.randrange(0, 8), rng.randrange(8, 16)
    host_base = rng.choice([0x40, 0x60, 0x80])
    touched = rng.random() < 0.6  # was the page accessed (shadowed) before the write?
    ops = [SwitchProcess("A")] + ([Access(page)] if touched else []) + [WritePte("A", page, new)]
    trace = shadow_simulate(ops, 16, {"A": {page: Entry(old)}}, host_base=host_base)
    spte = trace[-1].state.shadow_table("A").get(page)
    right = "no shadow entry yet: it is filled on the next access" if spte is None else f"host frame {spte.frame:#04x}"
    options = [right, f"host frame {host_base + old:#04x}", f"host frame {new:#04x}", f"host frame {host_base + new:#04x}",
               "no shadow entry yet: it is filled on the next access"]
    options = list(dict.fromkeys(options))
    random.Random(seed + 1).shuffle(options)
    history = f"The process has already used page {page:#04x}, so the VMM has a shadow entry for it. " if touched else \
        f"The process has not touched page {page:#04x} since the switch, so its shadow table has no entry for it. "
    return Question(
        id=f"gen-shadow-{seed}", section=SECTION, kind="single",
        prompt=(f"The VMM gives the guest frames 0x0–0xf in host frames {host_base:#04x}–{host_base + 15:#04x} "
                f"(guest frame g is host frame {host_base:#04x} + g). Process A's page table maps page {page:#04x} → guest "
                f"frame {old:#04x}. {history}The guest kernel now writes the PTE: page {page:#04x} → guest frame {new:#04x}. "
                "After the VMM has handled the trap, what does the shadow entry for that page hold?"),
        options=tuple(options), answer=(right,), explanation=trace[-1].explanation,
        slide="Memory Management and Full Virtualization (2/2)", generator="shadow",
    )


def walk_references(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    mode = rng.choice([X86_64, MODES["ia32"]])
    sizes = {X86_64.id: [(0x00400000, 0x0012F000, "", "4 KiB"), (0x00600000, 0x00800000, "PS", "2 MiB"),
                         (0x40000000, 0x80000000, "PS", "1 GiB")],
             "ia32": [(0x00400000, 0x0012F000, "", "4 KiB"), (0x00800000, 0x00C00000, "PS", "4 MiB")]}[mode.id]
    va, pa, ps, size = rng.choice(sizes)
    space = parse_mappings(mode, f"{va:#x} -> {pa:#x} P RW {ps}")
    _, references = translate(space, va + 0x123)
    return Question(
        id=f"gen-walk-{seed}", section=SECTION, kind="numeric",
        prompt=(f"On {mode.name} paging, a TLB miss on an address in a **{size}** page: how many page-table entries "
                "does the hardware walk read (not counting the data access itself)?"),
        value=float(references), tolerance=0.0, unit="references",
        explanation=(f"{mode.name} has {mode.levels} levels; a {size} page is mapped "
                     f"{'by the last level' if not ps else 'directly by a higher-level entry with PS = 1'}, so the walk reads "
                     f"{references} entries. The data access adds one more memory reference."),
        slide="Recap: Memory Management on IA-32 Architectures (2/2)", generator="walk",
    )


GENERATORS = (
    Generator("translate", SECTION, "Translate an address through a page table", translate_address),
    Generator("tlb-hits", SECTION, "Count TLB hits for a short trace", tlb_hits),
    Generator("unit", SECTION, "Which instructions of a unit are replaced?", unit_decisions),
    Generator("shadow", SECTION, "The shadow entry after a guest page-table write", shadow_entry),
    Generator("walk", SECTION, "How long is a page walk?", walk_references),
)
