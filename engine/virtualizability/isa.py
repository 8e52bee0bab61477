"""Instruction sets, their instruction attributes and the Popek–Goldberg verdict.

The catalogue lives in ``lessons/isas/*.toml`` so a lecturer can correct or extend it without
Python. The verdict is never typed in: it is derived here from the attributes of the
catalogued instructions (Theorem 1: an efficient VMM exists if sensitive ⊆ privileged).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from engine.core.lessons import LessonError, Reader, load_toml

ATTRIBUTES = ("privileged", "control_sensitive", "behaviour_sensitive")


@dataclass(frozen=True)
class Effect:
    """What an instruction does to the small machine state the trap simulator tracks.

    writes: fields set to constant values (CLI sets IF to 0).
    reads:  fields whose value the instruction reveals to the program (SGDT reveals GDTR).
    push:   a field pushed onto the guest stack (PUSHF pushes IF).
    pop:    a field loaded from the guest stack (POPF loads IF).
    """

    writes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    reads: tuple[str, ...] = ()
    push: str | None = None
    pop: str | None = None

    @property
    def fields(self) -> set[str]:
        names = set(self.writes) | set(self.reads)
        return names | {f for f in (self.push, self.pop) if f}


@dataclass(frozen=True)
class Instruction:
    """One instruction (or instruction form) and its Popek–Goldberg attributes."""

    mnemonic: str
    privileged: bool
    control_sensitive: bool
    behaviour_sensitive: bool
    why: str
    group: str = ""
    source: str = ""
    emulation: str = ""
    effect: Effect = field(default_factory=Effect)

    @property
    def sensitive(self) -> bool:
        return self.control_sensitive or self.behaviour_sensitive

    @property
    def critical(self) -> bool:
        """Sensitive but not privileged: runs de-privileged without trapping, yet behaves differently."""
        return self.sensitive and not self.privileged

    @property
    def category(self) -> str:
        if self.critical:
            return "critical"
        if self.privileged and self.sensitive:
            return "privileged and sensitive"
        if self.privileged:
            return "privileged"
        return "innocuous"

    @property
    def key(self) -> str:
        return normalise_mnemonic(self.mnemonic)


@dataclass(frozen=True)
class StateField:
    """A piece of machine state the trap simulator tracks.

    guest: the value the guest OS set up (what it sees natively).
    host:  the value the real hardware holds while the VMM runs the guest de-privileged.
    """

    name: str
    guest: str
    host: str
    doc: str


@dataclass(frozen=True)
class Verdict:
    """The Popek–Goldberg Theorem 1 verdict over the catalogued instructions."""

    virtualizable: bool
    sensitive: tuple[str, ...]
    privileged: tuple[str, ...]
    critical: tuple[str, ...]

    @property
    def reason(self) -> str:
        if self.virtualizable:
            return (
                f"All {len(self.sensitive)} sensitive instructions are privileged, so every one traps "
                "when the de-privileged guest runs it: sensitive ⊆ privileged holds and trap-and-emulate works."
            )
        names = ", ".join(self.critical)
        return (
            f"{len(self.critical)} sensitive instruction(s) are not privileged ({names}): they run in user mode "
            "without trapping, so the VMM never sees them. Sensitive ⊄ privileged."
        )


@dataclass(frozen=True)
class ISA:
    """An instruction set architecture as the lecture models it: two modes and a catalogue."""

    id: str
    name: str
    system_mode: str
    user_mode: str
    mode_field: str
    system_value: str
    user_value: str
    deprivileged_value: str
    summary: str
    lecture_claim: bool | None
    source: str
    instructions: tuple[Instruction, ...]
    state: tuple[StateField, ...]
    counting_note: str = ""
    deprivileged_mode: str = ""

    def instruction(self, mnemonic: str) -> Instruction:
        key = normalise_mnemonic(mnemonic)
        for ins in self.instructions:
            if ins.key == key:
                return ins
        raise KeyError(mnemonic)

    def has(self, mnemonic: str) -> bool:
        key = normalise_mnemonic(mnemonic)
        return any(ins.key == key for ins in self.instructions)

    def verdict(self) -> Verdict:
        return verdict(self.instructions)

    def with_instructions(self, instructions: tuple[Instruction, ...]) -> "ISA":
        """A variant of this ISA (the ISA-designer sandbox never mutates the catalogue)."""
        return replace(self, instructions=tuple(instructions))

    def field(self, name: str) -> StateField:
        for f in self.state:
            if f.name == name:
                return f
        raise KeyError(name)


def verdict(instructions: tuple[Instruction, ...] | list[Instruction]) -> Verdict:
    sensitive = tuple(i.mnemonic for i in instructions if i.sensitive)
    privileged = tuple(i.mnemonic for i in instructions if i.privileged)
    critical = tuple(i.mnemonic for i in instructions if i.critical)
    return Verdict(not critical, sensitive, privileged, critical)


def normalise_mnemonic(text: str) -> str:
    return " ".join(text.upper().split())


# --------------------------------------------------------------------------- loading

def _effect(r: Reader, state_names: set[str]) -> Effect:
    writes = {str(k): str(v) for k, v in r.table("writes", default={}).items()}
    reads = tuple(r.str_list("reads", default=[]))
    push = r.str("push", default="") or None
    pop = r.str("pop", default="") or None
    eff = Effect(MappingProxyType(writes), reads, push, pop)
    unknown = eff.fields - state_names
    if unknown:
        r.fail(f"names state field(s) {sorted(unknown)} that are not declared in [state]")
    return eff


def _instruction(r: Reader, state_names: set[str]) -> Instruction:
    ins = Instruction(
        mnemonic=r.str("mnemonic"),
        privileged=r.bool("privileged"),
        control_sensitive=r.bool("control_sensitive"),
        behaviour_sensitive=r.bool("behaviour_sensitive"),
        why=r.str("why"),
        group=r.str("group", default=""),
        source=r.str("source", default=""),
        emulation=r.str("emulation", default=""),
        effect=_effect(r.sub("effect", default={}), state_names),
    )
    if ins.privileged and not ins.emulation:
        r.fail("a privileged instruction needs an 'emulation' text: what the VMM does when it traps")
    return ins


def parse_isa(data: Mapping[str, Any], origin: str) -> ISA:
    root = Reader(data, origin)
    head = root.sub("isa")
    state_table = root.table("state")
    state: list[StateField] = []
    for name in state_table:
        fr = root.sub("state").sub(name)
        state.append(StateField(name, fr.str("guest"), fr.str("host"), fr.str("doc")))
    names = {f.name for f in state}
    mode_field = head.str("mode_field")
    if mode_field not in names:
        head.fail(f"mode_field {mode_field!r} is not declared in [state]")
    claim = head.get("lecture_claim", default=None)
    if claim is not None and not isinstance(claim, bool):
        head.fail("'lecture_claim' must be true or false when given")
    instructions = tuple(_instruction(r, names) for r in root.subs("instruction"))
    root.unique((ins.key for ins in instructions), "instruction")
    return ISA(
        id=head.str("id"),
        name=head.str("name"),
        system_mode=head.str("system_mode"),
        user_mode=head.str("user_mode"),
        mode_field=mode_field,
        system_value=head.str("system_value"),
        user_value=head.str("user_value"),
        deprivileged_value=head.str("deprivileged_value"),
        summary=head.str("summary"),
        lecture_claim=claim,
        source=head.str("source"),
        counting_note=head.str("counting_note", default=""),
        deprivileged_mode=head.str("deprivileged_mode", default=""),
        instructions=instructions,
        state=tuple(state),
    )


def load_isa(path: Path) -> ISA:
    return parse_isa(load_toml(path), path.name)


def load_catalogue(folder: Path) -> dict[str, ISA]:
    """Every ISA file in a folder, keyed by id, in file-name order."""
    isas: dict[str, ISA] = {}
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise LessonError(f"{folder}: no ISA files (*.toml) found")
    for path in files:
        isa = load_isa(path)
        if isa.id in isas:
            raise LessonError(f"{path.name}: ISA id {isa.id!r} is used by another file too")
        isas[isa.id] = isa
    return isas


class DesignError(ValueError):
    """An edited instruction table that cannot be an ISA; the message says which row and why."""


def design_from_rows(base: ISA, rows: list[Mapping[str, Any]]) -> ISA:
    """An ISA variant from edited table rows (mnemonic and the three attributes).

    Rows keep the catalogue's text for instructions they still name; new rows get a
    placeholder explanation. Raises DesignError for empty or duplicate names.
    """
    known = {ins.key: ins for ins in base.instructions}
    out: list[Instruction] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        name = str(row.get("Instruction") or "").strip()
        if not name:
            raise DesignError(f"row {n}: the instruction needs a name")
        if len(name) > 40:
            raise DesignError(f"row {n}: '{name[:40]}…' is longer than 40 characters")
        if not name.isprintable():
            bad = next(c for c in name if not c.isprintable())
            raise DesignError(f"row {n}: the name holds an invisible character ({bad!r}, U+{ord(bad):04X}); "
                              "use letters, digits and punctuation")
        key = normalise_mnemonic(name)
        if key in seen:
            raise DesignError(f"row {n}: '{name}' is listed twice")
        seen.add(key)
        flags = {attr: bool(row.get(label)) for attr, label in zip(ATTRIBUTES, ATTRIBUTE_LABELS)}
        old = known.get(key)
        if old is not None:
            out.append(replace(old, **flags))
        else:
            out.append(Instruction(name, why="Added in the ISA designer.", group="Designer", **flags))
    if not out:
        raise DesignError("the ISA has no instructions: add at least one row")
    return base.with_instructions(tuple(out))


ATTRIBUTE_LABELS = ("Privileged", "Control-sensitive", "Behaviour-sensitive")


def design_rows(isa: ISA) -> list[dict[str, Any]]:
    """The editable table for an ISA: its instructions and their three attributes."""
    return [{"Instruction": i.mnemonic, **{label: getattr(i, attr) for attr, label in zip(ATTRIBUTES, ATTRIBUTE_LABELS)}}
            for i in isa.instructions]
