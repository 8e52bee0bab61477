"""Generated questions for section 2.1: classify, verdict, and which lines of a program trap."""

from __future__ import annotations

import random
from typing import Mapping

from engine.virtualizability.isa import ISA, Instruction, verdict
from engine.core.quiz import Question
from engine.quizgen import Generator
from engine.virtualizability.trap_emulate import ProgramLine, classify_program

SECTION = "2.1"
CATEGORY_OPTIONS = ("innocuous", "privileged", "privileged and sensitive", "critical")
_NON_VIRTUALIZABLE = ("ia32", "armv7")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def classify(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    isa = catalogue[rng.choice(sorted(catalogue))]
    ins = rng.choice(isa.instructions)
    prompt = (
        f"On {isa.name}, **{ins.mnemonic}** has these attributes: privileged = {_yes(ins.privileged)}, "
        f"control-sensitive = {_yes(ins.control_sensitive)}, behaviour-sensitive = {_yes(ins.behaviour_sensitive)}. "
        "Which class is it in?"
    )
    why = {
        "critical": "It is sensitive but not privileged: it does not trap in user mode, so a trap-and-emulate VMM never sees it.",
        "privileged and sensitive": "It is sensitive and privileged: it traps in user mode and the VMM can emulate it.",
        "privileged": "It is privileged (traps in user mode) but neither control- nor behaviour-sensitive.",
        "innocuous": "It is neither privileged nor sensitive: it can run directly on the CPU.",
    }[ins.category]
    return Question(
        id=f"gen-classify-{seed}", section=SECTION, kind="single", prompt=prompt,
        options=CATEGORY_OPTIONS, answer=(ins.category,),
        explanation=f"{why} ({ins.mnemonic}: {ins.why})",
        slide="Recap: Categories of Processor Instructions (2/2)", generator="classify",
    )


def _random_isa(rng: random.Random) -> list[Instruction]:
    """Five made-up instructions; about half of the ISAs come out virtualizable."""
    make_virtualizable = rng.random() < 0.5
    instructions = []
    for name in ("OPA", "OPB", "OPC", "OPD", "OPE"):
        privileged = rng.random() < 0.5
        control = rng.random() < 0.4
        behaviour = rng.random() < 0.3
        if make_virtualizable and (control or behaviour):
            privileged = True
        instructions.append(Instruction(name, privileged, control, behaviour, why=""))
    if not make_virtualizable and all(i.privileged or not i.sensitive for i in instructions):
        first = instructions[0]
        instructions[0] = Instruction(first.mnemonic, False, True, first.behaviour_sensitive, why="")
    return instructions


def verdict_question(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    rng = random.Random(seed)
    instructions = _random_isa(rng)
    rows = "\n".join(
        f"| {i.mnemonic} | {_yes(i.privileged)} | {_yes(i.control_sensitive)} | {_yes(i.behaviour_sensitive)} |" for i in instructions
    )
    prompt = (
        "A new ISA has these instructions:\n\n| instruction | privileged | control-sensitive | behaviour-sensitive |\n"
        f"|---|---|---|---|\n{rows}\n\nBy Popek and Goldberg's Theorem 1, can an efficient VMM be built for it?"
    )
    v = verdict(instructions)
    options = ("Yes: sensitive ⊆ privileged", "No: some sensitive instruction is not privileged")
    return Question(
        id=f"gen-verdict-{seed}", section=SECTION, kind="single", prompt=prompt, options=options,
        answer=(options[0] if v.virtualizable else options[1],), explanation=v.reason,
        slide="Popek and Goldberg's Theorem", generator="verdict",
    )


def _random_program(rng: random.Random, isa: ISA) -> tuple[ProgramLine, ...]:
    """Five kernel lines with at least one privileged and one critical instruction."""
    privileged = [i for i in isa.instructions if i.privileged]
    critical = [i for i in isa.instructions if i.critical and not i.effect.pop]
    others = [i for i in isa.instructions if not i.effect.pop]
    chosen = [rng.choice(privileged), rng.choice(critical)] + [rng.choice(others) for _ in range(3)]
    rng.shuffle(chosen)
    return tuple(ProgramLine(n, "kernel", ins) for n, ins in enumerate(chosen, start=1))


def _program_prompt(isa: ISA, program: tuple[ProgramLine, ...], question: str) -> str:
    lines = "\n".join(map(_option, program))
    return (f"A guest kernel runs de-privileged ({isa.deprivileged_mode or isa.deprivileged_value}) under a trap-and-emulate VMM "
            f"on {isa.name}:\n\n```\n{lines}\n```\n\n{question}")


def _program_setup(seed: int, catalogue: Mapping[str, ISA]) -> tuple[ISA, tuple[ProgramLine, ...], dict[str, tuple[str, ...]]]:
    """A random program and, per outcome ("traps", "silent"), the option texts of its lines."""
    rng = random.Random(seed)
    isa = catalogue[rng.choice([i for i in _NON_VIRTUALIZABLE if i in catalogue])]
    program = _random_program(rng, isa)
    labels = {phase: tuple(_option(program[i]) for i in indices) for phase, indices in classify_program(isa, program).items()}
    return isa, program, labels


def _option(line: ProgramLine) -> str:
    return f"{line.number}: {line.label}"


def which_trap(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program, outcome = _program_setup(seed, catalogue)
    options, answer = tuple(map(_option, program)), outcome["traps"]
    explanation = ("Exactly the privileged instructions trap: " + ", ".join(answer) +
                   ". Critical instructions run directly without trapping; innocuous ones run directly too.")
    return Question(
        id=f"gen-which-trap-{seed}", section=SECTION, kind="multiple",
        prompt=_program_prompt(isa, program, "Which lines trap to the VMM? (select all)"),
        options=options, answer=answer, explanation=explanation,
        slide="Implications of Popek and Goldberg's Theorem", generator="which-trap",
    )


def trap_count(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program, outcome = _program_setup(seed, catalogue)
    count = len(outcome["traps"])
    return Question(
        id=f"gen-trap-count-{seed}", section=SECTION, kind="numeric",
        prompt=_program_prompt(isa, program, "How many traps into the VMM does this program cause?"),
        value=float(count), tolerance=0.0, unit="traps",
        explanation=f"Only privileged instructions trap; here that is {count}: {', '.join(outcome['traps']) or 'none'}.",
        slide="Implications of Popek and Goldberg's Theorem", generator="trap-count",
    )


def which_silent(seed: int, catalogue: Mapping[str, ISA]) -> Question:
    isa, program, outcome = _program_setup(seed, catalogue)
    answer = outcome["silent"]
    none = "none of them"
    options = tuple(map(_option, program)) + (none,)
    explanation = (
        "These critical instructions ran without trapping and gave a different result than natively: " + ", ".join(answer) + "."
        if answer else "No line behaved differently from the native run here."
    ) + " Critical = sensitive but not privileged: the VMM never gets a chance to emulate them."
    return Question(
        id=f"gen-which-silent-{seed}", section=SECTION, kind="multiple",
        prompt=_program_prompt(isa, program, "Which lines silently behave differently from a native run? (select all that apply)"),
        options=options, answer=answer or (none,), explanation=explanation,
        slide="Popek and Goldberg's Requirements in Practice", generator="which-silent",
    )


GENERATORS = (
    Generator("classify", SECTION, "Classify an instruction from its attributes", classify),
    Generator("verdict", SECTION, "Is this ISA virtualizable?", verdict_question),
    Generator("which-trap", SECTION, "Which lines of this program trap?", which_trap),
    Generator("which-silent", SECTION, "Which lines misbehave silently?", which_silent),
    Generator("trap-count", SECTION, "How many traps does this program cause?", trap_count),
)
