"""Binary translation (lecture 2.2): translation units, lazy translation, a translation cache.

The lecture's "basic approach": split the code into translation units, check each unit for
critical instructions and modify it, store the result in the translation cache; translate
lazily, so units that never run are never translated and hot units are translated once.
Following Adams & Agesen (sources.toml: bt-ident-chaining): a unit is a basic block of at most ``max_unit``
instructions ending at a control transfer; innocuous instructions are copied (IDENT);
critical ones become calls into the VMM; jumps are rewritten to the translated target, or to
the translator ("continuation") until that target is translated, after which the exit is
patched to jump straight there ("chaining"). Privileged instructions stay and trap, as in the
lecture's slide (real VMware BT emulated many of them in the cache instead).

A small interpreter runs the guest so loops really loop; see :data:`ASSUMPTIONS`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from engine.virtualizability.isa import ISA
from engine.core.lessons import Reader, load_toml
from engine.core.trace import Trace, TraceBuilder
from engine.fullvirt.x86 import (
    GPR32, GPR64, JCC, LOOPS, AsmError, Classification, Insn, Kind, Operand, classification, ia32, parse_hex,
    parse_listing,
)
from engine.fullvirt.x86_catalogue import LEAVES_LISTING

DEFAULT_MAX_UNIT = 12  # Adams & Agesen: a translation unit holds at most 12 instructions (sources.toml: bt-unit-cap, not verified)
MIN_MAX_UNIT, MAX_MAX_UNIT = 1, 64
MAX_STEPS = 5000  # executed guest instructions before a run is declared endless
STACK_TOP = 0x8000  # initial ESP of the model
MASK = 0xFFFFFFFF
# The guest kernel's flat selectors with RPL 0: what it would see natively (model assumption).
GUEST_SELECTORS = {"cs": 0x08, "ss": 0x10, "ds": 0x10, "es": 0x10, "fs": 0x10, "gs": 0x10}
# EFLAGS bit positions (SDM Vol. 1 §3.4.3) for PUSHF/POPF emulation.
_FLAG_BITS = {"cf": 0, "zf": 6, "sf": 7, "vif": 9, "of": 11}

ASSUMPTIONS = (
    "The model interprets EAX–EDI, EBP, ESP, the flags ZF, SF, CF, OF and a stack for: mov (32-bit register or "
    "immediate), add, sub, inc, dec, cmp, test, and, or, xor, jmp, jcc, loop, near call/ret, push/pop, nop. Every "
    "other instruction, and any memory or 8/16-bit register operand, has no modelled effect on registers (a push of "
    "such an operand pushes 0). The VMM's emulation is modelled for CLI/STI (the guest's virtual IF), HLT (stops "
    "the run), PUSHF/POPF (flags with the virtual IF), segment-register PUSH/POP/MOV (the guest's selectors, RPL 0) "
    "and SMSW/STR/SLDT into a register (the guest's values from the IA-32 catalogue); a far JMP or CALL goes to its "
    "offset, INT is emulated as if its handler came back to the next instruction, and IRET returns through the "
    "stack. The guest kernel runs in ring 1. Control that leaves the listing (a ret with nothing pushed, a call or "
    "jump to an address that is not one of its instructions, a jump through memory, SYSENTER/SYSEXIT) ends the run. "
    "64-bit code: only the low 32 bits of RAX–RSP are modelled."
)

Phase = Literal["start", "translate", "hit", "vmm", "trap", "done"]


class BTError(ValueError):
    """The program cannot run under the translator; the message says which line and why."""


@dataclass(frozen=True)
class Leave:
    """Control leaves the listing: where it goes, for the last frame."""

    where: str


_LOW32 = dict(zip(GPR64, GPR32))  # the model keeps the low 32 bits of the 64-bit registers


def _reg32(op: Operand) -> str:
    reg = op.reg or ""
    return _LOW32.get(reg, reg)


@dataclass(frozen=True)
class Registers:
    """The modelled guest registers; ``vif`` is the guest's virtual IF, kept by the VMM."""

    eax: int = 0
    ebx: int = 0
    ecx: int = 0
    edx: int = 0
    esi: int = 0
    edi: int = 0
    ebp: int = 0
    esp: int = STACK_TOP
    zf: bool = False
    sf: bool = False
    cf: bool = False
    of: bool = False
    vif: bool = True


