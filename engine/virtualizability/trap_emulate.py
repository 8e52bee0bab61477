"""Trap-and-emulate: a guest program run natively and de-privileged under a VMM, side by side.

The model is deliberately small. It tracks only the machine state the catalogue's instruction
effects name (IF, GDTR, CPL, ...), a guest stack, and who is running. That is enough to show the
lecture's point: privileged instructions trap and the VMM emulates them on the *virtual* CPU,
while critical instructions (sensitive, not privileged) run directly on the real CPU and either
reveal the VMM's real state or are silently ignored, so the guest's behaviour departs from the
native run (Popek–Goldberg's equivalence property is violated).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Literal

from engine.virtualizability.isa import ISA, Instruction
from engine.core.trace import Trace, TraceBuilder
from engine.virtualizability.spellings import SpellingError, read_instruction, strip_comment, strip_listing

Context = Literal["kernel", "app"]
MAX_PROGRAM_LINES = 60


class ProgramError(ValueError):
    """The user's program cannot run; the message says which line and why."""


@dataclass(frozen=True)
class ProgramLine:
    number: int  # line number in the editor, for messages
    context: Context
    instruction: Instruction
    written: str = ""  # the instruction as the student wrote it ("pushfd"); "" when generated
    how: str = ""  # why ``written`` reads as this catalogue entry; "" when it is the catalogue's own spelling

    @property
    def label(self) -> str:
        prefix = "app: " if self.context == "app" else ""
        return f"{prefix}{self.instruction.mnemonic}"


