"""Generated questions for section 2.2: translate an address, count TLB hits, classify a unit, shadow entries.

Every answer comes from the same engine the animations use (paging.walk, tlb.simulate, x86.classification,
bt.simulate, shadow.simulate), so a generated answer is right by construction. Every variant also carries a
worked solution (the solver's trace, step by step) and a link that opens exactly its scenario in the simulator
page at the frame that shows the answer.

The options are balanced so that guessing does not pay: no option text that recurs across variants (such as
"a page fault (#PF)" or "no shadow entry") is right more often than its chance among the options.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import Mapping

from engine.core.quiz import Question
from engine.core.trace import Trace
from engine.fullvirt import tlb
from engine.fullvirt.bt import BTError, parse_program, simulate as bt_simulate, vmm_routine
from engine.fullvirt.paging import (
    IA32, TEACHING, X86_64, AddressSpace, PageFault, PagingMode, decode_entry, fmt_pa,
    fmt_va, parse_mappings, size_name, walk,
)
from engine.fullvirt.shadow import (
    Access, Entry, Invlpg, Op, ShadowError, ShadowState, SwitchProcess, WritePte, simulate as shadow_simulate,
)
from engine.fullvirt.x86 import AsmError, classification, parse_listing
from engine.quizgen import Generator, simulator_link
from engine.virtualizability.isa import ISA

SECTION = "2.2"
FAULT = "a page fault (#PF)"
MAX_LINK = 2000  # characters: generated links stay well inside what browsers and servers accept


def _mapping_table(lines: list[str]) -> str:
    return "```\n" + "\n".join(lines) + "\n```"


def _mode_param(mode: PagingMode) -> str:
    """The paging page reads a custom page table for a mode from ``mappings-<mode>`` ('x86_64' -> 'x86-64')."""
    return "mappings_" + mode.id


# --------------------------------------------------------------------------- the walk, step by step

_CHECKS = (("P", "P", "not present"), ("US", "U/S", "a user access to a supervisor page"),
           ("RW", "R/W", "a write to a read-only page"))


def _walk_solution(space: AddressSpace, va: int, access: str, user: bool) -> tuple[list[str], Trace]:
    """One solution line per entry the MMU reads (table, index, value, flags checked), then the result."""
    mode = space.mode
    trace = walk(space, va, access, user)  # type: ignore[arg-type]
    final = trace[-1].state
    read = len(final.steps) if final.fault is None else mode.levels
    fields = ", ".join(f"{name} index {index}" for name, index in zip(mode.level_names[:read], final.split.fields[:read]))
    size = mode.leaf_size(final.steps[-1].level) if final.fault is None else mode.page_size
    rest = f"and the low {size.bit_length() - 1} bits, {va & (size - 1):#x}, are the offset in the {size_name(size)} page"
    lines = [f"Split {fmt_va(mode, va)}: {fields}, {rest}. CR3 = {fmt_pa(mode, space.cr3)}."]
    needed = [c for c in _CHECKS if c[0] == "P" or (c[0] == "US" and user) or (c[0] == "RW" and access == "write")]
    for n, step in enumerate(final.steps):
        pte = decode_entry(mode, step.value)
        where = (f"{step.level_name} entry {step.index} at {fmt_pa(mode, step.table)} + {step.index} × {mode.entry_size} = "
                 f"{fmt_pa(mode, step.address)} holds {step.value:#x} ({pte.label() if step.value else 'empty'})")
        checks = []
        for flag, name, failure in needed:
            ok = pte.has(flag)
            checks.append(f"{name} = {int(ok)} " + ("✓" if ok else f"✗ ({failure})"))
            if not ok:
                break
        last = n == len(final.steps) - 1
        if final.fault is not None and last:
            nxt = "the walk stops here"
        elif step.leaf:
            nxt = (f"PS = 1: it maps a {size_name(mode.leaf_size(step.level))} page directly, frame {fmt_pa(mode, pte.frame)}"
                   if step.level < mode.levels - 1 else f"it maps the frame {fmt_pa(mode, pte.frame)}")
        else:
            nxt = f"it points to the next table at {fmt_pa(mode, pte.frame)}"
        lines.append(f"{where}: {', '.join(checks)}; {nxt}.")
    if final.fault is not None:
        lines.append(f"Result: {FAULT}. {final.fault.message}")
    else:
        leaf = final.steps[-1]
        frame = decode_entry(mode, leaf.value).frame
        offset = va & (mode.leaf_size(leaf.level) - 1)
        lines.append(f"Result: frame {fmt_pa(mode, frame)} + offset {offset:#x} = physical address {fmt_pa(mode, final.physical)}.")
    return lines, trace


def _paging_link(mode: PagingMode, mapping_text: str, va: int, access: str, user: bool, frame: int) -> str:
    params: dict[str, object] = {"mode": mode.id, "ex": "custom", "va": fmt_va(mode, va), "access": access,
                                 "who": "user" if user else "kernel", _mode_param(mode): mapping_text, "walk_frame": frame}
    return simulator_link("paging", **params)


# --------------------------------------------------------------------------- translate

_FAULT_KINDS = ("not-present", "unmapped", "supervisor", "read-only")


def translate_address(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    """Teaching layout (4/4/8 bits): which physical address, or a fault? Faults in about a quarter of the variants."""
    rng = random.Random(seed)
    pages = rng.sample(range(0x00, 0xD0), 4)  # keep clear of the page-table region at 0xE000
    frames = rng.sample(range(0x10, 0xD0), 3)
    access, user = rng.choice(["read", "write"]), rng.random() < 0.6
    index = rng.randrange(3)
    # Decide the outcome first, so "a page fault (#PF)" is right as often as any one of four options by chance.
    fault = rng.random() < 0.25
    reasons = [r for r in _FAULT_KINDS if (r != "supervisor" or user) and (r != "read-only" or access == "write")]
    reason = rng.choice(reasons) if fault else None
    flags: list[list[str]] = []
    for n in range(3):
        if n != index:
            flags.append(rng.choice([["P", "RW", "US"], ["P", "US"], ["P", "RW"], ["RW", "US"]]))
            continue
        want = {"P"} | ({"US"} if user else set()) | ({"RW"} if access == "write" else set())
        extra = {f for f in ("RW", "US") if rng.random() < 0.5}
        chosen = want | extra
        if reason == "not-present":
            chosen = (chosen - {"P"}) | {"RW" if "RW" not in chosen else "US"}  # some flag stays, so the line shows one
        elif reason == "supervisor":
            chosen -= {"US"}
        elif reason == "read-only":
            chosen -= {"RW"}
        flags.append([f for f in ("P", "RW", "US") if f in chosen])
    lines = [f"{p << 8:#06x} -> {f << 8:#06x} {' '.join(fl)}" for p, f, fl in zip(pages, frames, flags)]
    offset = rng.randrange(1, 256)
    page = pages[3] if reason == "unmapped" else pages[index]  # pages[3] is never mapped
    va = (page << 8) | offset
    space = parse_mappings(TEACHING, "\n".join(lines))
    steps, trace = _walk_solution(space, va, access, user)
    final = trace[-1].state
    result = final.fault if final.fault is not None else final.physical
    right = FAULT if isinstance(result, PageFault) else f"{result:#06x}"
    near = frames[index if reason != "unmapped" else rng.randrange(3)]
    candidates = [f"{(near << 8) | offset:#06x}", f"{near << 8:#06x}", f"{va:#06x}",
                  f"{(frames[(index + 1) % 3] << 8) | offset:#06x}", f"{(offset << 8) | near:#06x}", FAULT]
    options = [right] + [d for d in dict.fromkeys(candidates) if d != right][:3]
    if FAULT not in options:
        options[-1] = FAULT
    random.Random(seed + 1).shuffle(options)
    if isinstance(result, PageFault):
        why = f"{FAULT}: {result.message}"
    else:
        why = (f"{right}: page {va >> 8:#04x} maps to frame {near << 8:#06x} and every check passes; add the offset "
               f"{offset:#04x} ({len(final.steps)} page-table references).")
    prompt = (f"Teaching layout (16-bit addresses: 4-bit directory index, 4-bit table index, 8-bit offset). "
              f"The page table maps (any other page is not mapped):\n\n{_mapping_table(lines)}\n\n"
              "The MMU checks P, R/W and U/S in every entry it reads (CR0.WP = 1: a kernel write to a read-only page "
              f"faults too). A {'user' if user else 'kernel'} {access} of **{va:#06x}** gives which physical address?")
    return Question(id=f"gen-translate-{seed}", section=SECTION, kind="single", prompt=prompt, options=tuple(options),
                    answer=(right,), explanation=why, slide="Recap: Memory Management on IA-32 Architectures (2/2)",
                    generator="translate", solution=tuple(steps),
                    link=_paging_link(TEACHING, "\n".join(lines), va, access, user, len(trace) - 1))


# --------------------------------------------------------------------------- TLB hits

TLB_REGION_PAGES = tlb.REGION_PAGES  # the paging page's TLB tab maps 16 pages from virtual 0 to physical 32 pages up


def tlb_space(mode: PagingMode = TEACHING) -> AddressSpace:
    """The address space of the paging page's TLB tab (the same function builds both)."""
    return tlb.reference_space(mode)