@dataclass(frozen=True)
class TLine:
    """One line of a translated unit beside the guest instruction it came from."""

    guest_address: int | None  # None for an exit jump the translator adds
    guest: str
    kind: Kind
    translated: str
    callout: str


@dataclass(frozen=True)
class Unit:
    """A translation unit: a basic block starting at ``start``."""

    start: int
    insns: tuple[Insn, ...]
    classes: tuple[Classification, ...]
    reason: str  # why it ends here, for the caption

    @property
    def exits(self) -> tuple[int, ...]:
        """Guest addresses the unit can continue at that are known when translating (chaining candidates)."""
        last, kind = self.insns[-1], self.classes[-1].kind
        if not self.classes[-1].transfer:
            return (last.end,)
        if kind != "control":
            return ()  # the VMM emulates the transfer and looks its target up
        target = _static_target(last)
        if target is None or last.base == "ret":
            return ()
        if last.base in JCC or last.base in LOOPS:
            return (target, last.end)
        return (target,)


@dataclass(frozen=True)
class CacheEntry:
    """A translated unit as the translation cache holds it now (exits chained where possible)."""

    start: int
    guest_count: int
    lines: tuple[TLine, ...]


@dataclass(frozen=True)
class BTState:
    """Snapshot for one frame: where the guest is, the current unit, the cache, the registers."""

    phase: Phase
    pc: int | None  # guest address this frame is about; None at the very end
    line: int | None  # its line in the user's text
    unit: int | None  # start of the current translation unit
    listing: tuple[TLine, ...]  # the current unit, guest and translated side by side
    cache: tuple[CacheEntry, ...]  # translation cache, in translation order
    registers: Registers
    stack: tuple[int, ...]  # modelled stack, bottom first
    result: str | None = None  # how the run ended (last frame)


@dataclass(frozen=True)
class Step:
    """One executed guest instruction, as the cost model needs it."""

    insn: Insn
    kind: Kind
    translated: int  # guest instructions translated on arrival just before this one (0 on a hit or mid-unit)
    lookup: bool  # return or indirect jump: its target is found by a cache lookup, not a chained jump


COUNTERS = ("guest_instructions", "translated_instructions", "units_translated", "cache_hits", "cache_misses",
            "vmm_calls", "traps", "chained")


def _static_target(insn: Insn) -> int | None:
    op = insn.operands[0] if insn.operands else None
    return op.value if op is not None and op.kind == "imm" else None


def _is_lookup(insn: Insn, kind: Kind) -> bool:
    return kind == "control" and (insn.base == "ret" or _static_target(insn) is None)


def _ref(target: int, cached: frozenset[int]) -> str:
    return f"tc[{target:#x}]" if target in cached else f"translator({target:#x})"


def _exit_note(target: int, cached: frozenset[int]) -> str:
    if target in cached:
        return f"chained: jumps straight to the translated unit {target:#x}"
    return f"continuation: enters the translator, which translates {target:#x} on first use"


def vmm_routine(form: str) -> str:
    """Name of the VMM entry a critical instruction is replaced by."""
    return "vmm_emulate_" + form.upper().replace(" ", "_").replace(",", "")


