"""Guest machine code for the binary-translation lesson: read it, decode it, classify it.

A binary translator works on machine code, not on mnemonics, so whenever a listing carries
bytes they are decoded with capstone (the real x86 decoder) and capstone's reading wins; the
text is only checked against it. Plain Intel-syntax lines without bytes are accepted too, so a
student can type a program; they get pseudo-addresses (see :data:`PSEUDO_LENGTH`).

Classification maps each decoded instance onto the IA-32 catalogue (lessons/isas/20-ia32.toml).
The same mnemonic can land in different classes depending on its operands (``mov eax, ebx`` is
innocuous, ``mov ds, ax`` critical, ``mov cr3, eax`` privileged): that is why the lecture says
the replacement must be done at run time, on decoded instructions.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass
from functools import cache
from typing import Literal

import capstone
from capstone import x86_const

from engine.virtualizability.isa import ISA, Instruction, load_isa
from engine.core.lessons import LESSONS_DIR

OperandKind = Literal["gpr", "segment", "control", "debug", "other", "imm", "memory", "far"]
Kind = Literal["ident", "privileged", "critical", "control"]
KINDS: tuple[Kind, ...] = ("ident", "privileged", "critical", "control")

MAX_INSTRUCTIONS = 200  # keeps the animation and the translation-cache table readable
BASE_ADDRESS = 0x1000  # first address when the input gives none
# A line without machine code has no real length. It gets 4 bytes, so plain programs sit at
# 0x1000, 0x1004, 0x1008, ... (instruction index × 4); a hex jump target must use these addresses.
PSEUDO_LENGTH = 4

GPR32 = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp")
_GPR = set(GPR32) | {"ax", "bx", "cx", "dx", "si", "di", "bp", "sp"} | {"al", "ah", "bl", "bh", "cl", "ch", "dl", "dh"}
_SEGMENT = {"cs", "ds", "es", "fs", "gs", "ss"}
_CONTROL = {"cr0", "cr2", "cr3", "cr4", "cr8"}
_DEBUG = {f"dr{n}" for n in range(8)}

# Spellings that name the same instruction (assemblers, objdump and capstone differ).
ALIASES = {
    "jz": "je", "jnz": "jne", "jc": "jb", "jnae": "jb", "jnb": "jae", "jnc": "jae", "jna": "jbe", "jnbe": "ja",
    "jnge": "jl", "jnl": "jge", "jng": "jle", "jnle": "jg", "jpe": "jp", "jpo": "jnp", "loopz": "loope",
    "loopnz": "loopne", "lret": "retf", "retn": "ret", "sal": "shl", "repz": "repe", "repnz": "repne",
    "pushfd": "pushf", "popfd": "popf", "sgdtd": "sgdt", "sidtd": "sidt", "iret": "iretd",
}
_PREFIXES = {"lock", "rep", "repe", "repz", "repne", "repnz"}
_MNEMONICS = frozenset(
    name[len("X86_INS_"):].lower() for name in dir(x86_const)
    if name.startswith("X86_INS_") and name not in ("X86_INS_INVALID", "X86_INS_ENDING")
) | frozenset(ALIASES)

JCC = frozenset({"je", "jne", "jb", "jae", "jbe", "ja", "jl", "jge", "jle", "jg", "js", "jns", "jo", "jno", "jp", "jnp"})
LOOPS = frozenset({"loop", "loope", "loopne", "jecxz", "jcxz"})
NEAR_CONTROL = JCC | LOOPS | {"jmp", "call", "ret"}
_BRANCHY = NEAR_CONTROL | {a for a in ALIASES if a.startswith(("j", "loop"))}  # spellings of branches


class AsmError(ValueError):
    """The guest code cannot be read; the message names the line and what is wrong."""


@dataclass(frozen=True)
class Operand:
    """One operand: its text, its kind, and (for registers / numbers) what it names."""

    text: str
    kind: OperandKind
    reg: str | None = None  # lower-case register name for register operands
    value: int | None = None  # immediate value, jump target, or far pointer offset


@dataclass(frozen=True)
class Insn:
    """One guest instruction at its guest address."""

    address: int
    mnemonic: str  # lower case; capstone's spelling when the line had bytes (prefixes included, e.g. "rep stosd")
    operands: tuple[Operand, ...]
    size: int  # bytes, or PSEUDO_LENGTH for a line without machine code
    line: int  # line in the user's text, for messages
    source: str  # the line as written
    raw: bytes | None = None  # machine code, when given
    far: bool = False  # far transfer (selector:offset or m16:32 operand, retf)

    @property
    def base(self) -> str:
        """The mnemonic without prefixes, in one canonical spelling (jnz → jne)."""
        word = self.mnemonic.split()[-1]
        return ALIASES.get(word, word)

    @property
    def op_text(self) -> str:
        return ", ".join(o.text for o in self.operands)

    @property
    def kinds(self) -> tuple[OperandKind, ...]:
        return tuple(o.kind for o in self.operands)

    @property
    def text(self) -> str:
        return f"{self.mnemonic} {self.op_text}".strip()

    @property
    def end(self) -> int:
        """The address right after this instruction (the fall-through)."""
        return self.address + self.size


# --------------------------------------------------------------------------- reading text

_COMMENT = re.compile(r"[#;].*$")
_ADDRESS = re.compile(r"^((?:0x)?[0-9a-fA-F]+):(?=\s|$)")
_LABEL = re.compile(r"^([A-Za-z_.$][\w.$@]*):(?=\s|$)")
_SYMBOL = re.compile(r"^([0-9a-fA-F]+)\s+<([^>]+)>:$")  # objdump: "00000033 <loop>:"
_SKIP = re.compile(r"^(Disassembly of section .*:|\S+:\s+file format .*)$")
_BYTE = re.compile(r"^[0-9a-fA-F]{2}$")
_ANNOTATION = re.compile(r"\s*<[^>]*>$")  # objdump: "jne 33 <loop>"
_SIZE_PTR = re.compile(r"^(byte|word|dword|qword|fword|tbyte|xmmword)\s+ptr\b", re.I)
_NUMBER = re.compile(r"^[-+]?(0x[0-9a-f]+|[0-9][0-9a-f]*h|\d+)$", re.I)
_IDENT = re.compile(r"^[A-Za-z_.$][\w.$@]*$")


@dataclass(frozen=True)
class _Line:
    """One instruction line before addresses and labels are resolved."""

    number: int
    source: str
    address: int | None
    raw: bytes
    text: str  # mnemonic and operands as written ("" when only bytes were given)
    annotated: bool  # objdump wrote "<symbol>" after a bare hex target


def _is_address(token: str) -> bool:
    """A hex token is an address if it has a digit or 0x ('401000:'), else a label ('beef:')."""
    return token.lower().startswith("0x") or any(c.isdigit() for c in token)


def parse_listing(text: str, base: int = BASE_ADDRESS) -> tuple[Insn, ...]:
    """Read objdump -d -M intel output or plain Intel-syntax lines (labels allowed).

    Bytes, when present, are decoded with capstone and must agree with the written mnemonic.
    Addresses come from the listing; otherwise each instruction follows the previous one
    (its decoded length, or PSEUDO_LENGTH without bytes), starting at ``base``.
    """
    lines: list[_Line] = []
    labels: dict[str, int] = {}  # objdump symbol lines give labels an address directly
    pending: list[tuple[str, int]] = []  # labels waiting for the next instruction
    label_at: dict[int, list[str]] = {}  # index into lines -> labels naming it
    for number, raw_line in enumerate(text.splitlines(), start=1):
        code = _COMMENT.sub("", raw_line).strip()
        if not code or _SKIP.match(code):
            continue
        symbol = _SYMBOL.match(code)
        if symbol:
            _add_label(labels, symbol.group(2), int(symbol.group(1), 16), number)
            continue
        address = None
        found = _ADDRESS.match(code)
        if found and _is_address(found.group(1)):
            address = int(found.group(1), 16)
            code = code[found.end():].strip()
        else:
            while (found := _LABEL.match(code)) is not None:
                pending.append((found.group(1), number))
                code = code[found.end():].strip()
        tokens = code.split()
        count = 0
        while count < len(tokens) and _BYTE.match(tokens[count]):
            count += 1
        raw = bytes.fromhex("".join(tokens[:count]))
        rest = " ".join(tokens[count:])
        if not raw and not rest:
            if address is not None:
                raise AsmError(f"line {number}: address {address:#x} is followed by no instruction")
            continue  # a label on its own line
        prev = lines[-1] if lines else None
        if (not rest and address is not None and prev is not None and prev.raw and prev.address is not None
                and prev.address + len(prev.raw) == address):
            # objdump wraps long instructions: "2e: 00 00 00" continues the previous line's bytes
            lines[-1] = _Line(prev.number, prev.source, prev.address, prev.raw + raw, prev.text, prev.annotated)
            continue
        annotated = bool(_ANNOTATION.search(rest))
        label_at.setdefault(len(lines), []).extend(name for name, _ in pending)
        pending = []
        lines.append(_Line(number, raw_line.strip(), address, raw, _ANNOTATION.sub("", rest), annotated))
        if len(lines) > MAX_INSTRUCTIONS:
            raise AsmError(f"line {number}: the program has more than {MAX_INSTRUCTIONS} instructions; "
                           "shorten it so the translation cache stays readable")
    if not lines:
        raise AsmError("the program is empty: write one instruction per line, for example 'mov eax, 1'")

    # pass 1: addresses (they must be known before labels can be resolved)
    addresses: list[int] = []
    sizes: list[int] = []
    next_address = base
    for ln in lines:
        address = next_address if ln.address is None else ln.address
        if addresses and address < next_address:
            raise AsmError(f"line {ln.number}: address {address:#x} overlaps or precedes the previous "
                           f"instruction, which ends at {next_address:#x}")
        addresses.append(address)
        sizes.append(len(ln.raw) or PSEUDO_LENGTH)
        next_address = address + sizes[-1]
    for index, names in label_at.items():
        for name in names:
            _add_label(labels, name, addresses[index], lines[index].number)
    for name, number in pending:  # labels after the last instruction name the end of the program
        _add_label(labels, name, next_address, number)

    # pass 2: instructions
    return tuple(_instruction(ln, address, labels) for ln, address in zip(lines, addresses))


def _add_label(labels: dict[str, int], name: str, address: int, number: int) -> None:
    if name in labels and labels[name] != address:
        raise AsmError(f"line {number}: label '{name}' is defined twice")
    labels[name] = address


def _instruction(ln: _Line, address: int, labels: dict[str, int]) -> Insn:
    if ln.raw:
        insn = _decode_one(ln.raw, address, ln.number, ln.source)
        if ln.text:
            words = ln.text.lower().split()
            n = 0
            while n < len(words) - 1 and words[n] in _PREFIXES:
                n += 1
            if not _same_mnemonic(" ".join(words[:n + 1]), insn.mnemonic):
                raise AsmError(f"line {ln.number}: the bytes {ln.raw.hex(' ')} decode as '{insn.text}', "
                               f"not '{ln.text}'")
        return insn
    return _from_text(ln, address, labels)


def _same_mnemonic(written: str, decoded: str) -> bool:
    """objdump and capstone spell some mnemonics differently (pushf/pushfd, sgdtd/sgdt, jmp/ljmp)."""
    far = {"ljmp": "jmp", "lcall": "call"}
    a = [ALIASES.get(w, far.get(w, w)) for w in written.split()]
    b = [ALIASES.get(w, far.get(w, w)) for w in decoded.split()]
    if len(a) != len(b):
        return False
    return all(x == y or x in (y + "b", y + "w", y + "d") or y in (x + "b", x + "w", x + "d") for x, y in zip(a, b))


def _split_operands(text: str, number: int) -> list[str]:
    """Split at commas outside brackets."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise AsmError(f"line {number}: ']' without a matching '[' in '{text}'")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if depth:
        raise AsmError(f"line {number}: '[' without a matching ']' in '{text}'")
    parts.append(current.strip())
    if any(not p for p in parts):
        raise AsmError(f"line {number}: an operand is empty in '{text}' (two commas, or a trailing comma?)")
    return parts


