"""Generated questions for section 2.3: Xen's mmu_update check, batching, VM exits, 2D walks.

Answers come from the engine (xen.check_update and xen.simulate_updates, xen.transitions_by_batch_size,
vmx.simulate and vmx.decide, nested_paging.nested_walk), so they are right by construction. Every variant
carries the solver's steps and a link that opens the same scenario in its simulator page at the frame that
shows the answer.

Balance: the exit question picks its outcome first (no exit in about a quarter of the variants, each
conditional instruction exiting in about 60 % of its own variants) and draws its distractor exit reasons in
proportion to how often each reason is right, so no fixed option is right much more often than a guess;
mmu picks "applies" or "rejects" with equal chance before building the request.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.assisted import nested_paging, vmx, xen
from engine.virtualizability.isa import ISA
from engine.core.quiz import Question
from engine.quizgen import Generator, simulator_link

SECTION = "2.3"
ACCEPT, REJECT = "Xen applies it", "Xen rejects it"
MAX_LINK = 2000  # characters: generated links stay well inside what browsers and servers accept
LAYOUTS = 100  # host layouts (xen.default_host seeds) the Xen questions use; the Xen page accepts 0-999


# =========================================================================== Xen: mmu_update

def _frames(frames: tuple[int, ...]) -> str:
    return ", ".join(map(str, frames))


def _ownership(host: xen.Host) -> str:
    xen_frames = host.xen_frames
    parts = [f"Xen {xen_frames[0]}–{xen_frames[-1]}" if len(xen_frames) > 1 else f"Xen {_frames(xen_frames)}"]
    parts += [f"{d.name} {_frames(d.frames)} (page table in frame {_frames(d.page_tables)})" for d in host.domains]
    return "; ".join(parts)


def _request_text(update: xen.MmuUpdate) -> str:
    pte = update.new_pte
    where = f"the PTE in slot {update.slot} of the table in machine frame {update.table_frame}"
    if pte is None:
        return f"clear {where} (make it not present)"
    return f"write {where} so that it maps machine frame {pte.frame}, {'writable' if pte.writable else 'read-only'}"


def mmu_steps(host: xen.Host, caller: str, update: xen.MmuUpdate) -> tuple[str, ...]:
    """Xen's checks of one request in the order :func:`xen.check_update` makes them, each with its outcome.

    Stops at the first failed check, as Xen does; the last step is the verdict.
    """
    table, pte = update.table_frame, update.new_pte
    rule, _ = xen.check_update(host, caller, update)
    steps = []
    owner = host.owner_text(table)
    ok = host.owner(table) == caller
    steps.append(f"Check (a), who owns the page the PTE lies in: machine frame {table} belongs to {owner}"
                 + (f" — {caller}'s own frame: passed." if ok else f", not to {caller}: failed."))
    if ok:
        is_pt = table in host.page_table_frames
        steps.append(f"Check (a), the frame's type: frame {table} is "
                     + (f"{caller}'s registered page table (type PT): passed." if is_pt else
                        f"an ordinary frame of {caller} (type RW), not a registered page table, so it holds no PTEs "
                        "Xen would validate: failed."))
        if is_pt and pte is None:
            steps.append("Clearing an entry maps nothing, so there is no target frame to check (b) and (c) on: passed.")
        elif is_pt and pte is not None:
            mine = host.owner(pte.frame) == caller
            steps.append(f"Check (b), who owns the target: machine frame {pte.frame} belongs to "
                         f"{host.owner_text(pte.frame)}" + (f" — {caller}'s own: passed." if mine else
                                                            f", not to {caller}: failed (a guest maps only its own "
                                                            "frames; sharing goes through grant tables)."))
            if mine:
                kind = host.frame_type(pte.frame)
                bad = pte.writable and kind == "PT"
                steps.append(f"Check (c), no writable mapping of a page table: frame {pte.frame} has type {kind}, and the "
                             f"new PTE is {'writable' if pte.writable else 'read-only'}"
                             + (": failed (a writable mapping would let the guest change a page table unchecked)."
                                if bad else ": passed."))
    if rule:
        steps.append(f"Result: {REJECT}. The request fails check ({rule}); the table stays as it was and mmu_update "
                     "reports the error to the guest.")
    elif pte is None:
        steps.append(f"Result: {ACCEPT}: the entry in slot {update.slot} of frame {table} becomes not present.")
    else:
        refs = host.ref_count(pte.frame)
        steps.append(f"Result: {ACCEPT}: Xen writes the PTE into frame {table}, and frame {pte.frame}'s count of "
                     f"mappings rises from {refs} to {refs + 1}.")
    return tuple(steps)


_ACCEPT_CASES = ("own-rw", "own-ro", "own-pt-ro", "clear")
_REJECT_CASES = ("foreign-data", "foreign-pt", "dom0", "xen", "foreign-table", "data-as-table", "own-pt-rw",
                 "clear-foreign")


def _mmu_request(rng: random.Random, host: xen.Host, caller: str, other: str, case: str) -> xen.MmuUpdate:
    me, them, dom0 = host.domain(caller), host.domain(other), next(d for d in host.domains if d.privileged)
    my_pt, their_pt = me.page_tables[0], them.page_tables[0]
    my_data = [f for f in me.frames if f not in me.page_tables]
    slot = rng.randrange(len(me.frames), 32)
    table, target, writable = my_pt, rng.choice(my_data), rng.random() < 0.5
    if case == "clear":
        return xen.MmuUpdate.clear(my_pt, rng.randrange(1, len(me.frames)))
    if case == "clear-foreign":
        return xen.MmuUpdate.clear(their_pt, rng.randrange(1, len(them.frames)))
    if case in ("own-rw", "own-ro"):
        writable = case == "own-rw"
    elif case == "own-pt-ro":
        target, writable = my_pt, False
    elif case == "own-pt-rw":
        target, writable = my_pt, True
    elif case == "foreign-data":
        target = rng.choice([f for f in them.frames if f not in them.page_tables])
    elif case == "foreign-pt":
        target, writable = their_pt, False
    elif case == "dom0":
        target = rng.choice(dom0.frames)
    elif case == "xen":
        target = rng.choice(host.xen_frames)
    elif case == "foreign-table":
        table = their_pt
    elif case == "data-as-table":
        table = rng.choice([f for f in my_data if f != target] or my_data)
    return xen.MmuUpdate.write(table, slot, target, writable)


def mmu_update_accepted(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    layout = rng.randrange(LAYOUTS)
    host = xen.default_host(layout)
    caller = rng.choice(["DomU1", "DomU2"])
    other = "DomU2" if caller == "DomU1" else "DomU1"
    case = rng.choice(_ACCEPT_CASES if rng.random() < 0.5 else _REJECT_CASES)
    update = _mmu_request(rng, host, caller, other, case)
    rule, reason = xen.check_update(host, caller, update)
    answer = REJECT if rule else ACCEPT
    trace = xen.simulate_updates(host, caller, (update,), 1)
    check_frame = next(i for i, f in enumerate(trace) if f.state.phase == "check")
    assert trace[check_frame].state.verdict == ("rejected" if rule else "applied")
    prompt = (f"Machine frames by owner: {_ownership(host)}. Each domain's page table is registered with Xen (type PT); "
              f"the domain's other frames are ordinary frames (type RW). {caller} calls mmu_update "
              f"(hypercall {xen.HYPERCALLS['mmu_update']}) with one request: {_request_text(update)}. What does Xen do?")
    explanation = (f"{answer}: {reason}." if rule else
                   f"{answer}: the PTE lies in {caller}'s own registered page table and "
                   + ("clearing it maps nothing." if update.new_pte is None else
                      f"maps {caller}'s own frame without making a page table writable, so Xen validates and writes it."))
    return Question(
        id=f"gen-mmu-{seed}", section=SECTION, kind="single", prompt=prompt, options=(ACCEPT, REJECT), answer=(answer,),
        explanation=explanation, slide="XEN and Memory Virtualization", generator="mmu",
        hint="Xen checks three things: whose page the PTE lies in (and that it is a registered page table), whose "
             "frame the new PTE maps, and that no page table gets a writable mapping.",
        solution=mmu_steps(host, caller, update),
        link=simulator_link("xen", xen="custom", xen_layout=layout, domain=caller, requests=xen.requests_text((update,)),
                            batch=1, mem_frame=check_frame))


# =========================================================================== Xen: batching

def batch_updates(host: xen.Host, caller: str, n: int) -> tuple[xen.MmuUpdate, ...]:
    """``n`` valid PTE writes: the caller maps its own data frames again, read-only, into free slots."""
    me = host.domain(caller)
    data = [f for f in me.frames if f not in me.page_tables]
    return tuple(xen.MmuUpdate.write(me.page_tables[0], len(me.frames) + i, data[i % len(data)], False) for i in range(n))


def batch_savings(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    n, k = rng.randrange(6, 65), rng.choice([2, 4, 8, 16])
    form = rng.choice(["saved", "batched"])
    layout, caller = rng.randrange(LAYOUTS), rng.choice(["DomU1", "DomU2"])
    (_, one_calls, one_transitions), (_, calls, transitions) = xen.transitions_by_batch_size(n, [1, k])
    saved = one_transitions - transitions
    host = xen.default_host(layout)
    requests = batch_updates(host, caller, n)
    trace = xen.simulate_updates(host, caller, requests, k)
    assert trace[-1].counters["guest_xen_transitions"] == transitions and trace[-1].counters["updates_applied"] == n
    full, rest = divmod(n, k)
    question, value = {
        "saved": (f"How many guest↔Xen transitions does it save by batching {k} updates per hypercall instead of "
                  "issuing one hypercall per update?", saved),
        "batched": (f"How many guest↔Xen transitions do the {n} updates take in all when it batches {k} updates per "
                    "hypercall?", transitions),
    }[form]
    unit = "transitions"
    steps = (
        f"Without batching: one mmu_update per update, {one_calls} hypercalls × 2 transitions (enter Xen, return) = "
        f"{one_transitions} transitions.",
        f"With {k} updates per hypercall: ⌈{n}/{k}⌉ = {calls} hypercalls ({full} full"
        + (f" and one more with the remaining {rest})" if rest else ")") + f" × 2 = {transitions} transitions.",
        f"Saved by batching: {one_transitions} − {transitions} = {saved} transitions ({one_calls} − {calls} = "
        f"{one_calls - calls} fewer traps into Xen).",
        f"Result: {value:g} {unit}.",
    )
    return Question(
        id=f"gen-batch-{seed}", section=SECTION, kind="numeric",
        prompt=(f"A paravirtualized guest ({caller}) makes {n} valid page-table updates. Each mmu_update hypercall enters "
                f"Xen and returns (2 guest↔Xen transitions), whatever the number of updates in it. {question}"),
        value=float(value), tolerance=0.0, unit=unit,
        explanation=(f"One per call: {one_calls} hypercalls, {one_transitions} transitions. Batched by {k}: ⌈{n}/{k}⌉ = "
                     f"{calls} hypercalls, {transitions} transitions. Saved: {saved}. The answer: {value:g} {unit}."),
        slide="XEN and CPU Virtualization", generator="batch", solution=steps,
        link=simulator_link("xen", xen="custom", xen_layout=layout, domain=caller,
                            requests=xen.requests_text(requests), batch=k,
                            mem_frame=len(trace) - 1))


# =========================================================================== VT-x: which VM exit?

NO_EXIT = "no VM exit"
BEYOND = "(Beyond the lecture: the basic exit-reason numbers are the Intel SDM's, Vol. 3D, Appendix C.)"
VTX_FRAME = 2  # the frame of the first workload line: setup, VMLAUNCH, then the instruction (exit or not)

# The instructions the generator asks about, by family. Unconditional ones exit whatever the controls say.
_UNCONDITIONAL = ("cpuid", "invd", "xsetbv", "getsec", "vmcall", "vmclear [rax]", "vmptrld [rax]", "vmptrst [rax]",
                  "vmlaunch", "vmresume", "vmxoff", "vmxon [rax]", "invept rax, [rbx]", "invvpid rax, [rbx]")
_PLAIN = ("add rax, rbx", "xor eax, eax", "mov rax, [rbx]", "push rbp")
# One primary control decides: instruction → (control, a look-alike control that does not govern it).
_ONE_CONTROL = {
    "hlt": ("HLT exiting", "PAUSE exiting"), "invlpg 0x7f000": ("INVLPG exiting", "CR3-load exiting"),
    "rdtsc": ("RDTSC exiting", "use TSC offsetting"), "rdpmc": ("RDPMC exiting", "RDTSC exiting"),
    "mwait": ("MWAIT exiting", "MONITOR exiting"), "monitor": ("MONITOR exiting", "MWAIT exiting"),
    "pause": ("PAUSE exiting", "HLT exiting"),
    "mov cr3, rax": ("CR3-load exiting", "CR3-store exiting"), "mov rax, cr3": ("CR3-store exiting", "CR3-load exiting"),
    "mov cr8, rax": ("CR8-load exiting", "CR8-store exiting"), "mov rax, cr8": ("CR8-store exiting", "CR8-load exiting"),
    "mov dr7, rax": ("MOV-DR exiting", "CR8-load exiting"),
}
_PORTS = (0x20, 0x21, 0x40, 0x43, 0x60, 0x64, 0x70, 0x71, 0x80)
_MSRS = (0x10, 0x1B, 0x174, 0x175, 0x176, 0x277, 0xC000_0080, 0xC000_0081, 0xC000_0100, 0xC000_0101, 0xC000_0102)
_OUTSIDE_MSRS = (0x4000_0000, 0x4B56_4D00, 0x4B56_4D01)  # hypervisor MSR ranges: outside what the bitmap covers
# Controls that only add noise: none of them changes what another instruction does. (Left out on purpose:
# interrupt-window and NMI-window exiting, the monitor trap flag and the TPR shadow, which add exits of their own.)
_NOISE = ("HLT exiting", "INVLPG exiting", "MWAIT exiting", "RDPMC exiting", "RDTSC exiting", "CR3-load exiting",
          "CR3-store exiting", "CR8-load exiting", "CR8-store exiting", "MOV-DR exiting", "unconditional I/O exiting",
          "use I/O bitmaps", "use MSR bitmaps", "MONITOR exiting", "PAUSE exiting", "use TSC offsetting")
_NOTES = {"xsetbv": " (the guest has enabled XSAVE: CR4.OSXSAVE = 1)", "getsec": " (CR4.SMXE = 1, so GETSEC is enabled)",
          "mov cr3, rax": " (the CR3-target count is 0)"}

# How often each family is asked, and how often a conditional instruction's variant makes it exit.
P_PLAIN, P_UNCONDITIONAL = 0.03, 0.35
FAMILY_SHARE = {"one": 0.55, "io": 0.20, "msr": 0.25}  # of the conditional variants
P_EXIT = 0.6


def _own_reason(instruction: str) -> int | None:
    """The basic exit reason this instruction reports when it exits (None for one that never exits)."""
    item = vmx.parse_workload(instruction)[0]
    return {"uncond": lambda: vmx.UNCONDITIONAL[item.mnemonic], "cond": lambda: vmx.CONDITIONAL[item.mnemonic][2],
            "cr": lambda: 28, "dr": lambda: 29, "io": lambda: 30, "msr": lambda: 32 if item.write else 31,
            "plain": lambda: None}[item.op]()


def _reason_weights() -> dict[int, float]:
    """How often each exit reason is the right answer, in expectation: distractors are drawn in this proportion."""
    weights: dict[int, float] = {}

    def add(reason: int | None, mass: float) -> None:
        if reason is not None:
            weights[reason] = weights.get(reason, 0.0) + mass

    for instruction in _UNCONDITIONAL:
        add(_own_reason(instruction), P_UNCONDITIONAL / len(_UNCONDITIONAL))
    conditional = 1 - P_PLAIN - P_UNCONDITIONAL
    for instruction in _ONE_CONTROL:
        add(_own_reason(instruction), conditional * FAMILY_SHARE["one"] / len(_ONE_CONTROL) * P_EXIT)
    add(30, conditional * FAMILY_SHARE["io"] * P_EXIT)
    for reason in (31, 32):
        add(reason, conditional * FAMILY_SHARE["msr"] / 2 * P_EXIT)
    return weights


REASON_WEIGHTS = _reason_weights()


def _option(reason: int) -> str:
    return f"{reason}: {vmx.exit_name(reason)}"


def _bit(control: str) -> str:
    return f"primary bit {vmx.PRIMARY_CONTROLS[control]}"


def _is(flag: bool) -> str:
    return "1" if flag else "0"


class _ExitScenario:
    """One VMCS and one guest instruction, built for a wanted outcome; the engine then decides the real one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.controls: set[str] = set()
        self.ports: set[int] = set()
        self.msr_read: set[int] = set()
        self.msr_write: set[int] = set()
        self.family = "plain"
        u = rng.random()
        if u < P_PLAIN:
            self.instruction = rng.choice(_PLAIN)
        elif u < P_PLAIN + P_UNCONDITIONAL:
            self.family, self.instruction = "uncond", rng.choice(_UNCONDITIONAL)
        else:
            self.family = rng.choices(list(FAMILY_SHARE), list(FAMILY_SHARE.values()))[0]
            exits = rng.random() < P_EXIT
            getattr(self, f"_{self.family}")(exits)
        relevant = {"one": set(_ONE_CONTROL.get(self.instruction, ("",))[:1]),
                    "io": {"use I/O bitmaps", "unconditional I/O exiting"}, "msr": {"use MSR bitmaps"}}.get(self.family, set())
        noise = [c for c in _NOISE if c not in relevant and c not in self.controls]
        for control in rng.sample(noise, rng.choice((0, 1, 1, 2, 2, 3))):
            self.controls.add(control)
            if control == "use I/O bitmaps" and not self.ports:
                self.ports = set(rng.sample(_PORTS, rng.randint(1, 3)))
            if control == "use MSR bitmaps" and not (self.msr_read or self.msr_write):
                self.msr_read = set(rng.sample(_MSRS, rng.randint(1, 2)))
                self.msr_write = set(rng.sample(_MSRS, rng.randint(0, 2)))

    def _one(self, exits: bool) -> None:
        self.instruction = self.rng.choice(list(_ONE_CONTROL))
        control, lookalike = _ONE_CONTROL[self.instruction]
        if exits:
            self.controls.add(control)
        elif self.rng.random() < 0.5:
            self.controls.add(lookalike)

    def _io(self, exits: bool) -> None:
        rng = self.rng
        port = rng.choice(_PORTS)
        self.instruction = rng.choice((f"in al, {port:#x}", f"out {port:#x}, al"))
        others = set(rng.sample([p for p in _PORTS if p != port], rng.randint(0, 2)))
        u = rng.random()
        if exits and u < 0.5:  # the bitmap has the port's bit set (unconditional I/O exiting may be set as well)
            self.controls |= {"use I/O bitmaps"} | ({"unconditional I/O exiting"} if rng.random() < 0.3 else set())
            self.ports = {port} | others
        elif exits:  # no bitmaps, unconditional I/O exiting; a bitmap in memory is not consulted
            self.controls.add("unconditional I/O exiting")
            self.ports = others if rng.random() < 0.4 else set()
        elif u < 0.65:  # the bitmap has the port's bit clear: it wins over unconditional I/O exiting
            self.controls |= {"use I/O bitmaps"} | ({"unconditional I/O exiting"} if rng.random() < 0.5 else set())
            self.ports = others or {rng.choice([p for p in _PORTS if p != port])}
        else:  # neither control; a bitmap with the port's bit set is not consulted either
            self.ports = ({port} | others) if rng.random() < 0.5 else set()

    def _msr(self, exits: bool) -> None:
        rng = self.rng
        write = rng.random() < 0.5
        msr = rng.choice(_MSRS)
        others = rng.sample([m for m in _MSRS if m != msr], rng.randint(0, 2))
        mine, theirs = (self.msr_write, self.msr_read) if write else (self.msr_read, self.msr_write)
        u = rng.random()
        if exits and u < 0.35:  # no MSR bitmaps: every RDMSR/WRMSR exits, whatever a bitmap in memory holds
            if rng.random() < 0.5:
                theirs.update(others)
                theirs.add(msr)
        elif exits and u < 0.85:  # the bitmap has this MSR's bit for this access set
            self.controls.add("use MSR bitmaps")
            mine.update({msr, *others[:1]})
            theirs.update(others[1:])
        elif exits:  # an MSR outside the two ranges the bitmap covers always exits
            self.controls.add("use MSR bitmaps")
            msr = rng.choice(_OUTSIDE_MSRS)
            mine.update(others[:1])
            theirs.update(others[1:])
        else:  # the bitmap has this access's bit clear (perhaps the other direction's bit set)
            self.controls.add("use MSR bitmaps")
            mine.update(others[:1])
            theirs.update(others[1:] + ([msr] if rng.random() < 0.5 else []))
        self.instruction = f"{'wrmsr' if write else 'rdmsr'} {msr:#x}"

    # ---------------------------------------------------------------- text

    def controls_text(self) -> str:
        """The VT-x page's editor text for this VMCS (vmx.parse_controls reads it)."""
        ordered = sorted(self.controls, key=vmx.PRIMARY_CONTROLS.__getitem__)
        lines = [f"primary: {', '.join(ordered)}" if ordered else "; no primary control is set"]
        for field, values in (("io", self.ports), ("msr read", self.msr_read), ("msr write", self.msr_write)):
            if values:
                lines.append(f"{field}: {', '.join(f'{v:#x}' for v in sorted(values))}")
        return "\n".join(lines)

    def statement(self) -> str:
        ordered = sorted(self.controls, key=vmx.PRIMARY_CONTROLS.__getitem__)
        text = (f"The primary processor-based VM-execution controls that are 1: **{', '.join(ordered)}**; every other "
                "primary control is 0" if ordered else "Every primary processor-based VM-execution control is 0")
        text += " and the secondary controls are not activated."
        if self.ports:
            text += (f" The I/O bitmaps have the bits of port{'s' if len(self.ports) > 1 else ''} "
                     f"{', '.join(f'{p:#x}' for p in sorted(self.ports))} set and every other bit clear.")
        elif "use I/O bitmaps" in self.controls:
            text += " Every bit of the I/O bitmaps is clear."
        if self.msr_read or self.msr_write or "use MSR bitmaps" in self.controls:
            parts = [f"the {kind} bit of MSR{'s' if len(msrs) > 1 else ''} {', '.join(f'{m:#x}' for m in sorted(msrs))}"
                     for kind, msrs in (("read", self.msr_read), ("write", self.msr_write)) if msrs]
            text += (" The MSR bitmap (it covers MSRs 0x0–0x1fff and 0xc0000000–0xc0001fff) has "
                     + (" and ".join(parts) + " set and every other bit clear." if parts else "every bit clear."))
        return text