def render(unit: Unit, cached: frozenset[int]) -> tuple[TLine, ...]:
    """The unit's translated code, given which units the cache holds (that decides chaining)."""
    lines: list[TLine] = []
    for insn, cls in zip(unit.insns, unit.classes):
        a, text = insn.address, insn.text
        if cls.kind == "ident":
            lines.append(TLine(a, text, "ident", text, "copied unchanged (IDENT)" if cls.listed else
                               "not in the catalogue: copied unchanged (IDENT), assumed innocuous"))
        elif cls.kind == "privileged":
            then = "; the VMM emulates the transfer and continues at its target" if cls.transfer else ""
            lines.append(TLine(a, text, "privileged", text,
                               f"privileged ({cls.form}): left in place; traps, the VMM emulates it{then}"))
        elif cls.kind == "critical":
            then = "; the VMM emulates the transfer and continues at its target" if cls.transfer else ""
            lines.append(TLine(a, text, "critical", f"call {vmm_routine(cls.form)}",
                               f"critical ({cls.form}): replaced by a call into the VMM{then}"))
        else:
            lines.extend(_control_lines(insn, cached))
    if not unit.classes[-1].transfer:
        end = unit.insns[-1].end
        lines.append(TLine(None, "", "control", f"jmp {_ref(end, cached)}", f"{unit.reason}; {_exit_note(end, cached)}"))
    return tuple(lines)


def _control_lines(insn: Insn, cached: frozenset[int]) -> list[TLine]:
    a, text, m = insn.address, insn.text, insn.base
    target = _static_target(insn)
    if m == "ret":
        return [TLine(a, text, "control", "pop guest return address; jmp tc_lookup(it)",
                      "return: the guest return address is looked up in the translation cache")]
    if target is None:
        return [TLine(a, text, "control", f"jmp tc_lookup({insn.op_text})",
                      "indirect: the target is known only at run time and is looked up in the translation cache")]
    if m == "jmp":
        return [TLine(a, text, "control", f"jmp {_ref(target, cached)}", _exit_note(target, cached))]
    if m == "call":
        return [TLine(a, text, "control", f"push {insn.end:#x}; jmp {_ref(target, cached)}",
                      f"pushes the guest return address {insn.end:#x} (what the guest expects); {_exit_note(target, cached)}")]
    return [TLine(a, text, "control", f"{insn.mnemonic} {_ref(target, cached)}", "taken: " + _exit_note(target, cached)),
            TLine(None, "", "control", f"jmp {_ref(insn.end, cached)}", "not taken: " + _exit_note(insn.end, cached))]


def program_digest(program: tuple[Insn, ...], max_unit: int) -> str:
    """A short stable scenario name for a program and a unit cap."""
    spec = repr([(i.address, i.text) for i in program] + [max_unit])
    return "bt-" + hashlib.sha1(spec.encode()).hexdigest()[:10]