def _number(text: str, hex_default: bool) -> int:
    t = text.lower()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t.startswith("0x"):
        value = int(t, 16)
    elif t.endswith("h") or hex_default:
        value = int(t.rstrip("h"), 16)
    else:
        value = int(t, 10)
    return (sign * value) & 0xFFFFFFFF


def _register_kind(name: str) -> OperandKind | None:
    if name in _GPR:
        return "gpr"
    if name in _SEGMENT:
        return "segment"
    if name in _CONTROL:
        return "control"
    if name in _DEBUG:
        return "debug"
    return None


def _from_text(ln: _Line, address: int, labels: dict[str, int]) -> Insn:
    words = ln.text.split(None, 1)
    mnemonic = words[0].lower()
    rest = words[1] if len(words) > 1 else ""
    while mnemonic in _PREFIXES and rest:
        word, _, rest = rest.partition(" ")
        mnemonic = f"{mnemonic} {word.lower()}"
    for word in mnemonic.split():
        if word not in _MNEMONICS:
            close = difflib.get_close_matches(word, sorted(_MNEMONICS), n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise AsmError(f"line {ln.number}: '{word}' is not an x86 instruction.{hint}")
    far = mnemonic in ("ljmp", "lcall", "retf", "lret")
    operands: list[Operand] = []
    if rest.strip():
        for part in _split_operands(rest, ln.number):
            if part.lower().startswith("far "):  # "call far [ebx]": keep the word on screen, read the rest
                far = True
                op = _operand(part[4:].strip(), labels, ln, mnemonic)
                operands.append(Operand(part, op.kind, op.reg, op.value))
            else:
                operands.append(_operand(part, labels, ln, mnemonic))
    far = far or any(o.kind == "far" or o.text.lower().startswith("fword") for o in operands)
    return Insn(address, mnemonic, tuple(operands), PSEUDO_LENGTH, ln.number, ln.source, None, far)


def _operand(text: str, labels: dict[str, int], ln: _Line, mnemonic: str) -> Operand:
    low = text.lower()
    kind = _register_kind(low)
    if kind is not None:
        return Operand(low, kind, reg=low)
    if ":" in text and "[" not in text:
        sel, _, off = text.partition(":")
        if _NUMBER.match(sel.strip()) and _NUMBER.match(off.strip()):
            return Operand(text, "far", value=_number(off.strip(), False))
    if "[" in text or _SIZE_PTR.match(text) or re.match(r"^[c-gs]s:", low):
        return Operand(text, "memory")
    if _NUMBER.match(text):
        # objdump prints a branch target as bare hex followed by "<symbol>"
        return Operand(text, "imm", value=_number(text, ln.annotated and mnemonic.split()[-1] in _BRANCHY))
    if _IDENT.match(text):
        if text not in labels:
            known = f" (labels: {', '.join(sorted(labels))})" if labels else " (the program defines no labels)"
            raise AsmError(f"line {ln.number}: unknown label '{text}'{known}")
        return Operand(text, "imm", value=labels[text])
    raise AsmError(f"line {ln.number}: cannot read the operand '{text}'")



# --------------------------------------------------------------------------- machine code

def _decoder() -> capstone.Cs:
    """A fresh capstone handle per call: handles are not shared between app sessions/threads."""
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_32)
    md.detail = True
    return md