def _exit_steps(s: _ExitScenario, item: vmx.Item, right: str) -> tuple[str, ...]:
    """The solver's trace: the controls checked in the order the CPU checks them, then the exit reason or none."""
    mn, on = item.mnemonic.upper(), s.controls.__contains__
    if item.op == "uncond":
        steps = [f"{mn} is on the SDM's list of instructions that cause a VM exit unconditionally in VMX non-root "
                 "operation: no VMCS control is consulted" + (", so the controls listed do not matter." if s.controls else ".")]
    elif item.op == "plain":
        steps = [f"{mn} is neither an unconditional exit nor governed by any VM-execution control: it is not sensitive."]
    elif item.op in ("cond", "cr", "dr"):
        control, lookalike = _ONE_CONTROL[s.instruction]
        extra = " (and the CR3-target count is 0, so no target value spares it)" if s.instruction == "mov cr3, rax" else ""
        steps = [f"{mn} is not an unconditional exit; the control '{control}' ({_bit(control)}) decides{extra}.",
                 f"'{control}' is {_is(on(control))} in this VMCS"
                 + (f"; '{lookalike}' is set, but it governs a different instruction." if on(lookalike) else ".")]
    elif item.op == "io":
        port = item.arg or 0
        steps = [f"{mn} is an I/O instruction, not an unconditional exit. The CPU first checks 'use I/O bitmaps' "
                 f"({_bit('use I/O bitmaps')}): it is {_is(on('use I/O bitmaps'))}."]
        if on("use I/O bitmaps"):
            steps.append("So the I/O bitmaps decide" + (" and 'unconditional I/O exiting' is ignored" if
                                                         on("unconditional I/O exiting") else "")
                         + f": port {port:#x}'s bit is {'set' if port in s.ports else 'clear'}.")
        else:
            steps.append(("The I/O bitmaps are not consulted (whatever they hold). " if s.ports else "")
                         + f"Next, 'unconditional I/O exiting' ({_bit('unconditional I/O exiting')}) is "
                         f"{_is(on('unconditional I/O exiting'))}.")
    else:  # msr
        msr = item.arg or 0
        steps = [f"{mn} is not an unconditional exit. The CPU checks 'use MSR bitmaps' ({_bit('use MSR bitmaps')}): "
                 f"it is {_is(on('use MSR bitmaps'))}."]
        if not on("use MSR bitmaps"):
            steps.append(f"So every RDMSR and WRMSR exits" + (": the bitmap's contents do not matter." if
                                                             s.msr_read or s.msr_write else "."))
        elif not any(low <= msr <= high for low, high in vmx.MSR_BITMAP_RANGES):
            steps.append(f"MSR {msr:#x} lies outside both ranges the bitmap covers (0x0–0x1fff, 0xc0000000–0xc0001fff), "
                         f"so {mn} exits whatever the bitmap holds.")
        else:
            kind, other = ("write", "read") if item.write else ("read", "write")
            mine, theirs = (s.msr_write, s.msr_read) if item.write else (s.msr_read, s.msr_write)
            steps.append(f"MSR {msr:#x} lies in a range the bitmap covers; its {kind} bit is "
                         f"{'set' if msr in mine else 'clear'}"
                         + (f" (its {other} bit is set, but that one governs the other instruction)." if msr in theirs
                            else "."))
    if right == NO_EXIT:
        steps.append(f"Result: {NO_EXIT}. {mn} runs in VMX non-root mode and the guest continues.")
    else:
        steps.append(f"Result: a VM exit with basic exit reason {right} (the CPU writes {right.split(':')[0]} into "
                     "the VMCS field VM_EXIT_REASON and loads the host state).")
    return tuple(steps)