class _Run:
    """Translates and runs one program, collecting frames and the executed instruction stream."""

    def __init__(self, program: tuple[Insn, ...], max_unit: int, isa: ISA):
        if not program:
            raise BTError("the program is empty: there is nothing to translate")
        if not MIN_MAX_UNIT <= max_unit <= MAX_MAX_UNIT:
            raise BTError(f"the translation-unit size must be between {MIN_MAX_UNIT} and {MAX_MAX_UNIT} "
                          f"instructions, not {max_unit}")
        self.program, self.max_unit, self.isa = program, max_unit, isa
        self.strict = True  # False: a run that cannot go on ends with a frame that says why (the page's choice)
        self.index = {insn.address: n for n, insn in enumerate(program)}
        self.end = program[-1].end
        self.cache: dict[int, Unit] = {}
        self.regs: dict[str, int | bool] = asdict(Registers())
        self.stack: list[int] = []
        self.steps: list[Step] = []
        self.unit: Unit | None = None
        self.tb: TraceBuilder[BTState] = TraceBuilder(program_digest(program, max_unit), counters=dict.fromkeys(COUNTERS, 0))

    # ----------------------------------------------------------------- frames

    def frame(self, phase: Phase, pc: int | None, event: str, why: str, highlights: set[str], result: str | None = None) -> None:
        cached = frozenset(self.cache)
        cache = tuple(CacheEntry(u.start, len(u.insns), render(u, cached)) for u in self.cache.values())
        unit = self.unit
        listing = render(unit, cached) if unit is not None else ()
        line = self.program[self.index[pc]].line if pc in self.index else None
        self.tb.add(BTState(phase, pc, line, unit.start if unit else None, listing, cache, Registers(**self.regs),
                            tuple(self.stack), result), event, why, highlights)

    # ----------------------------------------------------------------- translation

    def translate(self, start: int) -> Unit:
        n = self.index[start]
        insns: list[Insn] = []
        classes: list[Classification] = []
        reason = "the end of the program"
        while n < len(self.program):
            insn = self.program[n]
            insns.append(insn)
            classes.append(classification(insn, self.isa))
            n += 1
            if classes[-1].transfer:
                reason = f"a control transfer ({insn.base})"
                break
            if len(insns) == self.max_unit:
                reason = f"the size cap of {self.max_unit} instruction(s)"
                break
            if n < len(self.program) and self.program[n].address != insn.end:
                reason = "a gap in the code"
                break
        return Unit(start, tuple(insns), tuple(classes), reason)

    def arrive(self, pc: int) -> int:
        """Enter the unit at ``pc``: a cache hit, or a miss that translates it now. Returns instructions translated."""
        tb = self.tb
        if pc in self.cache:
            self.unit = self.cache[pc]
            tb.count("cache_hits")
            self.frame("hit", pc, f"Unit {pc:#x} from the translation cache (hit)",
                       f"Execution reached {pc:#x} again. Its translation is already in the cache, so it runs at once: "
                       "no translation work this time.", {"cache", f"unit:{pc:#x}"})
            return 0
        tb.count("cache_misses")
        unit = self.translate(pc)
        chained = [u.start for u in self.cache.values() if pc in u.exits]
        self.cache[pc] = self.unit = unit
        tb.count("units_translated")
        tb.count("translated_instructions", len(unit.insns))
        tb.count("chained", len(chained))
        kinds = [c.kind for c in unit.classes]
        parts = [f"{kinds.count(k)} {label}" for k, label in (
            ("ident", "copied unchanged (IDENT)"), ("critical", "replaced by VMM calls"),
            ("privileged", "left in place to trap"), ("control", "control transfer rewritten")) if kinds.count(k)]
        why = (f"Cache miss: execution reached {pc:#x} for the first time, so the translator translates lazily, now, "
               f"the unit from there up to {unit.reason}. Of its {len(unit.insns)} instruction(s): {', '.join(parts)}. "
               "The translation is stored in the translation cache.")
        inside = [u.start for u in self.cache.values() if u.start != pc and any(i.address == pc for i in u.insns)]
        if inside:
            why += (f" {pc:#x} already sits inside unit {inside[0]:#x}, but the cache is keyed by start address, so code "
                    "entered at a new address is translated again.")
        if chained:
            why += " Chaining: " + ", ".join(f"{s:#x}" for s in chained) + " now jump straight here instead of via the translator."
        self.frame("translate", pc, f"Translate unit {pc:#x} (cache miss)", why, {"translator", f"unit:{pc:#x}"})
        return len(unit.insns)

    # ----------------------------------------------------------------- execution

    def run(self) -> tuple[Trace[BTState], tuple[Step, ...]]:
        try:
            return self._run()
        except BTError as exc:
            if self.strict:
                raise
            return self.finish(None, f"The run stopped: {exc}")

    def leave(self, insn: Insn, where: str) -> tuple[Trace[BTState], tuple[Step, ...]]:
        """Control leaves the listing: the run ends with a frame that says where it went."""
        return self.finish(insn.address, f"Control leaves the listing: '{insn.text}' (line {insn.line}) {where}. "
                           "The model can only run the instructions it was given, so the run ends here.")

    def _run(self) -> tuple[Trace[BTState], tuple[Step, ...]]:
        first = self.program[0].address
        self.frame("start", first, "Ready: nothing translated yet",
                   f"The translation cache is empty. Execution starts at {first:#x}; each unit is translated the first "
                   "time execution reaches it.", {"cache"})
        pc, came_from = first, None
        while True:
            if pc not in self.index:
                if pc == self.end:
                    return self.finish(None, "The guest ran off the end of the program.")
                assert came_from is not None  # the first address is always an instruction
                hint = ""
                if came_from.address < pc < came_from.end:
                    hint = (" (it points into its own bytes: in an unlinked .o file objdump shows a call to another "
                            "file's function like this; `objdump -dr -M intel` names the function)")
                return self.leave(came_from, f"continues at {pc:#x}, which is not the address of one of its "
                                             f"instructions{hint}")
            translated = self.arrive(pc)
            unit = self.unit
            assert unit is not None
            for insn, cls in zip(unit.insns, unit.classes):
                if len(self.steps) >= MAX_STEPS:
                    raise BTError(f"the program did not halt within {MAX_STEPS} instructions (still running at line "
                                  f"{insn.line}, '{insn.text}'): does a loop never end? Stop it with hlt.")
                self.tb.count("guest_instructions")
                self.steps.append(Step(insn, cls.kind, translated, _is_lookup(insn, cls.kind)))
                translated = 0
                outcome = self.execute(insn, cls)
                if isinstance(outcome, Leave):
                    return self.leave(insn, outcome.where)
                if isinstance(outcome, str):
                    return self.finish(insn.address, outcome)
                pc, came_from = outcome, insn

    def finish(self, pc: int | None, result: str) -> tuple[Trace[BTState], tuple[Step, ...]]:
        c = self.tb.counters
        why = (f"{result} {c['guest_instructions']} guest instruction(s) ran; {c['units_translated']} unit(s) with "
               f"{c['translated_instructions']} instruction(s) were translated, and {c['cache_hits']} arrival(s) "
               "found their unit already in the cache.")
        self.frame("done", pc, "Run finished", why, {"done"}, result)
        return self.tb.build(), tuple(self.steps)

    def execute(self, insn: Insn, cls: Classification) -> int | str | Leave:
        """Run one instruction; the next guest address, why the run ends, or where control leaves the listing."""
        if cls.kind == "privileged":
            outcome = self.trap(insn, cls)
            return self.emulated_transfer(insn) if cls.transfer and not isinstance(outcome, str) else outcome
        if cls.kind == "critical":
            self.vmm_call(insn, cls)
            return self.emulated_transfer(insn) if cls.transfer else insn.end
        if cls.kind == "control":
            return self.transfer(insn)
        self.alu(insn)
        return insn.end

    def trap(self, insn: Insn, cls: Classification) -> int | str:
        self.tb.count("traps")
        m = insn.base
        detail = ""
        if m in ("cli", "sti"):
            self.regs["vif"] = m == "sti"
            detail = f" The guest's virtual IF is now {int(m == 'sti')}; the real IF stays 1 so the VMM keeps its interrupts."
        emulation = cls.entry.emulation if cls.entry is not None and cls.entry.emulation else "The VMM emulates it on the virtual CPU."
        tail = " The virtual CPU is halted: the run ends." if m == "hlt" else " Then the VMM resumes the translated code after it."
        self.frame("trap", insn.address, f"{insn.text} traps to the VMM",
                   f"{cls.form} is privileged and the guest kernel really runs in ring 1, so the CPU raises #GP and "
                   f"enters the VMM. {emulation}{detail}{tail}", {"trap", f"insn:{insn.address:#x}"})
        return "The VMM halted the virtual CPU (hlt)." if m == "hlt" else insn.end

    def vmm_call(self, insn: Insn, cls: Classification) -> None:
        self.tb.count("vmm_calls")
        detail = self.emulate_critical(insn, cls)
        self.frame("vmm", insn.address, f"{insn.text}: call {vmm_routine(cls.form)}",
                   f"{cls.form} is critical: run directly in ring 1 it would not trap but behave differently, so the "
                   f"translated code calls the VMM instead. {detail}", {"vmm", f"insn:{insn.address:#x}"})

    def emulate_critical(self, insn: Insn, cls: Classification) -> str:
        """The VMM's emulation on the virtual CPU; returns what it did, for the caption."""
        form, ops = cls.form, insn.operands
        if form == "PUSHF":
            word = 0x2 | sum(int(bool(self.regs[f])) << bit for f, bit in _FLAG_BITS.items())
            self.push(word)
            return f"The VMM pushes the guest's flags {word:#x} with its virtual IF = {int(bool(self.regs['vif']))}, not the real IF."
        if form == "POPF":
            word = self.pop(insn)
            for f, bit in _FLAG_BITS.items():
                self.regs[f] = bool(word >> bit & 1)
            return (f"The VMM loads the flags {word:#x} into the virtual CPU, including virtual IF = "
                    f"{int(bool(self.regs['vif']))}, which POPF run de-privileged would have silently ignored.")
        if form == "PUSH Sreg":
            selector = GUEST_SELECTORS.get(ops[0].reg or "", 0)
            self.push(selector)
            return f"The VMM pushes the guest's {ops[0].text} selector {selector:#x} (RPL 0: the guest believes it runs in ring 0)."
        if form == "POP Sreg":
            self.pop(insn)
            return f"The VMM loads {ops[0].text} from the stack after checking it against the guest's descriptor tables."
        if form == "MOV Sreg" and self._gpr32(ops[0]) and ops[1].kind == "segment":
            selector = GUEST_SELECTORS.get(ops[1].reg or "", 0)
            self.regs[_reg32(ops[0])] = selector
            return f"The VMM returns the guest's {ops[1].text} selector {selector:#x} (RPL 0), not the real one with RPL 1."
        guest_field = {"SMSW": ("CR0", 0xFFFF), "STR": ("TR", 0xFFFF), "SLDT": ("LDTR", 0xFFFF)}.get(form)
        names = {f.name for f in self.isa.state}
        if guest_field and guest_field[0] in names and ops and self._gpr32(ops[0]):
            field = self.isa.field(guest_field[0])
            value = int(field.guest, 16) & guest_field[1]
            self.regs[_reg32(ops[0])] = value
            return f"The VMM returns the guest's {field.name} value {value:#x}, not the VMM's {int(field.host, 16) & guest_field[1]:#x}."
        table = {"SGDT": "GDTR", "SIDT": "IDTR"}.get(form)
        if table and table in names:
            field = self.isa.field(table)
            return f"The VMM stores the guest's {table} {field.guest}, not its own {field.host} (memory is not modelled)."
        return f"The VMM emulates it on the virtual CPU. {cls.entry.why if cls.entry else ''}".strip()

    def emulated_transfer(self, insn: Insn) -> int | Leave:
        """Where the VMM continues after emulating a far transfer, INT, IRET or SYSEXIT/SYSRET."""
        m = insn.base
        if m in LEAVES_LISTING:
            return Leave(f"goes where {LEAVES_LISTING[m]}")
        if m in ("int", "int1", "int3", "into"):
            return insn.end  # model: the guest's handler (outside the listing) comes back to the next instruction
        if m in ("retf", "iretd"):
            need = 2 if m == "retf" else 3
            if len(self.stack) < need:
                return Leave(f"returns to the code that called or was interrupted, outside the listing (the stack "
                             f"holds {len(self.stack)} of the {need} values it pops)")
            target = self.pop(insn)
            for _ in range(need - 1):
                self.pop(insn)  # CS (and EFLAGS): the VMM checks them against the guest's descriptors
            return target
        if insn.operands and insn.operands[0].kind in ("far", "imm") and insn.operands[0].value is not None:
            if m in ("call", "lcall"):
                self.push(GUEST_SELECTORS["cs"])
                self.push(insn.end)
            return insn.operands[0].value
        return Leave("jumps through a far pointer in memory, which the model does not track")

    def transfer(self, insn: Insn) -> int | str | Leave:
        m = insn.base
        if m in LEAVES_LISTING:
            return Leave(f"goes where {LEAVES_LISTING[m]}")
        if m == "ret":
            if not self.stack:
                return Leave("returns to its caller, outside the listing (nothing was pushed inside it)")
            return self.pop(insn)
        if m == "call":
            target = self.target(insn)
            if not isinstance(target, Leave):
                self.push(insn.end)
            return target
        if m == "jmp":
            return self.target(insn)
        if m in LOOPS:
            ecx = int(self.regs["ecx"])
            if m in ("jecxz", "jcxz"):
                return self.target(insn) if ecx == 0 else insn.end
            ecx = (ecx - 1) & MASK
            self.regs["ecx"] = ecx
            taken = ecx != 0 and (m == "loop" or (m == "loope") == bool(self.regs["zf"]))
            return self.target(insn) if taken else insn.end
        return self.target(insn) if self.condition(insn) else insn.end

    def condition(self, insn: Insn) -> bool:
        zf, sf, cf, of = (bool(self.regs[f]) for f in ("zf", "sf", "cf", "of"))
        conditions = {
            "je": zf, "jne": not zf, "jb": cf, "jae": not cf, "jbe": cf or zf, "ja": not cf and not zf,
            "jl": sf != of, "jge": sf == of, "jle": zf or sf != of, "jg": not zf and sf == of,
            "js": sf, "jns": not sf, "jo": of, "jno": not of,
        }
        if insn.base not in conditions:
            raise BTError(f"line {insn.line}: '{insn.text}' tests the parity flag, which the model does not track")
        return conditions[insn.base]

    def target(self, insn: Insn) -> int | Leave:
        op = insn.operands[0] if insn.operands else None
        if op is not None and op.kind == "imm" and op.value is not None:
            return op.value
        if op is not None and self._gpr32(op):
            return int(self.regs[_reg32(op)])
        if op is not None and op.kind == "symbol":
            return Leave(f"goes to '{op.text}', which is not a label of the listing (code outside it)")
        return Leave("takes its target from memory (or a register the model does not track), which the model "
                     "cannot follow")

    @staticmethod
    def _gpr32(op: Operand) -> bool:
        return op.kind == "gpr" and (op.reg in GPR32 or op.reg in _LOW32)

    def value(self, op: Operand) -> int | None:
        if self._gpr32(op):
            return int(self.regs[_reg32(op)])
        return op.value if op.kind == "imm" else None

    def push(self, value: int) -> None:
        self.stack.append(value & MASK)
        self.regs["esp"] = (int(self.regs["esp"]) - 4) & MASK

    def pop(self, insn: Insn) -> int:
        if not self.stack:
            raise BTError(f"line {insn.line}: '{insn.text}' pops from an empty stack: push something first")
        self.regs["esp"] = (int(self.regs["esp"]) + 4) & MASK
        return self.stack.pop()

    def alu(self, insn: Insn) -> None:
        """Innocuous instructions the model interprets; any other has no modelled effect."""
        m, ops = insn.base, insn.operands
        if m == "push" and ops:
            self.push(self.value(ops[0]) or 0)
            return
        if m == "pop" and ops:
            value = self.pop(insn)
            if self._gpr32(ops[0]):
                self.regs[_reg32(ops[0])] = value
            return
        if not ops or not self._gpr32(ops[0]):
            return
        dst = _reg32(ops[0])
        a = int(self.regs[dst])
        if m in ("inc", "dec") and len(ops) == 1:
            self.arith("add" if m == "inc" else "sub", dst, a, 1, keep_cf=True)
            return
        b = self.value(ops[1]) if len(ops) == 2 else None
        if b is None:
            return
        if m == "mov":
            self.regs[dst] = b
        elif m in ("add", "sub", "cmp"):
            self.arith("add" if m == "add" else "sub", dst if m != "cmp" else None, a, b)
        elif m in ("and", "or", "xor", "test"):
            r = {"and": a & b, "test": a & b, "or": a | b, "xor": a ^ b}[m]
            self.set_flags(r, cf=False, of=False)
            if m != "test":
                self.regs[dst] = r

    def arith(self, op: str, dst: str | None, a: int, b: int, keep_cf: bool = False) -> None:
        if op == "add":
            r = (a + b) & MASK
            cf, of = a + b > MASK, bool((a ^ r) & (b ^ r) & 0x80000000)
        else:
            r = (a - b) & MASK
            cf, of = a < b, bool((a ^ b) & (a ^ r) & 0x80000000)
        self.set_flags(r, cf=bool(self.regs["cf"]) if keep_cf else cf, of=of)
        if dst is not None:
            self.regs[dst] = r

    def set_flags(self, r: int, cf: bool, of: bool) -> None:
        self.regs.update(zf=r == 0, sf=bool(r & 0x80000000), cf=cf, of=of)


