"""Generated questions for section 2.1: classify an instruction, the Popek–Goldberg verdict of a made-up ISA, and
which lines of a guest-kernel program trap or misbehave silently under trap-and-emulate.

Every answer comes from the engine: the catalogue's classes (``Instruction.category``), ``isa.verdict`` and the
trap-and-emulate simulator. Every variant carries a worked solution (one step per attribute, row or program line,
then the conclusion) and a link that opens exactly this scenario in its simulator page.

Balance, so that no answer can be guessed from the form of the question: classify draws the class first and then an
instruction of it, and offers only classes the catalogue has; verdict draws yes or no first and then builds the ISA;
program questions use a virtualizable ISA or a program without critical lines often enough that "none of them" is
right in about three variants in ten (63 of seeds 0-199), never most of them.

"Misbehaves silently" means what the lecture means by a critical instruction in a de-privileged guest kernel: sensitive
but not privileged, so it runs without trapping and does not do what it does natively. The simulator models the effect
of most critical instructions (and then shows the difference); for those it does not model (several ARMv7 forms such as
``SUBS pc, lr``) the catalogue's class decides, and the prompt says so. Programs never rely on hidden state: a critical
instruction whose outcome depends on the machine state (PUSHF pushes the real IF, which differs from the guest's only
while the guest has interrupts off) appears only where the program itself makes it differ (after a CLI), and the prompt
states the starting values of such state. POPF is left out of generated programs: it needs a matching PUSHF, and whether
a restored IF differs depends on the values pushed; the trap-and-emulate page's presets show it.
"""

from __future__ import annotations

import random
from typing import Mapping

from engine.core.quiz import Question
from engine.core.trace import Trace
from engine.quizgen import Generator, simulator_link
from engine.virtualizability.isa import ISA, DesignError, Instruction, verdict
from engine.virtualizability.trap_emulate import ProgramLine, TrapState, classify_program, simulate

SECTION = "2.1"
CATEGORIES = ("innocuous", "privileged", "privileged and sensitive", "critical")  # every class the lecture names
NONE = "none of them"
_VIRTUALIZABLE_SHARE = 0.2  # programs on an ISA without critical instructions (S/370, Power, SPARC)
_CRITICAL_LINES = (0, 1, 1, 1, 2, 2, 2, 3)  # how many critical lines a program on IA-32 or ARMv7 gets
_LOOKUP = "Look each instruction up on the Instruction classes page if you are unsure of its class."


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _code(text: str) -> str:
    return f"`{text}`"


# --------------------------------------------------------------------------- classify

def categories(catalogue: Mapping[str, ISA]) -> tuple[str, ...]:
    """The classes that at least one catalogued instruction is in, in the lecture's order."""
    present = {ins.category for isa in catalogue.values() for ins in isa.instructions}
    return tuple(c for c in CATEGORIES if c in present)


def _class_steps(ins: Instruction) -> tuple[str, ...]:
    trap = ("it traps when run in user mode, so the VMM gets control" if ins.privileged
            else "it runs in user mode without trapping")
    kinds = [k for k, flag in (("it changes the configuration of resources", ins.control_sensitive),
                               ("its result depends on that configuration", ins.behaviour_sensitive)) if flag]
    sensitive = f"it is sensitive ({' and '.join(kinds)})" if kinds else "it is not sensitive"
    rule = {
        "critical": "sensitive but not privileged",
        "privileged and sensitive": "sensitive and privileged",
        "privileged": "privileged but not sensitive",
        "innocuous": "neither privileged nor sensitive",
    }[ins.category]
    return (
        f"Privileged = {_yes(ins.privileged)}: {trap}.",
        f"Control-sensitive = {_yes(ins.control_sensitive)}, behaviour-sensitive = {_yes(ins.behaviour_sensitive)}: {sensitive}.",
        f"{rule[0].upper()}{rule[1:]} → {ins.category}.",
    )


