"""Generated questions for section 2.3: Xen's mmu_update check, batching, VM exits, 2D walks.

Answers come from the engine (xen.check_update, xen.transitions_by_batch_size, and the VT-x and
nested-paging engines), so they are right by construction.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.assisted import nested_paging, vmx, xen
from engine.virtualizability.isa import ISA
from engine.core.quiz import Question
from engine.quizgen import Generator

SECTION = "2.3"
ACCEPT, REJECT = "Xen applies it", "Xen rejects it"


def mmu_update_accepted(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    host = xen.default_host(seed)
    caller = rng.choice(["DomU1", "DomU2"])
    other = "DomU2" if caller == "DomU1" else "DomU1"
    me, them = host.domain(caller), host.domain(other)
    case = rng.choice(["own", "foreign", "own-pt-writable", "foreign-table", "own-pt-readonly"])
    table = them.page_tables[0] if case == "foreign-table" else me.page_tables[0]
    data = [f for f in me.frames if f not in me.page_tables]
    target = {"own": rng.choice(data), "foreign": rng.choice(them.frames), "own-pt-writable": me.page_tables[0],
              "foreign-table": rng.choice(data), "own-pt-readonly": me.page_tables[0]}[case]
    writable = {"own-pt-writable": True, "own-pt-readonly": False}.get(case, rng.random() < 0.8)
    update = xen.MmuUpdate.write(table, rng.randrange(8, 32), target, writable)
    rule, reason = xen.check_update(host, caller, update)
    frames = lambda d: ", ".join(map(str, d.frames))  # noqa: E731
    prompt = (f"Machine frames of {caller}: {frames(me)} (page table in frame {me.page_tables[0]}); of {other}: "
              f"{frames(them)} (page table in frame {them.page_tables[0]}). {caller} calls mmu_update "
              f"({xen.HYPERCALLS['mmu_update']}): the PTE shall lie in frame {table} and map machine frame "
              f"{target}, {'writable' if writable else 'read-only'}. What does Xen do?")
    explanation = (reason + "." if rule else
                   f"The PTE lies in {caller}'s own page table and maps {caller}'s own frame without making a page table "
                   "writable, so Xen validates and writes it.")
    return Question(id=f"gen-mmu-{seed}", section=SECTION, kind="single", prompt=prompt, options=(ACCEPT, REJECT),
                    answer=(REJECT if rule else ACCEPT,), explanation=explanation, slide="XEN and Memory Virtualization",
                    generator="mmu")


def batch_savings(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    n, k = rng.randrange(6, 65), rng.choice([2, 4, 8, 16])
    (_, one_calls, one_transitions), (_, calls, transitions) = xen.transitions_by_batch_size(n, [1, k])
    saved = one_transitions - transitions
    return Question(
        id=f"gen-batch-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A paravirtualized guest makes {n} page-table updates. Each mmu_update hypercall enters Xen and returns "
                f"(2 guest↔Xen transitions). How many transitions does it save by batching {k} updates per hypercall "
                "instead of one?"),
        value=float(saved), tolerance=0.0, unit="transitions",
        explanation=(f"One per call: {one_calls} hypercalls, {one_transitions} transitions. Batched by {k}: ⌈{n}/{k}⌉ = "
                     f"{calls} hypercalls, {transitions} transitions. Saved: {saved}."),
        slide="XEN and CPU Virtualization", generator="batch",
    )


NO_EXIT = "no VM exit"
_CONTROL_CHOICES = ("HLT exiting", "CR3-load exiting", "INVLPG exiting", "use I/O bitmaps", "unconditional I/O exiting",
                    "use MSR bitmaps", "RDTSC exiting")
_INSTRUCTIONS = ("cpuid", "hlt", "mov cr3, eax", "in al, 0x60", "out 0x80, al", "rdmsr 0x10", "invlpg 0x1000", "rdtsc",
                 "add", "xsetbv", "vmcall")


def exit_reason(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    controls = sorted(rng.sample(_CONTROL_CHOICES, rng.randrange(1, 4)))
    text = "primary: " + ", ".join(controls) + ("\nio: 0x60" if "use I/O bitmaps" in controls else "")
    instruction = rng.choice(_INSTRUCTIONS)
    summary = vmx.exit_summary(vmx.simulate(vmx.parse_controls(text), instruction))
    right = f"{summary[0]['reason']}: {summary[0]['name']}" if summary else NO_EXIT
    pool = [f"{n}: {vmx.exit_name(n)}" for n in (10, 12, 28, 30, 31, 14, 16, 55, 18)] + [NO_EXIT]
    options = [right] + [o for o in rng.sample(pool, len(pool)) if o != right][:3]
    rng.shuffle(options)
    always = instruction.split()[0] in vmx.UNCONDITIONAL
    explanation = ((f"{instruction.split()[0].upper()} exits unconditionally, whatever the controls say."
                    if always else f"With these controls, {instruction} gives: {right}.") +
                   " Basic exit reasons from the SDM (Vol. 3D, Appendix C).")
    return Question(
        id=f"gen-exit-{seed}", section=SECTION, kind="single",
        prompt=(f"A guest runs in VMX non-root mode. The primary processor-based controls set: **{', '.join(controls)}**"
                f"{' (I/O bitmap: port 0x60 only)' if 'use I/O bitmaps' in controls else ''}; no other control is set. "
                f"The guest kernel executes `{instruction}`. What happens?"),
        options=tuple(options), answer=(right,), explanation=explanation, slide="VMM Control Structures [13]",
        generator="exit")


def walk_references(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    n, m = rng.randrange(2, 6), rng.randrange(2, 6)
    total = nested_paging.references(n, m)
    return Question(
        id=f"gen-2d-{seed}", section=SECTION, kind="numeric",
        prompt=(f"Nested paging: the guest uses {n}-level page tables and the EPT has {m} levels. How many memory references "
                "does one TLB miss need in the worst case (no page-walk caches)?"),
        value=float(total), tolerance=0.0, unit="references",
        explanation=(f"Each of the {n} guest table pointers (gCR3 and {n - 1} inner ones) and the final guest-physical "
                     f"address needs an {m}-step EPT walk, plus the {n} guest reads: ({n}+1)({m}+1) − 1 = {total}."),
        slide="Memory Virtualization Extensions", generator="2d-walk")


GENERATORS = (
    Generator("exit", SECTION, "Which VM exit does this instruction cause?", exit_reason),
    Generator("2d-walk", SECTION, "References of a two-dimensional walk", walk_references),
    Generator("mmu", SECTION, "Does Xen accept this mmu_update?", mmu_update_accepted),
    Generator("batch", SECTION, "Transitions saved by batching", batch_savings),
)