def _runner(program: tuple[Insn, ...], max_unit: int, isa: ISA | None, strict: bool) -> _Run:
    run = _Run(program, max_unit, isa or ia32())
    run.strict = strict
    return run


def simulate(program: tuple[Insn, ...], max_unit: int = DEFAULT_MAX_UNIT, isa: ISA | None = None,
             strict: bool = True) -> Trace[BTState]:
    """Translate lazily and run ``program``; one frame per translation, cache hit, VMM call and trap.

    ``strict=False`` (the page): a run that cannot go on (an endless loop, a pop from an empty stack)
    ends with a last frame that says why instead of raising :class:`BTError`, so a student's
    correctly read program is always shown.
    """
    return _runner(program, max_unit, isa, strict).run()[0]


def execute(program: tuple[Insn, ...], max_unit: int = DEFAULT_MAX_UNIT, isa: ISA | None = None,
            strict: bool = True) -> tuple[Step, ...]:
    """The executed guest instruction stream of the same run (for the cost model)."""
    return _runner(program, max_unit, isa, strict).run()[1]


# --------------------------------------------------------------------------- presets

Format = Literal["asm", "hex"]


def parse_program(code: str, fmt: Format, bits: int | None = None) -> tuple[Insn, ...]:
    """Guest code as a listing (``asm``: objdump, NASM or plain Intel syntax) or as hex bytes (raw, xxd, hexdump -C).

    ``bits`` is 32 or 64; ``None`` detects it from a listing (hex is then read as 32-bit code).
    """
    return parse_hex(code, bits=bits or 32) if fmt == "hex" else parse_listing(code, bits=bits)