def _decode_one(raw: bytes, address: int, number: int, source: str) -> Insn:
    decoded = list(_decoder().disasm(raw, address, count=1))
    if not decoded:
        raise AsmError(f"line {number}: the bytes {raw.hex(' ')} do not decode as a 32-bit x86 instruction")
    ci = decoded[0]
    if ci.size != len(raw):
        raise AsmError(f"line {number}: the bytes {raw.hex(' ')} hold more than one instruction: "
                       f"the first, '{(ci.mnemonic + ' ' + ci.op_str).strip()}', is {ci.size} byte(s) long")
    return _from_capstone(ci, number, source)


def _from_capstone(ci: capstone.CsInsn, number: int, source: str) -> Insn:
    texts = _split_operands(ci.op_str, number) if ci.op_str else []
    operands: list[Operand] = []
    for op, text in zip(ci.operands, texts):
        if op.type == x86_const.X86_OP_REG:
            name = ci.reg_name(op.reg)
            operands.append(Operand(name, _register_kind(name) or "other", reg=name))
        elif op.type == x86_const.X86_OP_IMM:
            operands.append(Operand(text, "imm", value=op.imm & 0xFFFFFFFF))
        else:
            operands.append(Operand(text, "memory"))
    mnemonic = ci.mnemonic
    far = mnemonic in ("ljmp", "lcall", "retf")
    if far and len(ci.operands) == 2:  # ptr16:32 decodes as two immediates: show it as one far pointer
        selector, offset = (op.imm & 0xFFFFFFFF for op in ci.operands)
        operands = [Operand(f"{selector:#x}:{offset:#x}", "far", value=offset)]
    if ci.bytes[0] == 0xFF and (ci.modrm >> 3) & 7 in (3, 5):  # FF /3, FF /5: call/jmp m16:32
        far = True
        operands = [Operand("fword " + o.text if o.text.startswith("ptr") else o.text, o.kind) for o in operands]
    return Insn(ci.address, mnemonic, tuple(operands), ci.size, number, source, bytes(ci.bytes), far)