def _tlb_contents(state: tlb.TLBState) -> str:
    pages = [str(row.page >> TEACHING.offset_bits) for row in state.rows]
    return "[" + ", ".join(pages) + "]" if pages else "[]"


def tlb_hits(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    entries, policy = rng.choice([2, 3]), rng.choice(["LRU", "FIFO"])
    pages = [rng.randrange(5) for _ in range(8)]
    accesses = [p << TEACHING.offset_bits for p in pages]
    trace = tlb.simulate(tlb_space(), accesses, entries, policy)
    last = trace[-1]
    hits, misses = last.counters["hits"], last.counters["misses"]
    order = ", ".join(str(p) for p in pages)
    victim_note = "the next victim first" if policy == "FIFO" else "the least recently used first"
    steps = [f"Start: an empty TLB with {entries} entries, {policy}. Contents are listed {victim_note}."]
    for frame in trace:
        s = frame.state
        if s.index is None:
            continue
        page = s.va >> TEACHING.offset_bits
        if s.outcome == "hit":
            what = "hit" + (" (LRU: it becomes the most recently used)" if policy == "LRU" else " (FIFO: the order stays)")
        elif s.evicted is not None:
            what = f"miss; the TLB is full, {policy} evicts page {s.evicted.page >> TEACHING.offset_bits}"
        else:
            what = "miss; a free entry takes it"
        steps.append(f"Access {s.index + 1}, page {page}: {what} → TLB {_tlb_contents(s)}; "
                     f"{frame.counters['hits']} hit(s) so far.")
    steps.append(f"In all: {hits} hits and {misses} misses out of {len(pages)} accesses.")
    link = simulator_link("paging", mode=TEACHING.id, tab="tlb", tlb_refs=" ".join(str(p) for p in pages),
                          tlb_entries=entries, tlb_policy=policy, tlb_frame=len(trace) - 1)
    return Question(
        id=f"gen-tlb-hits-{seed}", section=SECTION, kind="numeric",
        prompt=(f"An empty TLB with {entries} entries and {policy} replacement sees accesses to these virtual pages, "
                f"in order: **{order}**. How many accesses hit in the TLB?"),
        value=float(hits), tolerance=0.0, unit="hits",
        explanation=(f"{hits} hits and {misses} misses: every first access to a page misses, and {policy} "
                     f"evicts {tlb.EVICTION_TEXT[policy]} when all {entries} entries are in use."),
        slide="Recap: Translation Lookaside Buffer (TLB)", generator="tlb-hits", solution=tuple(steps), link=link,
    )


# --------------------------------------------------------------------------- translation unit

# Eight instructions of each kind, so each is asked about as often as the others.
_UNIT_POOL = {
    "ident": ("mov eax, ebx", "add eax, 4", "inc ecx", "push eax", "xor edx, edx", "sub ecx, 1", "test eax, eax",
              "and eax, 0xff"),
    "critical": ("mov ds, ax", "push cs", "pushf", "popf", "sgdt [eax]", "smsw eax", "str eax", "sidt [eax]"),
    "privileged": ("cli", "sti", "mov cr3, eax", "lgdt [eax]", "lidt [eax]", "mov eax, cr0", "invlpg [eax]", "lmsw ax"),
}
_FATES = {
    "critical": ("**replace** with a call into the VMM", "replaced by a call into the VMM"),
    "privileged": ("**leave in place**, so that they trap to the VMM when they run", "left in place, to trap"),
    "ident": ("**copy unchanged** (IDENT)", "copied unchanged (IDENT)"),
}
UNIT_NONE = "none of them"
_KIND_WORD = {"critical": "critical", "privileged": "privileged", "ident": "innocuous"}


def _unit_lines(rng: random.Random) -> list[str]:
    """Five instructions that also run in the simulator (a POPF needs something pushed before it)."""
    pool = [line for lines in _UNIT_POOL.values() for line in lines]
    for _ in range(100):
        lines = rng.sample(pool, 5)
        try:
            bt_simulate(parse_program("\n".join(lines), "asm"))
            return lines
        except (AsmError, BTError):
            continue
    raise AssertionError("no runnable unit found")  # pragma: no cover: the pool has few stack pops


def unit_decisions(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    lines = _unit_lines(rng)
    fate = rng.choice(list(_FATES))
    ia32 = catalogue["ia32"]
    decided = [(line, classification(parse_listing(line)[0], ia32)) for line in lines]
    chosen = tuple(line for line, c in decided if c.kind == fate)
    asked, done = _FATES[fate]
    steps = []
    for line, c in decided:
        if c.kind == "critical":
            what = f"critical ({c.form}): sensitive but not privileged, so run de-privileged it would not trap; replaced by `call {vmm_routine(c.form)}`"
        elif c.kind == "privileged":
            what = f"privileged ({c.form}): it traps in the de-privileged guest kernel, so it is left in place and the VMM emulates it on the trap"
        else:
            what = f"innocuous ({c.form}): neither privileged nor sensitive, so it is copied unchanged (IDENT) and runs at native speed"
        steps.append(f"`{line}`: {what}.")
    done = done[0].upper() + done[1:]
    steps.append(f"{done}: " + (", ".join(f"`{line}`" for line in chosen) if chosen else f"{UNIT_NONE}."))
    named = ", ".join(chosen) if chosen else f"{UNIT_NONE}, as no instruction of this unit is {_KIND_WORD[fate]}"
    explanation = (f"{done}: {named}. Critical instructions (sensitive, not privileged) are replaced by "
                   "calls into the VMM; privileged ones stay and trap; innocuous ones are copied unchanged (IDENT). "
                   + "; ".join(f"{line}: {c.kind}" for line, c in decided) + ".")
    return Question(
        id=f"gen-unit-{seed}", section=SECTION, kind="multiple",
        prompt="A translation unit of a de-privileged IA-32 guest kernel holds:\n\n" + _mapping_table(lines)
               + f"\n\nWhich instructions does the binary translator {asked}? (select all that apply)",
        options=tuple(lines) + (UNIT_NONE,), answer=chosen or (UNIT_NONE,), explanation=explanation,
        slide="Full Virtualization using Binary Translation", generator="unit", solution=tuple(steps),
        link=simulator_link("binary-translation", program="custom", code="\n".join(lines), bt_frame=1),
    )


# --------------------------------------------------------------------------- shadow page tables

@dataclass(frozen=True)
class ShadowSetup:
    """A shadow-paging scenario as the shadow page reads it from a link: memory, guest tables, operations."""

    frames: int
    host_base: int
    processes: tuple[tuple[str, tuple[tuple[int, Entry], ...]], ...]
    ops: tuple[Op, ...]

    def run(self) -> Trace[ShadowState]:
        name = "setup-" + hashlib.sha1(shadow_setup_text(self).encode()).hexdigest()[:10]
        return shadow_simulate(self.ops, self.frames, {p: dict(t) for p, t in self.processes}, self.host_base, name)


def _entry_text(entry: Entry) -> str:
    return f"{entry.frame:#x}" + ("" if entry.writable else " ro") + ("" if entry.user else " kernel")


def shadow_setup_text(setup: ShadowSetup) -> str:
    """The text form the shadow page's editor shows and a link carries (see :func:`parse_shadow_setup`)."""
    out = [f"memory {setup.frames} frames at host {setup.host_base:#x}"]
    for name, table in setup.processes:
        out.append(f"table {name}: " + ", ".join(f"{page:#x} -> {_entry_text(e)}" for page, e in table))
    for op in setup.ops:
        if isinstance(op, SwitchProcess):
            out.append(f"cr3 {op.process}")
        elif isinstance(op, Access):
            out.append(f"{'write' if op.write else 'read'} {op.page:#x}" + ("" if op.user else " kernel"))
        elif isinstance(op, WritePte):
            target = "none" if op.frame is None else _entry_text(Entry(op.frame, op.writable, op.user))
            out.append(f"pte {op.process} {op.page:#x} -> {target}")
        elif isinstance(op, Invlpg):
            out.append(f"invlpg {op.page:#x}")
    return "\n".join(out)


def _int(line: int, what: str, token: str) -> int:
    try:
        return int(token, 0)
    except ValueError:
        raise ShadowError(f"line {line}: {what} '{token}' is not a number (write 0x12 or 18)") from None


def _entry(line: int, words: list[str]) -> Entry:
    if not words:
        raise ShadowError(f"line {line}: a guest frame is missing after '->'")
    unknown = [w for w in words[1:] if w not in ("ro", "kernel")]
    if unknown:
        raise ShadowError(f"line {line}: unknown flag '{unknown[0]}'; write 'ro' (read-only) or 'kernel' (supervisor)")
    return Entry(_int(line, "guest frame", words[0]), "ro" not in words[1:], "kernel" not in words[1:])


SHADOW_SYNTAX = ("memory <frames> frames at host <first host frame> · table <process>: <page> -> <frame> [ro] [kernel], … · "
                 "cr3 <process> · read|write <page> [kernel] · pte <process> <page> -> <frame> [ro] [kernel] | none · "
                 "invlpg <page>")


def parse_shadow_setup(text: str) -> ShadowSetup:
    """Read a scenario: one statement a line (``#`` starts a comment); errors name the line."""
    frames, host_base, tables, ops = 16, 0x40, {}, []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("#", 1)[0].strip()
        if not code:
            continue
        words = code.replace(",", " , ").split()
        head = words[0].lower()
        if head == "memory":
            m = re.fullmatch(r"memory\s+(\S+)\s+frames\s+at\s+host\s+(\S+)", code, re.IGNORECASE)
            if not m:
                raise ShadowError(f"line {number}: write 'memory 16 frames at host 0x40'")
            frames, host_base = _int(number, "frame count", m.group(1)), _int(number, "host frame", m.group(2))
        elif head == "table":
            name, _, body = code[len("table"):].partition(":")
            name = name.strip()
            if not name or not _:
                raise ShadowError(f"line {number}: write 'table A: 0x12 -> 0x3, 0x13 -> 0x4 ro'")
            table: dict[int, Entry] = {}
            for item in filter(None, (part.strip() for part in body.split(","))):
                left, arrow, right = item.partition("->")
                if not arrow:
                    raise ShadowError(f"line {number}: '{item}' needs '<page> -> <frame>'")
                table[_int(number, "page", left.strip())] = _entry(number, right.split())
            tables[name] = tuple(sorted(table.items()))
        elif head == "cr3" and len(words) == 2:
            ops.append(SwitchProcess(words[1]))
        elif head in ("read", "write") and len(words) in (2, 3) and (len(words) == 2 or words[2] == "kernel"):
            ops.append(Access(_int(number, "page", words[1]), write=head == "write", user=len(words) == 2))
        elif head == "pte" and len(words) >= 5 and words[3] == "->":
            page = _int(number, "page", words[2])
            if words[4:] == ["none"]:
                ops.append(WritePte(words[1], page, None))
            else:
                e = _entry(number, words[4:])
                ops.append(WritePte(words[1], page, e.frame, e.writable, e.user))
        elif head == "invlpg" and len(words) == 2:
            ops.append(Invlpg(_int(number, "page", words[1])))
        else:
            raise ShadowError(f"line {number}: '{code}' is not a statement; one of: {SHADOW_SYNTAX}.")
    if not tables:
        raise ShadowError("no 'table' line: give at least one guest process with its page table")
    setup = ShadowSetup(frames, host_base, tuple(sorted(tables.items())), tuple(ops))
    setup.run()  # the engine checks pages, frames and the order of operations, naming the operation
    return setup


def _host(frame: int | None, writable: bool = True) -> str:
    return "no shadow entry for the page" if frame is None else f"host frame {frame:#04x}, {'read-write' if writable else 'read-only'}"


SHADOW_NONE = _host(None)
_SHADOW_KINDS = ("remap", "read-only", "unmap", "not-shadowed")


def shadow_entry(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    """The lecture's model: the guest's page table is write-protected, a write to it traps, and the VMM copies the
    modified entry to the shadow table. The premise says whether a shadow entry exists; when it does not, the
    question asks after the process's next read of the page, where eager and lazy copying agree."""
    rng = random.Random(seed)
    page, old = rng.randrange(0x10, 0x30), rng.randrange(0, 8)
    new = rng.randrange(8, 16)
    host_base = rng.choice([0x40, 0x60, 0x80])
    kind = rng.choice(_SHADOW_KINDS)
    pmap = lambda g: host_base + g  # noqa: E731: the VMM's map, guest frame -> host frame
    if kind == "remap":
        write = WritePte("A", page, new)
    elif kind == "read-only":
        new = rng.choice([old, new])
        write = WritePte("A", page, new, writable=False)
    elif kind == "unmap":
        write = WritePte("A", page, None)
    else:
        write = WritePte("A", page, new)
    shadowed = kind != "not-shadowed"
    ops: tuple[Op, ...] = (SwitchProcess("A"),) + ((Access(page),) if shadowed else ()) + (write,) + (
        () if shadowed else (Access(page),))
    setup = ShadowSetup(16, host_base, (("A", ((page, Entry(old)),)),), ops)
    trace = setup.run()
    spte = trace[-1].state.shadow_table("A").get(page)
    right = _host(spte.frame if spte else None, spte.writable if spte else True)
    # Distractors: the stale entry, the guest frame copied without the VMM's map, more rights than the guest's entry
    # grants (fewer would still keep the invariant, so that one is never offered), no entry.
    target = old if write.frame is None else write.frame
    candidates = [_host(pmap(old)), _host(target, write.writable)]
    if not write.writable:
        candidates.append(_host(pmap(target), True))
    if write.frame is None:
        candidates.append(_host(pmap(old), False))
    candidates += [_host(old), SHADOW_NONE]
    options = [right] + [c for c in dict.fromkeys(candidates) if c != right][:3]
    if SHADOW_NONE not in options:
        options[-1] = SHADOW_NONE
    random.Random(seed + 1).shuffle(options)
    new_text = ("not present (the guest unmaps the page)" if write.frame is None else
                f"guest frame {write.frame:#04x}, {'read-write' if write.writable else 'read-only'}")
    memory = (f"The VMM gives the guest frames 0x0–0xf in host frames {host_base:#04x}–{host_base + 15:#04x} (guest frame g "
              f"is host frame {host_base:#04x} + g). Process A runs; its page table maps page {page:#04x} → guest frame "
              f"{old:#04x}, read-write, and the VMM keeps that page table write-protected.")
    if shadowed:
        history = (f" A has already read page {page:#04x}, so shadow(A), the table the hardware walks, has an entry for "
                   f"it: page {page:#04x} → host frame {pmap(old):#04x}, read-write.")
        ask = "After the VMM has handled the resulting trap, what does the shadow entry for that page hold?"
    else:
        history = (f" A has not touched page {page:#04x} since the switch to it, so shadow(A), the table the hardware "
                   "walks, has no entry for it yet.")
        ask = (f"After the VMM has handled the resulting trap and A has then read page {page:#04x}, what does the shadow "
               "entry for that page hold?")
    prompt = (f"{memory}{history} The guest kernel now writes the PTE: page {page:#04x} → {new_text}. {ask}")

    steps = [f"The guest's page table maps page {page:#04x} → guest frame {old:#04x}; the VMM write-protects the page "
             "that holds it, so any store to it faults into the VMM (lecture: modifications to the guest's page table trap)."]
    steps.append(f"Before the write, shadow(A) maps page {page:#04x} → {_host(pmap(old))} (= VMM map[{old:#x}] = "
                 f"{host_base:#04x} + {old:#x})." if shadowed else
                 f"Before the write, shadow(A) has no entry for page {page:#04x}.")
    steps.append(f"The guest kernel's store to the PTE hits the write-protected page-table page: the CPU traps to the VMM.")
    steps.append(f"The VMM emulates the store in the guest's table: page {page:#04x} → {new_text}.")
    if shadowed:
        copied = ("it drops the shadow entry, since the guest entry is no longer present" if write.frame is None else
                  f"it copies the modified entry to the shadow table through its map: VMM map[{write.frame:#x}] = "
                  f"{host_base:#04x} + {write.frame:#x} = host frame {pmap(write.frame):#04x}, with the guest's rights "
                  f"({'read-write' if write.writable else 'read-only'})")
        steps.append(f"The VMM keeps shadow = VMM map ∘ guest table: {copied}. Result: {right}.")
    else:
        steps.append(f"shadow(A) has no entry for page {page:#04x}, so no stale entry needs fixing; the modified entry "
                     "reaches the shadow table when it is needed.")
        steps.append(f"A reads page {page:#04x}: shadow(A) has no entry, so the hardware faults into the VMM. The guest's "
                     f"entry allows the read, so this is a hidden page fault: the VMM copies VMM map ∘ guest entry, "
                     f"map[{write.frame:#x}] = host frame {pmap(write.frame):#04x}, and resumes A, which never sees the "
                     f"fault. Result: {right}.")
    explanation = (f"{right}. The guest's page table is write-protected, so the PTE write traps and the VMM keeps "
                   "shadow = VMM map ∘ guest table: a shadow entry holds the host frame of the guest's frame, with no "
                   "more rights than the guest entry (never the guest frame itself, never a stale frame).")
    return Question(
        id=f"gen-shadow-{seed}", section=SECTION, kind="single", prompt=prompt, options=tuple(options),
        answer=(right,), explanation=explanation, slide="Memory Management and Full Virtualization (2/2)",
        generator="shadow", solution=tuple(steps),
        link=simulator_link("shadow-page-tables", scenario="custom", setup=shadow_setup_text(setup),
                            shadow_frame=len(trace) - 1),
    )


# --------------------------------------------------------------------------- page-walk length

def parse_size(name: str) -> int:
    """'4 KiB' -> 4096: the page sizes the walk question names."""
    number, unit = name.split()
    return int(number) << {"B": 0, "KiB": 10, "MiB": 20, "GiB": 30}[unit]


def _walk_cases(mode: PagingMode) -> list[tuple[str, int, int, str]]:
    """(page size name, virtual page, frame, extra flags) mappings the question draws from, per mode."""
    if mode is TEACHING:
        return [("256 B", 0x0100 * p, 0x0100 * f, "") for p, f in ((0x12, 0x45), (0x03, 0x81), (0xa7, 0x2c))]
    if mode is IA32:
        return [("4 KiB", 0x00400000, 0x0012F000, ""), ("4 KiB", 0xC0001000, 0x00101000, ""),
                ("4 MiB", 0x00800000, 0x00C00000, "PS"), ("4 MiB", 0xC0400000, 0x01000000, "PS")]
    return [("4 KiB", 0x00400000, 0x0012F000, ""), ("4 KiB", 0x7FFF0000, 0x00200000, ""),
            ("2 MiB", 0x00600000, 0x00800000, "PS"), ("2 MiB", 0x40200000, 0x00400000, "PS"),
            ("1 GiB", 0x40000000, 0x80000000, "PS"), ("1 GiB", 0x00000000, 0xC0000000, "PS")]


def walk_references(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    mode = rng.choice([X86_64, X86_64, IA32, TEACHING])
    size, va_page, pa, ps = rng.choice(_walk_cases(mode))
    line = f"{fmt_va(mode, va_page)} -> {fmt_pa(mode, pa)} P RW {ps}".strip()
    space = parse_mappings(mode, line)
    va = va_page + rng.randrange(1, parse_size(size))
    with_data = rng.random() < 0.4
    steps, trace = _walk_solution(space, va, "read", False)
    references = trace[-1].counters["memory_references"]
    value = references + (1 if with_data else 0)
    leaf_level = trace[-1].state.steps[-1].level
    question = ("how many memory references does this one load make in all (the page-table entries the walk reads plus "
                "the data access itself)?" if with_data else
                "how many page-table entries does the hardware walk read (not counting the data access itself)?")
    steps.append(f"{mode.name} has {mode.levels} levels; this {size} page is mapped at the "
                 f"{mode.level_names[leaf_level]} level, so the walk reads {references} entries"
                 + (f"; with the data access, {value} memory references in all." if with_data else "."))
    how = ("by the last level" if leaf_level == mode.levels - 1 else
           f"directly by the {mode.level_names[leaf_level]} entry with PS = 1 (the walk stops early)")
    return Question(
        id=f"gen-walk-{seed}", section=SECTION, kind="numeric",
        prompt=(f"On {mode.name} paging, the only mapping is\n\n{_mapping_table([line])}\n\n(a **{size}** page). A kernel "
                f"load from **{fmt_va(mode, va)}** misses in the TLB: {question}"),
        value=float(value), tolerance=0.0, unit="references",
        explanation=(f"{value}: {mode.name} has {mode.levels} levels; a {size} page is mapped {how}, so the walk reads "
                     f"{references} entries" + (f", and the data access makes it {value}." if with_data else
                                                 f". The data access adds one more memory reference ({references + 1}).")),
        slide="Recap: Memory Management on IA-32 Architectures (2/2)", generator="walk", solution=tuple(steps),
        link=_paging_link(mode, line, va, "read", False, len(trace) - 1),
    )


GENERATORS = (
    Generator("translate", SECTION, "Translate an address through a page table", translate_address),
    Generator("tlb-hits", SECTION, "Count TLB hits for a short trace", tlb_hits),
    Generator("unit", SECTION, "Which instructions of a unit are replaced, left to trap or copied?", unit_decisions),
    Generator("shadow", SECTION, "The shadow entry after a guest page-table write", shadow_entry),
    Generator("walk", SECTION, "How long is a page walk?", walk_references),
)