@dataclass(frozen=True)
class BTProgram:
    """A preset guest program from lessons/2.2/bt_programs.toml."""

    id: str
    name: str
    description: str
    format: Format
    code: str

    def parse(self) -> tuple[Insn, ...]:
        return parse_program(self.code, self.format)


def load_bt_programs(path: Path) -> tuple[BTProgram, ...]:
    """Read and check every preset: each must parse and run to its end under the default unit size."""
    root = Reader(load_toml(path), path.name)
    programs = []
    for r in root.subs("program"):
        fmt = r.str("format", default="asm")
        if fmt not in ("asm", "hex"):
            r.fail(f"'format' must be \"asm\" or \"hex\", not {fmt!r}")
        p = BTProgram(r.str("id"), r.str("name"), r.str("description"), fmt, r.str("code"))  # type: ignore[arg-type]
        try:
            simulate(p.parse())
        except (AsmError, BTError) as exc:
            r.fail(f"the code does not run: {exc}")
        programs.append(p)
    root.unique((p.id for p in programs), "program id")
    return tuple(programs)


__all__ = [
    "ASSUMPTIONS", "BTError", "Leave", "BTProgram", "BTState", "CacheEntry", "COUNTERS", "DEFAULT_MAX_UNIT", "MAX_MAX_UNIT",
    "MAX_STEPS", "MIN_MAX_UNIT", "Registers", "Step", "TLine", "Unit", "execute", "load_bt_programs", "parse_program",
    "render", "simulate", "vmm_routine",
]