def parse_hex(text: str, base: int = BASE_ADDRESS) -> tuple[Insn, ...]:
    """Raw 32-bit machine code as hex digits (spaces, newlines, '#' comments allowed)."""
    digits: list[str] = []
    line_of: list[int] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        for ch in _COMMENT.sub("", raw_line):
            if ch.isspace():
                continue
            if ch not in string.hexdigits:
                raise AsmError(f"line {number}: '{ch}' is not a hex digit (write bytes like '9c fa 0f 01 00')")
            digits.append(ch)
            line_of.append(number)
    if not digits:
        raise AsmError("the machine code is empty: write bytes in hex, for example '9c fa 9d'")
    if len(digits) % 2:
        raise AsmError(f"the hex has an odd number of digits ({len(digits)}): every byte needs two")
    data = bytes.fromhex("".join(digits))
    md = _decoder()
    insns: list[Insn] = []
    offset = 0
    while offset < len(data):
        number = line_of[2 * offset]
        decoded = list(md.disasm(data[offset:], base + offset, count=1))
        if not decoded:
            preview = data[offset:offset + 4].hex(" ")
            raise AsmError(f"line {number}: the bytes at offset {offset} ({preview}) do not decode as a "
                           "32-bit x86 instruction (truncated or invalid)")
        ci = decoded[0]
        insns.append(_from_capstone(ci, number, bytes(ci.bytes).hex(" ")))
        if len(insns) > MAX_INSTRUCTIONS:
            raise AsmError(f"line {number}: the code has more than {MAX_INSTRUCTIONS} instructions; shorten it")
        offset += ci.size
    return tuple(insns)