def parse_program(text: str, isa: ISA) -> tuple[ProgramLine, ...]:
    """One instruction per line, in the catalogue's or an assembler's spelling (engine.virtualizability.spellings);
    ``app:`` runs a line in the guest application; ``;`` and ``#`` start comments; ``label:`` before an
    instruction is skipped, and so are the address, bytes, headers and symbols of an ``objdump -d -M intel`` listing. The program is checked so that it runs: a pop needs an earlier push."""
    lines: list[ProgramLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = strip_comment(strip_listing(raw))
        if not code:
            continue
        context: Context = "kernel"
        lowered = code.lower()
        prefixed = False
        for prefix, ctx in (("app:", "app"), ("kernel:", "kernel")):
            if lowered.startswith(prefix):
                context, code, prefixed = ctx, code[len(prefix):].strip(), True  # type: ignore[assignment]
                break
        code = _LABEL.sub("", code, count=1).strip()
        if not code and prefixed:
            raise ProgramError(f"line {number}: '{raw.strip()}' names no instruction after the prefix")
        if not code:  # a label on its own line
            continue
        try:
            reading = read_instruction(code, isa)
        except SpellingError as exc:
            raise ProgramError(f"line {number}: {exc}") from None
        lines.append(ProgramLine(number, context, isa.instruction(reading.entry), reading.written, reading.how))
        if len(lines) > MAX_PROGRAM_LINES:
            raise ProgramError(f"The program has more than {MAX_PROGRAM_LINES} instructions; at most "
                               f"{MAX_PROGRAM_LINES} keep the animation readable: shorten it.")
    if not lines:
        raise ProgramError("The program is empty: write one instruction per line, for example 'CLI'.")
    check_stack(lines, isa)
    return tuple(lines)


_LABEL = re.compile(r"^[A-Za-z_.$][\w.$@]*:(?=\s|$)")


def check_stack(program: list[ProgramLine] | tuple[ProgramLine, ...], isa: ISA) -> None:
    """Every pop has a value to pop: the model's guest stack holds only what the program pushed.

    A privileged instruction in the application never runs (it traps and is reflected), so it moves nothing.
    """
    depth = 0
    for line in program:
        eff = line.instruction.effect
        if line.instruction.privileged and line.context == "app":
            continue
        if eff.push:
            depth += 1
        if eff.pop:
            if depth == 0:
                pushers = " or ".join(i.mnemonic for i in isa.instructions if i.effect.push == eff.pop) or "a push"
                raise ProgramError(f"line {line.number}: {line.instruction.mnemonic} pops {eff.pop} from the stack, "
                                   f"but nothing was pushed before it; put {pushers} earlier in the program.")
            depth -= 1


# --------------------------------------------------------------------------- state

@dataclass(frozen=True)
class CpuView:
    """Values of the tracked state fields and the guest stack, as one party sees them."""

    values: tuple[tuple[str, str], ...]
    stack: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        return dict(self.values)[name]

    def set(self, name: str, value: str) -> "CpuView":
        return replace(self, values=tuple((k, value if k == name else v) for k, v in self.values))

    def push(self, value: str) -> "CpuView":
        return replace(self, stack=self.stack + (value,))

    def pop(self) -> tuple[str, "CpuView"]:
        return self.stack[-1], replace(self, stack=self.stack[:-1])


Runner = Literal["guest app", "guest kernel", "VMM", "CPU"]


@dataclass(frozen=True)
class TrapState:
    """Snapshot for one frame of the side-by-side animation.

    native:  the machine of a native run, after the current line.
    vcpu:    the VMM's virtual CPU: what the guest should be seeing.
    host:    the real hardware registers while the guest runs de-privileged.
    """

    isa_id: str
    line: int | None  # index into the program; None before the first and after the last
    phase: str
    runner: Runner
    real_mode: str
    native: CpuView
    vcpu: CpuView
    host: CpuView
    native_result: str | None
    virt_result: str | None
    diverged: frozenset[str]
    divergences: tuple[str, ...]


def _apply(ins: Instruction, view: CpuView, system_mode: bool, reveal: CpuView) -> tuple[CpuView, str | None, bool]:
    """Run an instruction's effect on ``view``.

    Writes and pops change sensitive fields only in system mode; elsewhere the hardware
    ignores them silently (POPF, MSR). Reads and pushes return values from ``reveal``.
    Returns the new view, the value revealed (if any) and whether a write was ignored.
    """
    eff = ins.effect
    revealed: list[str] = []
    ignored = False
    for name in eff.reads:
        revealed.append(f"{name}={reveal.get(name)}")
    if eff.push:
        value = reveal.get(eff.push)
        view = view.push(value)
        revealed.append(f"pushed {eff.push}={value}")
    if eff.pop:
        if not view.stack:
            raise ProgramError(f"{ins.mnemonic} pops {eff.pop} from an empty stack: push it first")
        value, view = view.pop()
        if system_mode:
            view = view.set(eff.pop, value)
        else:
            ignored = True
    for name, value in eff.writes.items():
        if system_mode:
            view = view.set(name, value)
        else:
            ignored = True
    return view, ("; ".join(revealed) or None), ignored


class _Run:
    """Builds the side-by-side trace line by line."""

    def __init__(self, isa: ISA, program: tuple[ProgramLine, ...], scenario: str):
        self.isa = isa
        self.program = program
        guest = tuple((f.name, f.guest) for f in isa.state)
        host = tuple((f.name, f.host) for f in isa.state)
        self.native = CpuView(guest)
        self.vcpu = CpuView(guest)
        self.host = CpuView(host).set(isa.mode_field, isa.deprivileged_value)
        self.divergences: list[str] = []
        self.tb: TraceBuilder[TrapState] = TraceBuilder(
            scenario, counters={"instructions": 0, "direct": 0, "traps": 0, "emulated": 0, "critical_unnoticed": 0, "divergences": 0}
        )

    def mode_name(self, value: str) -> str:
        isa = self.isa
        if value == isa.system_value:
            return isa.system_mode
        if value == isa.user_value:
            return isa.user_mode
        if value == isa.deprivileged_value and isa.deprivileged_mode:
            return isa.deprivileged_mode
        return f"{isa.mode_field}={value}"

    def frame(self, line: int | None, phase: str, runner: Runner, real_mode_value: str, event: str, why: str,
              native_result: str | None = None, virt_result: str | None = None, highlights: set[str] | None = None) -> None:
        diverged = frozenset(
            name for name, value in self.native.values if name != self.isa.mode_field and self.vcpu.get(name) != value
        )
        if self.native.stack != self.vcpu.stack:
            diverged |= {"stack"}
        state = TrapState(
            self.isa.id, line, phase, runner, self.mode_name(real_mode_value), self.native, self.vcpu,
            self.host.set(self.isa.mode_field, real_mode_value), native_result, virt_result, diverged, tuple(self.divergences),
        )
        self.tb.add(state, event, why, frozenset(highlights or set()) | {runner})

    def run(self) -> Trace[TrapState]:
        isa = self.isa
        self.frame(None, "start", "guest kernel", isa.deprivileged_value, "Ready",
                   f"The guest kernel believes it runs in {isa.system_mode}; the VMM really runs it in "
                   f"{self.mode_name(isa.deprivileged_value)}. Native and virtual CPU start identical.")
        for index, line in enumerate(self.program):
            self.step(index, line)
        if self.divergences:
            verdict = f"Equivalence violated: {len(self.divergences)} place(s) where the virtualized guest saw or did something different from the native run."
        else:
            verdict = "Equivalence holds: every sensitive instruction trapped and the VMM emulated it on the virtual CPU."
        self.frame(None, "done", "CPU", isa.deprivileged_value, "Program finished", verdict)
        return self.tb.build()

    def step(self, index: int, line: ProgramLine) -> None:
        isa, ins = self.isa, line.instruction
        tb = self.tb
        tb.count("instructions")
        kernel = line.context == "kernel"
        who: Runner = "guest kernel" if kernel else "guest app"
        mode_native = isa.system_value if kernel else isa.user_value
        mode_real = isa.deprivileged_value if kernel else isa.user_value
        name = ins.mnemonic
        n = line.number

        self.native = self.native.set(isa.mode_field, mode_native)
        self.vcpu = self.vcpu.set(isa.mode_field, mode_native)

        if ins.privileged:
            tb.count("traps")
            if kernel:
                self.frame(index, "trap", "CPU", mode_real, f"Line {n}: {name} traps",
                           f"The guest kernel runs in {self.mode_name(mode_real)}, so the privileged {name} raises an exception "
                           "and the CPU enters the VMM.", highlights={"trap"})
                self.native, native_result, _ = _apply(ins, self.native, True, self.native)
                vcpu, virt_result, _ = _apply(ins, self.vcpu, True, self.vcpu)
                self.vcpu = vcpu
                tb.count("emulated")
                self.frame(index, "emulate", "VMM", isa.system_value, f"Line {n}: VMM emulates {name}",
                           (ins.emulation or f"The VMM emulates {name} on the virtual CPU.") + " Then it resumes the guest after the instruction.",
                           native_result, virt_result, highlights={"emulate"} | set(ins.effect.fields))
            else:
                self.frame(index, "trap", "CPU", mode_real, f"Line {n}: {name} in the app traps",
                           f"An application may not run {name}: natively the CPU would trap to the guest kernel. Here it traps to the VMM first.",
                           highlights={"trap"})
                self.frame(index, "reflect", "guest kernel", mode_real, f"Line {n}: VMM reflects the fault",
                           "The VMM sees the guest was in (virtual) user mode and forwards the exception to the guest kernel's handler, "
                           "exactly as the native machine would.", highlights={"reflect"})
            return

        tb.count("direct")
        native, native_result, _ = _apply(ins, self.native, kernel, self.native)
        real = self.host.set(isa.mode_field, mode_real)
        vcpu, virt_result, ignored = _apply(ins, self.vcpu, False, real)
        self.native, self.vcpu = native, vcpu
        problems = []
        if native_result != virt_result:
            problems.append(f"it revealed {virt_result} instead of {native_result}")
        if ignored and kernel:
            changed = [f for f in ins.effect.fields if native.get(f) != vcpu.get(f)] if ins.effect.fields else []
            detail = ", ".join(f"{f} stays {vcpu.get(f)} (native {native.get(f)})" for f in changed)
            problems.append("its change to protected state was silently ignored" + (f": {detail}" if detail else ""))
        if ins.critical:
            tb.count("critical_unnoticed")
        if problems:
            tb.count("divergences")
            self.divergences.append(f"line {n} {line.label}: " + "; ".join(problems))
            self.frame(index, "silent", who, mode_real, f"Line {n}: {name} runs without trapping",
                       f"{name} is sensitive but not privileged, so the VMM never sees it: " + "; ".join(problems) + ".",
                       native_result, virt_result, highlights={"divergence"} | set(ins.effect.fields))
        else:
            why = "It is innocuous: the same result in every mode." if not ins.sensitive else (
                f"{name} is critical but, here, behaves the same as natively.")
            self.frame(index, "direct", who, mode_real, f"Line {n}: {name} runs directly on the CPU", why,
                       native_result, virt_result, highlights={"direct"})


def program_digest(isa: ISA, program: tuple[ProgramLine, ...]) -> str:
    """A short stable name for an ISA and program, used as the trace's scenario."""
    spec = repr([isa.id] + [(line.context, line.instruction.key) for line in program])
    return f"{isa.id}-" + hashlib.sha1(spec.encode()).hexdigest()[:10]


def simulate(isa: ISA, program: tuple[ProgramLine, ...]) -> Trace[TrapState]:
    """Run ``program`` natively and under a trap-and-emulate VMM; one trace, both sides per frame."""
    return _Run(isa, program, program_digest(isa, program)).run()


def simulate_text(isa: ISA, text: str) -> Trace[TrapState]:
    return simulate(isa, parse_program(text, isa))


def prepare(text: str, isa: ISA) -> tuple[tuple[ProgramLine, ...], Trace[TrapState]]:
    """The program and its run: what the page shows, and what a preset must pass on load (the same checks)."""
    program = parse_program(text, isa)
    return program, simulate(isa, program)


def classify_program(isa: ISA, program: tuple[ProgramLine, ...]) -> dict[str, tuple[int, ...]]:
    """Indices of the lines that trap and of those that misbehave silently (for quiz generators)."""
    trace = simulate(isa, program)

    def lines(phase: str) -> tuple[int, ...]:
        return tuple(sorted({f.state.line for f in trace if f.state.phase == phase and f.state.line is not None}))

    return {"traps": lines("trap"), "silent": lines("silent")}


__all__ = [
    "CpuView", "ProgramError", "ProgramLine", "TrapState", "check_stack", "classify_program",
    "parse_program", "prepare", "simulate", "simulate_text",
]