def _cause(reason: int) -> str:
    """What reports an exit reason, in words."""
    named = {28: "MOV to or from a control register", 29: "MOV to or from a debug register",
             30: "IN, OUT and the other I/O instructions", 31: "RDMSR", 32: "WRMSR"}
    return named.get(reason) or vmx.exit_name(reason).split(" ")[0]


def _why_not(option: str, instruction: str) -> str:
    """Why a distractor exit reason is wrong, for reasons other than the instruction's own (that would give it away)."""
    if option == NO_EXIT:
        return ""
    reason = int(option.split(":")[0])
    if reason == _own_reason(instruction):
        return ""
    return f"Exit reason {option} is reported by {_cause(reason)}, not by `{instruction}`."


def exit_reason(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    s = _ExitScenario(rng)
    controls = s.controls_text()
    vmcs = vmx.parse_controls(controls)
    item = vmx.parse_workload(s.instruction)[0]
    outcome = vmx.decide(vmcs, item, set())
    summary = vmx.exit_summary(vmx.simulate(vmcs, s.instruction))
    right = _option(int(summary[0]["reason"])) if summary else NO_EXIT
    assert (outcome.reason is None) == (right == NO_EXIT)
    options = [right]
    own = _own_reason(s.instruction)
    for extra in (NO_EXIT, _option(own) if own is not None else None):
        if extra is not None and extra not in options:
            options.append(extra)
    pool = {r: w for r, w in REASON_WEIGHTS.items() if _option(r) not in options}
    while len(options) < 4:
        reason = rng.choices(list(pool), list(pool.values()))[0]
        options.append(_option(reason))
        del pool[reason]
    rng.shuffle(options)
    why_not = tuple((o, w) for o in options if o != right and (w := _why_not(o, s.instruction)))
    note = _NOTES.get(s.instruction, "")
    return Question(
        id=f"gen-exit-{seed}", section=SECTION, kind="single",
        prompt=(f"A guest kernel runs in VMX non-root mode. {s.statement()} The guest kernel (CPL 0) executes "
                f"`{s.instruction}`{note}. What happens? {BEYOND}"),
        options=tuple(options), answer=(right,),
        explanation=f"{outcome.why} So: {right}." + (f" The VMM then {outcome.handling}." if outcome.handling else ""),
        slide="VMM Control Structures [13]", page="VT-x and the VMCS", generator="exit",
        hint="First ask whether the instruction exits unconditionally; if not, find the one control (or bitmap bit) "
             "that governs it and read its value.",
        why_not=why_not, solution=_exit_steps(s, item, right),
        link=simulator_link("vt-x", vtx="custom", controls=controls, workload=s.instruction, vtx_frame=VTX_FRAME))


# =========================================================================== nested paging: the 2D walk

def walk_steps(n: int, m: int) -> tuple[str, ...]:
    """Each guest level's EPT walk and guest read, counted reference by reference from the engine's walk order."""
    guest_names, host_names = nested_paging.level_names(n), nested_paging.level_names(m)
    steps, total = [], 0
    order = nested_paging.walk_order(n, m)
    ept = " → ".join(f"hL{level}" for level in range(m, 0, -1))
    for level in range(n, 0, -1):
        pointer = "gCR3" if level == n else f"gL{level + 1} entry"
        host = [r for r in order if r.dimension == "host" and r.translating == pointer]
        total += len(host) + 1
        steps.append(f"Guest level gL{level} ({guest_names[n - level]}): the {pointer} holds a guest-physical address, "
                     f"so first an EPT walk {ept} ({len(host)} references, from the EPT's {host_names[0]}), then the read of the "
                     f"gL{level} entry itself (1 reference): {len(host) + 1}, running total {total}.")
    final = [r for r in order if r.translating == "gPA"]
    total += len(final)
    steps.append(f"The gL1 entry gives the data's guest-physical address: one more EPT walk, {len(final)} references, "
                 f"running total {total}.")
    assert total == len(order) == nested_paging.references(n, m)
    steps.append(f"In all: {n} guest reads + ({n}+1) EPT walks × {m} = ({n}+1)({m}+1) − 1 = {total} references; "
                 f"a native walk needs {n}.")
    return tuple(steps)


def walk_references(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    n, m = rng.randrange(2, 6), rng.randrange(2, 6)
    form = rng.choice(["total", "host", "extra"])
    trace = nested_paging.nested_walk(n, m)
    counters = trace[-1].counters
    total, host = counters["references"], counters["host_references"]
    question, value = {
        "total": ("How many memory references does one TLB miss need in the worst case?", total),
        "host": ("How many of the memory references of one TLB miss, in the worst case, read EPT entries?", host),
        "extra": (f"How many more memory references than a native {n}-level walk does one TLB miss need in the worst "
                  "case?", total - n),
    }[form]
    what = {"total": f"the whole walk makes {total} references",
            "host": f"({n}+1) EPT walks × {m} = {host} of them read EPT entries",
            "extra": f"{total} − {n} native = {total - n} more references than a native walk"}[form]
    return Question(
        id=f"gen-2d-{seed}", section=SECTION, kind="numeric",
        prompt=(f"Nested paging: the guest uses {n}-level page tables and the EPT has {m} levels (4 KiB pages in both, "
                f"no page-walk caches, no nested TLB). {question}"),
        value=float(value), tolerance=0.0, unit="references",
        explanation=(f"Each of the {n} guest table pointers (gCR3 and {n - 1} inner one{'s' if n > 2 else ''}) and the "
                     f"final guest-physical address needs a {m}-step EPT walk, plus the {n} guest reads: "
                     f"({n}+1)({m}+1) − 1 = {total}; {what}. The answer: {value}."),
        slide="Memory Virtualization Extensions", generator="2d-walk",
        solution=walk_steps(n, m) + (f"Result: {what}, so the answer is {value}.",),
        link=simulator_link("ept", ept_n=n, ept_m=m, nested_frame=len(trace) - 1))


GENERATORS = (
    Generator("exit", SECTION, "Which VM exit does this instruction cause?", exit_reason),
    Generator("2d-walk", SECTION, "References of a two-dimensional walk", walk_references),
    Generator("mmu", SECTION, "Does Xen accept this mmu_update?", mmu_update_accepted),
    Generator("batch", SECTION, "Transitions saved by batching", batch_savings),
)