# --------------------------------------------------------------------------- classification

@cache
def ia32() -> ISA:
    """The IA-32 catalogue the translator consults (read once; the ISA is immutable)."""
    return load_isa(LESSONS_DIR / "isas" / "20-ia32.toml")


@dataclass(frozen=True)
class Classification:
    """What the translator does with one instruction instance, and why."""

    kind: Kind
    form: str  # the catalogue form this instance is, e.g. "MOV Sreg" or "MOV r32, r32"
    entry: Instruction | None  # the catalogue entry; None when the catalogue does not list the form
    why: str


_OPERAND_NOTE = (" The class of {m} depends on its operands ('mov eax, ebx' is innocuous, 'mov ds, ax' critical, "
                 "'mov cr3, eax' privileged), so the translator can only decide when it decodes this very "
                 "instruction, at run time.")


def form_of(insn: Insn) -> str:
    """The catalogue form an instruction instance belongs to (operand-dependent for MOV/PUSH/POP)."""
    m, ops = insn.base, insn.operands
    if m == "mov" and len(ops) == 2:
        dst, src = ops
        if "segment" in insn.kinds:
            return "MOV Sreg"
        for reg_kind in ("control", "debug"):
            if dst.kind == reg_kind:
                return f"MOV {dst.reg.upper()}, r32"  # type: ignore[union-attr]
            if src.kind == reg_kind:
                return f"MOV r32, {src.reg.upper()}"  # type: ignore[union-attr]
        if dst.kind == src.kind == "gpr":
            return "MOV r32, r32"
    if m in ("push", "pop") and "segment" in insn.kinds:
        return f"{m.upper()} Sreg"
    if insn.far and m in ("jmp", "ljmp", "call", "lcall", "retf"):
        return {"jmp": "JMP far", "ljmp": "JMP far", "call": "CALL far", "lcall": "CALL far", "retf": "RET far"}[m]
    if m in ("int", "int1", "int3", "into"):
        return "INT n"
    if m in ("insb", "insw", "insd"):
        return "IN"
    if m in ("outsb", "outsw", "outsd"):
        return "OUT"
    return m.upper()