def _why_not_class(ins: Instruction, category: str) -> str:
    m = ins.mnemonic
    if category == "critical":
        return (f"Critical means sensitive but not privileged; {m} is privileged, so it traps." if ins.privileged
                else f"Critical instructions are sensitive; {m} is neither control- nor behaviour-sensitive.")
    if category == "privileged and sensitive":
        return (f"{m} is not privileged: it does not trap in user mode." if not ins.privileged
                else f"{m} is neither control- nor behaviour-sensitive.")
    if category == "privileged":
        return (f"{m} is not privileged: it does not trap in user mode." if not ins.privileged
                else f"{m} is sensitive too, so its class is 'privileged and sensitive'.")
    return (f"{m} is privileged: it traps in user mode, so it is not innocuous." if ins.privileged
            else f"{m} is sensitive, so it is not innocuous.")


def classify(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    options = categories(catalogue)
    category = rng.choice(options)  # the class first, so every offered class is right about equally often
    isa = catalogue[rng.choice([k for k in sorted(catalogue) if any(i.category == category for i in catalogue[k].instructions)])]
    ins = rng.choice([i for i in isa.instructions if i.category == category])
    prompt = (
        f"On {isa.name}, **{ins.mnemonic}** has these attributes: privileged = {_yes(ins.privileged)}, "
        f"control-sensitive = {_yes(ins.control_sensitive)}, behaviour-sensitive = {_yes(ins.behaviour_sensitive)}. "
        "Which class is it in?"
    )
    consequence = {
        "critical": "it does not trap in user mode, so a trap-and-emulate VMM never sees it",
        "privileged and sensitive": "it traps in user mode and the VMM can emulate it",
        "privileged": "it traps in user mode, although it touches no configuration a VMM must guard",
        "innocuous": "it can run directly on the CPU",
    }[category]
    return Question(
        id=f"gen-classify-{seed}", section=SECTION, kind="single", prompt=prompt,
        options=options, answer=(category,),
        explanation=f"{ins.mnemonic} is {category}: {consequence}. ({ins.why})",
        solution=_class_steps(ins),
        why_not=tuple((o, _why_not_class(ins, o)) for o in options if o != category),
        hint="Sensitive = control-sensitive or behaviour-sensitive. Critical = sensitive but not privileged.",
        link=simulator_link("instruction-classes", isa=isa.id, instruction=ins.mnemonic),
        slide="Recap: Categories of Processor Instructions (2/2)", generator="classify",
    )


# --------------------------------------------------------------------------- verdict

_DESIGN_NAMES = ("OPA", "OPB", "OPC", "OPD", "OPE")
_SENSITIVE_KINDS = ((True, False), (False, True), (True, True))  # (control, behaviour)


def design_text(instructions: tuple[Instruction, ...] | list[Instruction]) -> str:
    """A made-up ISA as link text: 'OPA:pc;OPB:-;OPC:b' (p = privileged, c = control-, b = behaviour-sensitive)."""
    def flags(i: Instruction) -> str:
        return "".join(f for f, on in (("p", i.privileged), ("c", i.control_sensitive), ("b", i.behaviour_sensitive)) if on) or "-"

    return ";".join(f"{i.mnemonic}:{flags(i)}" for i in instructions)


def parse_design_text(text: str) -> list[dict[str, object]]:
    """The ISA designer's table rows from :func:`design_text`; DesignError says which part is wrong."""
    rows: list[dict[str, object]] = []
    for n, part in enumerate(text.split(";"), start=1):
        name, sep, flags = part.rpartition(":")
        if not sep or not name.strip():
            raise DesignError(f"part {n} ('{part[:40]}') is not NAME:FLAGS")
        flags = flags.strip()
        if flags != "-" and (not flags or set(flags) - set("pcb")):
            raise DesignError(f"part {n} ('{part[:40]}'): flags are letters p, c, b or '-' for none")
        rows.append({"Instruction": name.strip(), "Privileged": "p" in flags, "Control-sensitive": "c" in flags,
                     "Behaviour-sensitive": "b" in flags})
    return rows


def _random_isa(rng: random.Random, virtualizable: bool) -> list[Instruction]:
    """Five made-up instructions; one or two of them critical exactly when the ISA is not to be virtualizable."""
    n = len(_DESIGN_NAMES)
    critical = set() if virtualizable else set(rng.sample(range(n), rng.choice((1, 1, 2))))
    instructions = []
    for index, name in enumerate(_DESIGN_NAMES):
        if index in critical:
            control, behaviour = rng.choice(_SENSITIVE_KINDS)
            privileged = False
        else:
            kind = rng.choice(("innocuous", "innocuous", "privileged", "sensitive", "sensitive", "sensitive"))
            privileged = kind != "innocuous"
            control, behaviour = rng.choice(_SENSITIVE_KINDS) if kind == "sensitive" else (False, False)
        instructions.append(Instruction(name, privileged, control, behaviour, why=""))
    return instructions


def _row_step(i: Instruction) -> str:
    kinds = [k for k, flag in (("control", i.control_sensitive), ("behaviour", i.behaviour_sensitive)) if flag]
    sensitive = f"sensitive ({' and '.join(kinds)})" if kinds else "not sensitive"
    return f"{i.mnemonic}: {'privileged' if i.privileged else 'not privileged'}, {sensitive} → {i.category}."


def verdict_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    instructions = _random_isa(rng, virtualizable=rng.random() < 0.5)  # yes or no first: each right about half the time
    rows = "\n".join(
        f"| {i.mnemonic} | {_yes(i.privileged)} | {_yes(i.control_sensitive)} | {_yes(i.behaviour_sensitive)} |" for i in instructions
    )
    prompt = (
        "A new ISA has these instructions:\n\n| instruction | privileged | control-sensitive | behaviour-sensitive |\n"
        f"|---|---|---|---|\n{rows}\n\nBy Popek and Goldberg's Theorem 1, can an efficient VMM be built for it?"
    )
    v = verdict(instructions)
    yes, no = "Yes: sensitive ⊆ privileged", "No: some sensitive instruction is not privileged"
    answer = yes if v.virtualizable else no
    sets = (f"Sensitive = {{{', '.join(v.sensitive)}}}; privileged = {{{', '.join(v.privileged)}}}.")
    if v.virtualizable:
        conclusion = f"Every sensitive instruction is privileged, so each traps in user mode and the VMM can emulate it → {yes}."
        wrong = (no, "Every sensitive instruction here is privileged: none runs in user mode without trapping.")
    else:
        names = ", ".join(v.critical)
        conclusion = f"{names} {'is' if len(v.critical) == 1 else 'are'} sensitive but not privileged (critical) → {no}."
        wrong = (yes, f"{names} {'is' if len(v.critical) == 1 else 'are'} sensitive but not privileged: "
                      "it runs in user mode without trapping, so the VMM never sees it.")
    return Question(
        id=f"gen-verdict-{seed}", section=SECTION, kind="single", prompt=prompt, options=(yes, no),
        answer=(answer,), explanation=f"{answer}. {v.reason}",
        solution=tuple(_row_step(i) for i in instructions) + (sets, conclusion),
        why_not=(wrong,),
        hint=("Theorem 1 needs every sensitive (control- or behaviour-sensitive) instruction to be privileged: "
              "look for a row that is not."),
        link=simulator_link("isa-designer", design=design_text(instructions)),
        slide="Popek and Goldberg's Theorem", generator="verdict",
    )


# --------------------------------------------------------------------------- programs

def _lines(instructions: list[Instruction]) -> tuple[ProgramLine, ...]:
    return tuple(ProgramLine(n, "kernel", ins) for n, ins in enumerate(instructions, start=1))


def _quiet_critical(isa: ISA, program: tuple[ProgramLine, ...]) -> list[int]:
    """Critical lines whose effect the simulator models, yet which behave as natively in this run (PUSHF with IF = 1)."""
    silent = set(classify_program(isa, program)["silent"])
    return [i for i, line in enumerate(program) if line.instruction.critical and line.instruction.effect.fields and i not in silent]


def _program_isa(rng: random.Random, catalogue: Mapping[str, ISA]) -> ISA:
    usable = [k for k in sorted(catalogue) if any(i.privileged for i in catalogue[k].instructions)]
    easy = [k for k in usable if catalogue[k].verdict().virtualizable]
    hard = [k for k in usable if not catalogue[k].verdict().virtualizable]
    pool = easy if easy and (not hard or rng.random() < _VIRTUALIZABLE_SHARE) else hard
    return catalogue[rng.choice(pool)]


def random_program(rng: random.Random, isa: ISA) -> tuple[ProgramLine, ...]:
    """Four to six guest-kernel lines: at least one privileged, zero to three critical, the rest innocuous.

    Every critical line misbehaves in the simulator too, unless the simulator models no effect for its instruction:
    a state-dependent one (PUSHF) is kept only where the program makes it differ (after a CLI), else it is swapped.
    """
    n = rng.choice((4, 5, 6))
    critical = [i for i in isa.instructions if i.critical and not i.effect.pop]
    privileged = [i for i in isa.instructions if i.privileged]
    innocuous = [i for i in isa.instructions if not i.privileged and not i.sensitive] or privileged
    k_crit = rng.choice(_CRITICAL_LINES) if critical else 0
    k_priv = rng.randint(1, min(4, n - k_crit))
    kinds = ["critical"] * k_crit + ["privileged"] * k_priv + ["innocuous"] * (n - k_crit - k_priv)
    rng.shuffle(kinds)
    pools = {"critical": critical, "privileged": privileged, "innocuous": innocuous}
    chosen = [rng.choice(pools[k]) for k in kinds]
    _maybe_state_pair(rng, isa, kinds, chosen)
    stable = [i for i in critical if not i.effect.push]
    for attempt in range(8):
        quiet = _quiet_critical(isa, _lines(chosen))
        if not quiet:
            break
        chosen[quiet[0]] = rng.choice(stable) if stable and attempt < 7 else rng.choice(innocuous)
    return _lines(chosen)


def _maybe_state_pair(rng: random.Random, isa: ISA, kinds: list[str], chosen: list[Instruction]) -> None:
    """Now and then a privileged write before a push of the same field (CLI ... PUSHF), so PUSHF shows its divergence."""
    pairs: list[tuple[Instruction, Instruction]] = []
    for p in isa.instructions:
        if p.critical and p.effect.push:
            host = isa.field(p.effect.push).host  # what the de-privileged push reveals
            pairs += [(w, p) for w in isa.instructions if w.privileged and w.effect.writes.get(p.effect.push, host) != host]
    slots = [(a, b) for a in range(len(kinds)) for b in range(a + 1, len(kinds))
             if kinds[a] == "privileged" and kinds[b] == "critical"]
    if pairs and slots and rng.random() < 0.3:
        (a, b), (w, p) = rng.choice(slots), rng.choice(pairs)
        chosen[a], chosen[b] = w, p


def program_code(program: tuple[ProgramLine, ...]) -> str:
    """The program as the trap-and-emulate editor reads it (one instruction per line)."""
    return "\n".join(("app: " if line.context == "app" else "") + line.instruction.mnemonic for line in program)


def _option(line: ProgramLine) -> str:
    return f"{line.number}: {line.label}"


def _deprivileged(isa: ISA) -> str:
    if isa.deprivileged_mode:
        return isa.deprivileged_mode
    if isa.deprivileged_value == isa.user_value:
        return isa.user_mode
    return f"{isa.mode_field} = {isa.deprivileged_value}"


def _stated_state(isa: ISA) -> str:
    """The starting values a program's answer may depend on (IA-32: the IF that PUSHF pushes), for the prompt."""
    fields = sorted({f for i in isa.instructions for f in (i.effect.push, i.effect.pop) if f})
    parts = [f"the guest's {f} is {isa.field(f).guest}, as on the native machine, and the VMM keeps the real {f} at "
             f"{isa.field(f).host} while the guest runs" for f in fields]
    return (" Before the program runs, " + "; ".join(parts) + ".") if parts else ""


def _program_prompt(isa: ISA, program: tuple[ProgramLine, ...], question: str) -> str:
    lines = "\n".join(map(_option, program))
    return (f"A guest kernel runs de-privileged ({_deprivileged(isa)}) under a trap-and-emulate VMM "
            f"on {isa.name}.{_stated_state(isa)}\n\n```\n{lines}\n```\n\n{question}")


class _Run:
    """One program's simulation, its per-line worked steps and the frames a link can open."""

    def __init__(self, isa: ISA, program: tuple[ProgramLine, ...]):
        self.isa, self.program = isa, program
        self.trace: Trace[TrapState] = simulate(isa, program)
        outcome = classify_program(isa, program)
        self.traps: tuple[int, ...] = outcome["traps"]
        self.silent: tuple[int, ...] = tuple(i for i, line in enumerate(program) if line.instruction.critical)
        unmodelled = set(self.silent) - set(outcome["silent"])
        if not set(outcome["silent"]) <= set(self.silent) or any(program[i].instruction.effect.fields for i in unmodelled):
            raise ValueError("the simulator and the catalogue disagree on a line whose effect the simulator models")
        self.unmodelled = tuple(sorted(unmodelled))
        self.divergences = self.trace[len(self.trace) - 1].state.divergences

    def frame_of(self, index: int, phase: str | None = None) -> int:
        return next(n for n, f in enumerate(self.trace) if f.state.line == index and phase in (None, f.state.phase))

    @property
    def last_frame(self) -> int:
        return len(self.trace) - 1

    def step(self, index: int) -> str:
        line = self.program[index]
        ins, head = line.instruction, f"line {line.number} {_code(line.instruction.mnemonic)}"
        if index in self.traps:
            return f"{head}: privileged → traps to the VMM. {ins.emulation or 'The VMM emulates it on the virtual CPU.'}"
        if ins.critical and index not in self.unmodelled:
            prefix = f"line {line.number} {line.label}: "
            problem = next(d[len(prefix):] for d in self.divergences if d.startswith(prefix))
            return f"{head}: critical (sensitive, not privileged) → runs directly without trapping, and {problem}."
        if ins.critical:
            return (f"{head}: critical (sensitive, not privileged) → runs directly without trapping and does not do what it "
                    f"does natively: {ins.why} (The simulator models no state for it, so its animation shows no difference.)")
        return f"{head}: innocuous → runs directly, with the same result as natively."

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(self.step(i) for i in range(len(self.program)))

    def link(self, frame: int) -> str:
        return simulator_link("trap-and-emulate", isa=self.isa.id, program="custom", code=program_code(self.program),
                              trap_frame=frame)


def _program_setup(seed: int, catalogue: Mapping[str, ISA]) -> tuple[ISA, tuple[ProgramLine, ...]]:
    rng = random.Random(seed)
    isa = _program_isa(rng, catalogue)
    return isa, random_program(rng, isa)


def _names(options: tuple[str, ...]) -> str:
    return ", ".join(options) if options else NONE


def which_trap_for(isa: ISA, program: tuple[ProgramLine, ...], qid: str) -> Question:
    run = _Run(isa, program)
    options = tuple(map(_option, program))
    answer = tuple(options[i] for i in run.traps)
    problem = " (which is exactly the problem with critical instructions)."
    why_not = tuple(
        (options[i], f"{line.instruction.mnemonic} is {line.instruction.category}: it is not privileged, so it runs directly "
                     "without trapping" + (problem if line.instruction.critical else "."))
        for i, line in enumerate(program) if i not in run.traps
    )
    return Question(
        id=qid, section=SECTION, kind="multiple",
        prompt=_program_prompt(isa, program, "Which lines trap to the VMM? (select all)"),
        options=options, answer=answer,
        explanation=(f"Exactly the privileged instructions trap: {_names(answer)}. Critical instructions run directly without "
                     "trapping, and so do innocuous ones."),
        solution=run.steps + (f"So the lines that trap are {_names(answer)}.",),
        why_not=why_not, hint="When the guest kernel runs de-privileged, only privileged instructions trap. " + _LOOKUP,
        link=run.link(run.frame_of(run.traps[0], "trap")),
        slide="Implications of Popek and Goldberg's Theorem", generator="which-trap",
    )


def trap_count_for(isa: ISA, program: tuple[ProgramLine, ...], qid: str) -> Question:
    run = _Run(isa, program)
    count = len(run.traps)
    lines = _names(tuple(_option(program[i]) for i in run.traps))
    return Question(
        id=qid, section=SECTION, kind="numeric",
        prompt=_program_prompt(isa, program, "How many traps into the VMM does this program cause?"),
        value=float(count), tolerance=0.0, unit="traps",
        explanation=f"Only privileged instructions trap; here that is {count}: {lines}.",
        solution=run.steps + (f"So the program causes {count} trap{'s' if count != 1 else ''}: {lines}.",),
        hint="Each privileged line traps once; critical and innocuous lines run directly. " + _LOOKUP,
        link=run.link(run.last_frame),
        slide="Implications of Popek and Goldberg's Theorem", generator="trap-count",
    )


def which_silent_for(isa: ISA, program: tuple[ProgramLine, ...], qid: str) -> Question:
    run = _Run(isa, program)
    lines = tuple(map(_option, program))
    answer = tuple(lines[i] for i in run.silent) or (NONE,)
    rule = ("Count a line exactly when its instruction is critical in the app's catalogue (sensitive but not privileged): "
            "it runs without trapping and does not do what it would do natively, and the VMM never notices.")
    if any(i.critical and not i.effect.fields for i in isa.instructions):
        rule += (f" (The simulator models the state of only some {isa.name.split(' (')[0]} instructions; a critical "
                 "instruction counts even where its animation shows no difference.)")
    why_not = [(lines[i], f"{line.instruction.mnemonic} is privileged: it traps and the VMM emulates it, so the guest sees "
                          "the native result." if line.instruction.privileged else
                f"{line.instruction.mnemonic} is innocuous: it runs directly with the same result as natively.")
               for i, line in enumerate(program) if i not in run.silent]
    if run.silent:
        first = program[run.silent[0]].instruction.mnemonic
        why_not.append((NONE, f"{first} is sensitive but not privileged: it runs without trapping and misbehaves."))
    if run.silent:
        conclusion = f"So the lines that misbehave silently are the critical ones: {', '.join(answer)}."
        explanation = (f"These lines are critical (sensitive but not privileged): {', '.join(answer)}. They run without "
                       "trapping and behave differently than natively, so the VMM never gets a chance to emulate them.")
        modelled = [i for i in run.silent if i not in run.unmodelled]
        frame = run.frame_of(modelled[0], "silent") if modelled else run.frame_of(run.silent[0])
    else:
        conclusion = f"No line is critical, so the answer is '{NONE}': every sensitive line trapped and was emulated."
        explanation = (f"The answer is '{NONE}': no line is critical here. Every sensitive instruction in this program is "
                       "privileged, so it traps and the VMM emulates it; innocuous lines behave as natively anyway.")
        frame = run.last_frame
    return Question(
        id=qid, section=SECTION, kind="multiple",
        prompt=_program_prompt(isa, program, f"Which lines misbehave silently? {rule} (select all that apply)"),
        options=lines + (NONE,), answer=answer, explanation=explanation,
        solution=run.steps + (conclusion,), why_not=tuple(why_not),
        hint="Critical = sensitive but not privileged: such a line runs without trapping. " + _LOOKUP,
        link=run.link(frame),
        slide="Popek and Goldberg's Requirements in Practice", generator="which-silent",
    )


def which_trap(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program = _program_setup(seed, catalogue)
    return which_trap_for(isa, program, f"gen-which-trap-{seed}")


def trap_count(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program = _program_setup(seed, catalogue)
    return trap_count_for(isa, program, f"gen-trap-count-{seed}")


def which_silent(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program = _program_setup(seed, catalogue)
    return which_silent_for(isa, program, f"gen-which-silent-{seed}")


GENERATORS = (
    Generator("classify", SECTION, "Classify an instruction from its attributes", classify),
    Generator("verdict", SECTION, "Is this ISA virtualizable?", verdict_question),
    Generator("which-trap", SECTION, "Which lines of this program trap?", which_trap),
    Generator("which-silent", SECTION, "Which lines misbehave silently?", which_silent),
    Generator("trap-count", SECTION, "How many traps does this program cause?", trap_count),
)