def classification(insn: Insn, isa: ISA) -> Classification:
    """Decide ident / privileged / critical / control for one decoded instruction."""
    form = form_of(insn)
    entry = isa.instruction(form) if isa.has(form) else None
    note = _OPERAND_NOTE.format(m=insn.base.upper()) if insn.base in ("mov", "push", "pop") else ""
    if entry is None and form.startswith("MOV") and ("control" in insn.kinds or "debug" in insn.kinds):
        return Classification("privileged", form, None,
                              f"{form}: MOV to or from a control or debug register is privileged (SDM Vol. 3A §5.9), "
                              "so it traps in the de-privileged guest kernel and the VMM emulates it."
                              + note)
    if entry is not None and entry.privileged:
        return Classification("privileged", form, entry,
                              f"{form} is privileged: the guest kernel really runs in ring 1, so it traps and the VMM "
                              f"emulates it; the translator leaves it in place. {entry.why}" + note)
    if entry is not None and entry.critical:
        return Classification("critical", form, entry,
                              f"{form} is critical (sensitive but not privileged): de-privileged it would not trap but "
                              "behave differently, so the translator replaces it with a call into the VMM, which "
                              f"emulates it on the virtual CPU. {entry.why}" + note)
    if insn.base in NEAR_CONTROL:
        return Classification("control", form, entry,
                              f"A near {insn.base} needs no privilege check, but its target is a guest address: the "
                              "translator rewrites it to go to the translated target in the translation cache "
                              "(or back to the translator if that target is not translated yet).")
    why = entry.why if entry is not None else "It is not in the catalogue's sensitive or privileged lists."
    return Classification("ident", form, entry,
                          f"{form} is innocuous: copied unchanged (IDENT) and run at native speed. {why}" + note)


def classify(insn: Insn, isa: ISA) -> Kind:
    """The translator's decision for one instruction (see :func:`classification` for the why)."""
    return classification(insn, isa).kind


__all__ = [
    "AsmError", "BASE_ADDRESS", "Classification", "GPR32", "Insn", "KINDS", "Kind", "MAX_INSTRUCTIONS", "Operand",
    "PSEUDO_LENGTH", "classification", "classify", "form_of", "ia32", "parse_hex", "parse_listing",
]
