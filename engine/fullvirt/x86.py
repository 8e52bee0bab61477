"""Guest machine code for the binary-translation lesson: read it, decode it, classify it.

A binary translator works on machine code, not on mnemonics, so whenever a listing carries
bytes they are decoded with capstone (the real x86 decoder) and capstone's reading wins; the
text is only checked against it, by meaning (objdump and capstone spell some instructions
differently). Plain Intel-syntax lines without bytes are accepted too, so a student can type a
program; they get pseudo-addresses (see :data:`PSEUDO_LENGTH`). The reader takes what students
paste: ``objdump -d -M intel`` (32- or 64-bit), NASM-style code (``bits``, ``org``, ``equ``,
``jmp $``), raw hex, ``xxd`` and ``hexdump -C``; it refuses AT&T syntax and ``objdump -S`` output
with a message that says which command to run instead.

Classification maps each decoded instance onto the IA-32 catalogue (lessons/isas/20-ia32.toml)
and the architecture manual's further lists (engine/fullvirt/x86_catalogue.py); an instruction
on no list is shown as "not in the catalogue", never silently as innocuous.
The same mnemonic can land in different classes depending on its operands (``mov eax, ebx`` is
innocuous, ``mov ds, ax`` critical, ``mov cr3, eax`` privileged): that is why the lecture says
the replacement must be done at run time, on decoded instructions.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

import capstone
from capstone import x86_const

from engine.virtualizability.isa import ISA, Instruction, load_isa
from engine.core.lessons import LESSONS_DIR
from engine.fullvirt import x86_catalogue as manual

OperandKind = Literal["gpr", "segment", "control", "debug", "other", "imm", "memory", "far", "symbol"]
Kind = Literal["ident", "privileged", "critical", "control"]
KINDS: tuple[Kind, ...] = ("ident", "privileged", "critical", "control")

MAX_INSTRUCTIONS = 200  # keeps the animation and the translation-cache table readable
BASE_ADDRESS = 0x1000  # first address when the input gives none
# A line without machine code has no real length. It gets 4 bytes, so plain programs sit at
# 0x1000, 0x1004, 0x1008, ... (instruction index × 4); a hex jump target must use these addresses.
PSEUDO_LENGTH = 4

GPR32 = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp")
GPR64 = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp")
_GPR = (set(GPR32) | set(GPR64) | {"ax", "bx", "cx", "dx", "si", "di", "bp", "sp"}
        | {"al", "ah", "bl", "bh", "cl", "ch", "dl", "dh", "sil", "dil", "bpl", "spl"}
        | {f"r{n}{w}" for n in range(8, 16) for w in ("", "d", "w", "b")})
_SEGMENT = {"cs", "ds", "es", "fs", "gs", "ss"}
_CONTROL = {f"cr{n}" for n in range(16)}
_DEBUG = {f"dr{n}" for n in range(16)}

# Spellings that name the same instruction (assemblers, objdump and capstone differ).
ALIASES = {
    "jz": "je", "jnz": "jne", "jc": "jb", "jnae": "jb", "jnb": "jae", "jnc": "jae", "jna": "jbe", "jnbe": "ja",
    "jnge": "jl", "jnl": "jge", "jng": "jle", "jnle": "jg", "jpe": "jp", "jpo": "jnp", "loopz": "loope",
    "loopnz": "loopne", "lret": "retf", "retn": "ret", "sal": "shl", "repz": "repe", "repnz": "repne",
    "pushfd": "pushf", "popfd": "popf", "sgdtd": "sgdt", "sidtd": "sidt", "iret": "iretd",
    "pushfq": "pushf", "popfq": "popf", "iretq": "iretd", "retfq": "retf", "sysretq": "sysret", "sysexitq": "sysexit",
    "jrcxz": "jecxz", "sgdtq": "sgdt", "sidtq": "sidt",
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
    bits: int = 32  # 32: IA-32 code, 64: x86-64 code (decoded in capstone's 64-bit mode)
    groups: frozenset[str] = frozenset()  # capstone's instruction groups ("jump", "call", ...), when decoded

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
_SKIP = re.compile(r"^(Disassembly of section .*:|\S+:\s+file format .*|\.\.\.)$")
_RELOC = re.compile(r"^([0-9a-fA-F]+):\s+(R_[0-9A-Z_]+)\s+(\S+)")  # objdump -r: "   3: R_386_PC32	helper"
_BYTE = re.compile(r"^[0-9a-fA-F]{2}$")
_ANNOTATION = re.compile(r"\s*<[^>]*>$")  # objdump: "jne 33 <loop>"
_SIZE_PTR = re.compile(r"^(byte|word|dword|qword|fword|tbyte|xmmword)\s+ptr\b", re.I)
_NUMBER = re.compile(r"^[-+]?(0x[0-9a-f]+|[0-9][0-9a-f]*h|\d+)$", re.I)
_IDENT = re.compile(r"^[A-Za-z_.$][\w.$@]*$")
_OTHER_REGISTER = re.compile(r"^(st(\(\d\))?|mm\d|[xyz]mm\d{1,2}|k\d)$")
# objdump -d: an address, then the instruction's bytes ("   c:\t0f 20 e0 \tmov eax,cr4")
_OBJDUMP_LINE = re.compile(r"^\s*[0-9a-fA-F]+:\s+[0-9a-fA-F]{2}(\s|$)")
_FILE_FORMAT = re.compile(r"file format\s+(\S+)")
_BITS = re.compile(r"^\[?\s*bits\s+(\d+)\s*\]?$|^use(16|32|64)$|^\.code(16|32|64)$", re.I)
_REG64 = re.compile(r"\b(r[abcd]x|r[sd]i|r[sb]p|r(?:8|9|1[0-5])[dwb]?|rip)\b", re.I)
_ATT = re.compile(r"%[a-z]{2,3}\b|\$(?:0x[0-9a-f]|\d|-)|\(%", re.I)
_DATA = frozenset({"db", "dw", "dd", "dq", "dt", "do", "dy", "resb", "resw", "resd", "resq", "times", "incbin",
                   ".byte", ".word", ".short", ".long", ".int", ".quad", ".ascii", ".asciz", ".string", ".zero",
                   ".fill", ".space", ".skip"})
_NASM_IGNORED = frozenset({"section", "segment", "global", "extern", "default", "align", "alignb", "cpu"})

INTEL_OBJDUMP = "objdump -d -M intel FILE"
AT_T_HELP = (f"The reader wants Intel syntax: run `{INTEL_OBJDUMP}` and paste its output "
             "(in gdb: `set disassembly-flavor intel`).")


def _quote(text: str, limit: int = 50) -> str:
    """A line echoed in a message, short enough that the advice after it is still shown."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


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


def detect_bits(text: str) -> tuple[int, str]:
    """Whether a listing is 32-bit (IA-32) or 64-bit (x86-64) code, and what shows it.

    Evidence, strongest first: objdump's "file format" line, an assembler directive (NASM
    ``[bits 64]``, ``use64``, gas ``.code64``), a 64-bit register named in the text, or a REX prefix
    byte (0x40-0x4f) in front of an instruction objdump did not print as inc/dec.
    """
    for raw_line in text.splitlines():
        found = _FILE_FORMAT.search(raw_line)
        if found:
            fmt = found.group(1)
            if "64" in fmt and "x86-64" in fmt or fmt.startswith(("elf64", "pei-x86-64", "pe-x86-64")):
                return 64, f"objdump says 'file format {fmt}'"
            return 32, f"objdump says 'file format {fmt}'"
    for raw_line in text.splitlines():
        code = _COMMENT.sub("", raw_line).strip()
        found = _BITS.match(code)
        if found:
            n = int(next(g for g in found.groups() if g))
            return n, f"the code says '{code}'"
    for number, raw_line in enumerate(text.splitlines(), start=1):
        code = _COMMENT.sub("", raw_line)
        found = _REG64.search(code.split(":", 1)[-1] if _OBJDUMP_LINE.match(code) else code)
        if found:
            return 64, f"line {number} names the 64-bit register '{found.group(1).lower()}'"
        if _OBJDUMP_LINE.match(code):
            rest = code.split(":", 1)[1].split()
            if rest and 0x40 <= int(rest[0], 16) <= 0x4F and len(rest) > 1 and _BYTE.match(rest[1]):
                words = [w for w in rest if not _BYTE.match(w)]
                if words and words[0].lower() not in ("inc", "dec"):
                    return 64, f"line {number} starts with the REX prefix {rest[0].lower()}"
    return 32, "nothing in it says 64-bit, so it is read as 32-bit IA-32 code"


def parse_listing(text: str, base: int = BASE_ADDRESS, bits: int | None = None) -> tuple[Insn, ...]:
    """Read objdump -d -M intel output, NASM-style or plain Intel-syntax lines (labels allowed).

    Bytes, when present, are decoded with capstone and must agree with the written mnemonic.
    Addresses come from the listing; otherwise each instruction follows the previous one
    (its decoded length, or PSEUDO_LENGTH without bytes), starting at ``base`` (or a NASM ``org``).
    ``bits`` is 32 or 64; ``None`` detects it (:func:`detect_bits`).
    """
    if bits is None:
        bits = detect_bits(text)[0]
    if bits not in (32, 64):
        raise AsmError(f"the code is {bits}-bit; the reader decodes 32-bit (IA-32) and 64-bit (x86-64) code: "
                       "assemble it with 'bits 32' (or 'bits 64')")
    for number, line in enumerate(text.splitlines(), start=1):
        if _XXD_WORDS.match(line.strip()) or _HEXDUMP_C.match(line.rstrip()):
            raise AsmError(f"line {number}: this looks like `xxd` or `hexdump -C` output, which is machine code: "
                           "choose the format 'machine code (hex)'")
    objdump_like = any(_OBJDUMP_LINE.match(line) or _SYMBOL.match(line.strip()) for line in text.splitlines())
    lines: list[_Line] = []
    labels: dict[str, int] = {}  # objdump symbol lines give labels an address directly; NASM equ gives constants
    constants: set[str] = set()
    pending: list[tuple[str, int]] = []  # labels waiting for the next instruction
    label_at: dict[int, list[str]] = {}  # index into lines -> labels naming it
    external: dict[int, str] = {}  # index into lines -> the outside function objdump -r names for its call/jmp
    for number, raw_line in enumerate(text.splitlines(), start=1):
        _refuse_foreign(raw_line, number, objdump_like)
        code = _COMMENT.sub("", raw_line).strip()
        reloc = _RELOC.match(code)
        if reloc:
            prev = lines[-1] if lines else None
            at = int(reloc.group(1), 16)
            if (prev is not None and prev.address is not None and prev.address <= at < prev.address + len(prev.raw)
                    and ("PC32" in reloc.group(2) or "PLT32" in reloc.group(2))):
                external[len(lines) - 1] = re.sub(r"[-+]0x[0-9a-fA-F]+$", "", reloc.group(3))  # "panic-0x4"
            continue
        if not code or _SKIP.match(code) or _BITS.match(code):
            continue
        symbol = _SYMBOL.match(code)
        if symbol:
            _add_label(labels, symbol.group(2), int(symbol.group(1), 16), number)
            continue
        address = None
        found = _ADDRESS.match(code)
        after = code[found.end():].split() if found else []
        if found and (_is_address(found.group(1)) or (objdump_like and after and _BYTE.match(after[0]))):
            # objdump prints addresses without 0x, so "   c:" is an address when bytes follow it
            address = int(found.group(1), 16)
            code = code[found.end():].strip()
        else:
            while (found := _LABEL.match(code)) is not None:
                pending.append((found.group(1), number))
                code = code[found.end():].strip()
        tokens = code.split()
        if not tokens:
            if address is not None:
                raise AsmError(f"line {number}: address {address:#x} is followed by no instruction")
            continue  # a label on its own line
        directive = None if address is not None else _directive(tokens, number, pending, labels, constants,
                                                                  bool(lines))
        if directive is not None:
            if directive >= 0:
                base = directive
            continue
        if objdump_like and address is None:
            raise AsmError(f"line {number}: '{_quote(raw_line)}' is neither an objdump instruction line nor a "
                           "label: it looks like source code that `objdump -S` (or `-l`) interleaves. Paste the "
                           f"output of `{INTEL_OBJDUMP}` without -S and -l.")
        count = 0
        while count < len(tokens) and _BYTE.match(tokens[count]):
            count += 1
        raw = bytes.fromhex("".join(tokens[:count]))
        rest = " ".join(tokens[count:])
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
    program = [_instruction(ln, address, labels, bits, addresses[0]) for ln, address in zip(lines, addresses)]
    for index, name in external.items():
        insn = program[index]
        if insn.base in ("call", "jmp") and insn.kinds == ("imm",):  # an unlinked call: its target is a symbol
            program[index] = replace(insn, operands=(Operand(name, "symbol"),))
    return tuple(program)


def _refuse_foreign(raw_line: str, number: int, objdump_like: bool) -> None:
    """AT&T syntax and NASM's preprocessor look like Intel lines but are not: say so and what to do."""
    code = _COMMENT.sub("", raw_line) if not raw_line.lstrip().startswith("%") else raw_line
    text = code.split(":", 1)[1] if objdump_like and _OBJDUMP_LINE.match(code) else code
    if raw_line.lstrip().startswith("%"):
        word = raw_line.split()[0]
        raise AsmError(f"line {number}: '{word}' is a NASM preprocessor line, which the reader does not expand: "
                       "write constants as 'NAME equ VALUE' and paste the code without macros")
    if _ATT.search(text) or code.strip().lower() == ".att_syntax":
        raise AsmError(f"line {number}: '{_quote(raw_line)}' is AT&T syntax ('%' before registers, '$' before "
                       f"numbers). {AT_T_HELP}")


def _directive(tokens: list[str], number: int, pending: list[tuple[str, int]], labels: dict[str, int],
               constants: set[str], started: bool) -> int | None:
    """NASM/gas directives: None if the line is an instruction, the new base for 'org', or -1 when it is skipped."""
    word = tokens[0].lower()
    second = tokens[1].lower() if len(tokens) > 1 else ""
    if (word in _DATA and not all(_BYTE.match(t) for t in tokens[:2])) or second in _DATA:
        what = word if word in _DATA else second
        raise AsmError(f"line {number}: '{what}' puts data into the code, not an instruction; the reader reads "
                       "instructions only: delete the line (keep data out of the pasted code)")
    if second == "equ" or (word == "equ" and pending):
        name = tokens[0] if second == "equ" else pending.pop()[0]
        value_text = " ".join(tokens[2:] if second == "equ" else tokens[1:])
        if _NUMBER.match(value_text):
            value = _number(value_text, False, number)
        elif value_text in labels and value_text in constants:
            value = labels[value_text]
        else:
            raise AsmError(f"line {number}: '{name} equ {value_text}': equ needs a number or an earlier constant "
                           "(for example 'PORT equ 0x80'); write the value out")
        _add_label(labels, name, value, number)
        constants.add(name)
        return -1
    if word == "org":
        if started:
            raise AsmError(f"line {number}: 'org' must come before the first instruction")
        if len(tokens) != 2 or not _NUMBER.match(tokens[1]):
            raise AsmError(f"line {number}: 'org' needs one address, for example 'org 0x7c00'")
        return _number(tokens[1], False, number)
    if word in _NASM_IGNORED or (word.startswith(".") and len(tokens) >= 1 and not word.endswith(":")
                                 and word not in (".", "..")):
        return -1  # section, global, extern, .text, .globl, .intel_syntax ...: nothing to run
    return None


def _add_label(labels: dict[str, int], name: str, address: int, number: int) -> None:
    if name in labels and labels[name] != address:
        raise AsmError(f"line {number}: label '{name}' is defined twice")
    labels[name] = address


def _instruction(ln: _Line, address: int, labels: dict[str, int], bits: int, start: int) -> Insn:
    if bits == 32 and (wide := _REG64.search(ln.text)):
        raise AsmError(f"line {ln.number}: '{wide.group(1).lower()}' is a 64-bit register, but the code is read as "
                       "32-bit IA-32 code: choose 64-bit (x86-64) mode, or let the reader detect it")
    if ln.raw:
        insn = _decode_one(ln.raw, address, ln.number, ln.source, bits)
        if ln.text and not _same_mnemonic(ln.text, insn):
            raise AsmError(f"line {ln.number}: the bytes {ln.raw.hex(' ')} decode as '{insn.text}', but the line "
                           f"says '{ln.text}'. The bytes decide: check that they belong to this line, or delete "
                           "the text and keep the bytes")
        return insn
    return _from_text(ln, address, labels, bits, start)


# Prefixes objdump and capstone print as words before the mnemonic.
_PREFIX_WORDS = frozenset({"lock", "rep", "repe", "repz", "repne", "repnz", "data16", "data32", "addr16", "addr32",
                           "addr32", "notrack", "bnd", "cs", "ds", "es", "fs", "gs", "ss", "xacquire", "xrelease",
                           "rex", "rex.w", "rex.b", "rex.r", "rex.x", "rex.wb", "rex.wr", "rex.wx"})
_CC = {"z": "e", "nz": "ne", "c": "b", "nae": "b", "nb": "ae", "nc": "ae", "na": "be", "nbe": "a", "nge": "l",
       "nl": "ge", "ng": "le", "nle": "g", "pe": "p", "po": "np"}
# objdump's spelling -> capstone's, when they name the same instruction with different words
_EQUIVALENT = {"pusha": "pushal", "popa": "popal", "pushad": "pushal", "popad": "popal", "fwait": "wait",
               "ljmp": "jmp", "lcall": "call", "retf": "ret", "lret": "ret", "retfq": "ret", "iret": "iretd",
               "iretq": "iretd", "cwtl": "cwde", "cltd": "cdq", "sysretq": "sysret", "sysexitq": "sysexit"}


def _canonical(word: str) -> str:
    word = ALIASES.get(word, word)
    word = _EQUIVALENT.get(word, word)
    for stem in ("j", "set", "cmov"):
        if word.startswith(stem) and word[len(stem):] in _CC:
            return stem + _CC[word[len(stem):]]
    return word


def _same_mnemonic(written: str, insn: Insn) -> bool:
    """Same instruction by meaning, not spelling: prefixes aside, the written mnemonic names what the bytes decode to.

    objdump and capstone differ (pushf/pushfd, sgdtd/sgdt, jmp/ljmp, pusha/pushal, jz/je) and objdump
    prints padding as ``xchg ax,ax`` or ``data16 cs nop`` where capstone says nop.
    """
    words = [w for w in written.lower().replace(",", " ").split()]
    i = 0
    while i < len(words) - 1 and words[i] in _PREFIX_WORDS:
        i += 1
    a = _canonical(words[i]) if words else ""
    decoded = [w for w in insn.mnemonic.split() if w not in _PREFIX_WORDS]
    b = _canonical(decoded[-1]) if decoded else _canonical(insn.mnemonic.split()[-1])
    if a == b:
        return True
    if a == "xchg" and b == "nop":  # 66 90 / 90: objdump "xchg ax,ax", capstone "nop"
        return True
    suffixes = ("b", "w", "d", "l", "q")
    return any(a == b + s or b == a + s for s in suffixes)


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


def _number(text: str, hex_default: bool, line: int, mask: int = 0xFFFFFFFF) -> int:
    """``text`` (decimal, ``0x…`` or ``…h`` hex, optionally signed) as an unsigned value of ``mask``'s width.

    Raises AsmError naming ``line`` when the text is no number or does not fit in the operand (a silent cut to 32 bits
    would run another program than the one typed)."""
    t = text.lower()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    hexadecimal = t.startswith("0x") or t.endswith("h") or hex_default
    digits = t.removeprefix("0x").rstrip("h") if hexadecimal else t
    if len(digits) > 20:  # longer than any 64-bit value in either base; int() of thousands of digits is refused anyway
        raise AsmError(f"line {line}: the number '{_quote(text)}' has {len(digits):,} digits; an operand holds at most "
                       f"{mask.bit_length()} bits: write a shorter number")
    try:
        value = int(digits, 16 if hexadecimal else 10)
    except ValueError:
        raise AsmError(f"line {line}: '{_quote(text)}' is not a number (write decimal, 0x… or …h hex)") from None
    if value > mask or (sign < 0 and value > (mask >> 1) + 1):
        raise AsmError(f"line {line}: {text} does not fit in a {mask.bit_length()}-bit operand: write a smaller number")
    return (sign * value) & mask


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


def _from_text(ln: _Line, address: int, labels: dict[str, int], bits: int = 32, start: int = BASE_ADDRESS) -> Insn:
    words = ln.text.split(None, 1)
    mnemonic = words[0].lower()
    rest = words[1] if len(words) > 1 else ""
    while mnemonic.split()[-1] in _PREFIX_WORDS and rest:
        word, _, rest = rest.partition(" ")
        mnemonic = f"{mnemonic} {word.lower()}"
    for word in mnemonic.split():
        if word not in _MNEMONICS and word not in _PREFIX_WORDS:
            close = difflib.get_close_matches(word, sorted(_MNEMONICS), n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise AsmError(f"line {ln.number}: '{word}' is not an x86 instruction.{hint}")
    far = mnemonic.split()[-1] in ("ljmp", "lcall", "retf", "lret")
    operands: list[Operand] = []
    if rest.strip():
        for part in _split_operands(rest, ln.number):
            low = part.lower()
            for keyword in ("short ", "near "):  # NASM: "jmp short done"
                if low.startswith(keyword):
                    part, low = part[len(keyword):].strip(), low[len(keyword):].strip()
            if low.startswith("far "):  # "call far [ebx]": keep the word on screen, read the rest
                far = True
                op = _operand(part[4:].strip(), labels, ln, mnemonic, address, start, bits)
                operands.append(Operand(part, op.kind, op.reg, op.value))
            else:
                operands.append(_operand(part, labels, ln, mnemonic, address, start, bits))
    far = far or any(o.kind == "far" or o.text.lower().startswith("fword") for o in operands)
    return Insn(address, mnemonic, tuple(operands), PSEUDO_LENGTH, ln.number, ln.source, None, far, bits=bits)


def _operand(text: str, labels: dict[str, int], ln: _Line, mnemonic: str, address: int = 0,
             start: int = BASE_ADDRESS, bits: int = 32) -> Operand:
    low = text.lower()
    mask = (1 << bits) - 1
    kind = _register_kind(low)
    if kind is not None:
        return Operand(low, kind, reg=low)
    if _OTHER_REGISTER.match(low):  # x87, MMX, SSE, AVX and mask registers: no modelled effect
        return Operand(low, "other", reg=low)
    if ":" in text and "[" not in text:
        sel, _, off = (t.strip() for t in text.partition(":"))
        if _NUMBER.match(sel) and _NUMBER.match(off):
            return Operand(text, "far", value=_number(off, False, ln.number, mask))
        if _NUMBER.match(sel) and _IDENT.match(off):  # "jmp 0x08:next": a far jump to a label
            if off not in labels:
                raise AsmError(f"line {ln.number}: unknown label '{off}' in the far pointer '{text}'")
            return Operand(text, "far", value=labels[off])
    if "[" in text or _SIZE_PTR.match(text) or re.match(r"^[c-gs]s:", low):
        return Operand(text, "memory")
    if text == "$":  # NASM: the address of this instruction ("jmp $" loops forever)
        return Operand(text, "imm", value=address)
    if text == "$$":  # NASM: the start of the section
        return Operand(text, "imm", value=start)
    if _NUMBER.match(text):
        # objdump prints a branch target as bare hex followed by "<symbol>"
        return Operand(text, "imm", value=_number(text, ln.annotated and mnemonic.split()[-1] in _BRANCHY, ln.number, mask))
    if _IDENT.match(text):
        if text not in labels and mnemonic.split()[-1] in ("call", "jmp"):
            # "call helper": a function outside the listing; the run ends there ("control leaves the listing")
            return Operand(text, "symbol")
        if text not in labels:
            known = f" (labels: {', '.join(sorted(labels))})" if labels else " (the program defines no labels)"
            raise AsmError(f"line {ln.number}: unknown label '{text}'{known}")
        return Operand(text, "imm", value=labels[text])
    raise AsmError(f"line {ln.number}: cannot read the operand '{text}'")



# --------------------------------------------------------------------------- machine code

def _decoder(bits: int = 32) -> capstone.Cs:
    """A fresh capstone handle per call: handles are not shared between app sessions/threads."""
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if bits == 64 else capstone.CS_MODE_32)
    md.detail = True
    return md


def _arch(bits: int) -> str:
    return "64-bit x86-64" if bits == 64 else "32-bit x86"


def _decode_one(raw: bytes, address: int, number: int, source: str, bits: int = 32) -> Insn:
    decoded = list(_decoder(bits).disasm(raw, address, count=1))
    if not decoded:
        raise AsmError(f"line {number}: the bytes {raw.hex(' ')} do not decode as a {_arch(bits)} instruction")
    ci = decoded[0]
    if ci.size != len(raw):
        raise AsmError(f"line {number}: the bytes {raw.hex(' ')} hold more than one instruction: "
                       f"the first, '{(ci.mnemonic + ' ' + ci.op_str).strip()}', is {ci.size} byte(s) long. "
                       "For raw machine code choose the format 'machine code (hex)'")
    return _from_capstone(ci, number, source, bits)


def _from_capstone(ci: capstone.CsInsn, number: int, source: str, bits: int = 32) -> Insn:
    mask = (1 << bits) - 1
    texts = _split_operands(ci.op_str, number) if ci.op_str else []
    operands: list[Operand] = []
    for op, text in zip(ci.operands, texts):
        if op.type == x86_const.X86_OP_REG:
            name = ci.reg_name(op.reg)
            operands.append(Operand(name, _register_kind(name) or "other", reg=name))
        elif op.type == x86_const.X86_OP_IMM:
            operands.append(Operand(text, "imm", value=op.imm & mask))
        else:
            operands.append(Operand(text, "memory"))
    mnemonic = ci.mnemonic
    far = mnemonic.split()[-1] in ("ljmp", "lcall", "retf", "retfq")
    if far and len(ci.operands) == 2:  # ptr16:32 decodes as two immediates: show it as one far pointer
        selector, offset = (op.imm & 0xFFFFFFFF for op in ci.operands)
        operands = [Operand(f"{selector:#x}:{offset:#x}", "far", value=offset)]
    opcode = [b for b in ci.opcode if b]
    if opcode[:1] == [0xFF] and (ci.modrm >> 3) & 7 in (3, 5):  # FF /3, FF /5: call/jmp m16:32
        far = True
        operands = [Operand("fword " + o.text if o.text.startswith("ptr") else o.text, o.kind) for o in operands]
    groups = frozenset(ci.group_name(g) for g in ci.groups)
    return Insn(ci.address, mnemonic, tuple(operands), ci.size, number, source, bytes(ci.bytes), far,
                bits=bits, groups=groups)


_XXD = re.compile(r"^([0-9a-fA-F]{4,16}):\s((?:[0-9a-fA-F]{2})+(?:\s(?:[0-9a-fA-F]{2})+)*)(?:\s{2,}.*)?$")
_HEXDUMP_C = re.compile(r"^([0-9a-fA-F]{8})\s\s((?:\s*[0-9a-fA-F]{2}){1,16})\s*(\|.*\|)?$")
_HEXDUMP_WORDS = re.compile(r"^[0-9a-fA-F]{7}(\s+[0-9a-fA-F]{4})+$")  # hexdump without -C: byte-swapped words
_XXD_WORDS = re.compile(r"^[0-9a-fA-F]{8}: (?:[0-9a-fA-F]{4} ){1,8}")  # xxd's default two-byte groups
_OFFSET_ONLY = re.compile(r"^[0-9a-fA-F]{7,16}$")


def _dump_line(line: str, number: int) -> str | None:
    """The hex bytes of one ``xxd`` or ``hexdump -C`` line (offset and ASCII column dropped), else None."""
    stripped = line.strip()
    if stripped == "*":
        raise AsmError(f"line {number}: '*' means hexdump left out repeated lines; dump with `hexdump -C -v FILE` "
                       "so every byte is shown")
    found = _XXD.match(stripped)
    if found:
        return found.group(2)
    found = _HEXDUMP_C.match(line.rstrip())
    if found:
        return found.group(2)
    if _HEXDUMP_WORDS.match(stripped):
        raise AsmError(f"line {number}: this is `hexdump` without -C, which prints two-byte words in swapped byte "
                       "order; dump with `hexdump -C FILE` (or `xxd FILE`)")
    if _OFFSET_ONLY.match(stripped) and len(stripped) == 8:
        return ""  # hexdump's last line: only the length
    return None


def parse_hex(text: str, base: int = BASE_ADDRESS, bits: int = 32) -> tuple[Insn, ...]:
    """Raw machine code as hex digits (spaces, newlines, '#' comments), or ``xxd`` / ``hexdump -C`` output."""
    if bits not in (32, 64):
        raise AsmError(f"machine code is decoded as 32-bit or 64-bit code, not {bits}-bit")
    digits: list[str] = []
    line_of: list[int] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        dumped = _dump_line(raw_line, number)
        for ch in dumped if dumped is not None else _COMMENT.sub("", raw_line):
            if ch.isspace():
                continue
            if ch not in string.hexdigits:
                raise AsmError(f"line {number}: '{ch}' is not a hex digit: write bytes like '9c fa 0f 01 00', or "
                               "paste the output of `xxd FILE` or `hexdump -C FILE`")
            digits.append(ch)
            line_of.append(number)
    if not digits:
        raise AsmError("the machine code is empty: write bytes in hex, for example '9c fa 9d'")
    if len(digits) % 2:
        raise AsmError(f"the hex has an odd number of digits ({len(digits)}): every byte needs two")
    data = bytes.fromhex("".join(digits))
    md = _decoder(bits)
    insns: list[Insn] = []
    offset = 0
    while offset < len(data):
        number = line_of[2 * offset]
        decoded = list(md.disasm(data[offset:], base + offset, count=1))
        if not decoded:
            preview = data[offset:offset + 4].hex(" ")
            raise AsmError(f"line {number}: the bytes at offset {offset} ({preview}) do not decode as a "
                           f"{_arch(bits)} instruction (truncated or invalid)")
        ci = decoded[0]
        insns.append(_from_capstone(ci, number, bytes(ci.bytes).hex(" "), bits))
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
    transfer: bool = False  # transfers control: the translation unit ends after it
    listed: bool = True  # False: on none of the lists (the catalogue, the manual's privileged/critical lists)
    source: str = ""  # sources.toml id of the list that decided, when not the catalogue

    @property
    def label(self) -> str:
        """Short words for tables: what it is (and that it ends the unit)."""
        words = {"ident": "innocuous" if self.listed else "not in the catalogue", "privileged": "privileged",
                 "critical": "critical (sensitive, unprivileged)", "control": "control transfer"}[self.kind]
        if self.transfer and self.kind != "control":
            words += " + control transfer"
        return words


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
    if m == "iretd":
        return "IRET"
    return m.upper()


def is_transfer(insn: Insn) -> bool:
    """Does it transfer control (and so end a translation unit)? capstone's groups, plus the table for LOOP."""
    return bool(insn.groups & manual.TRANSFER_GROUPS) or insn.base in manual.TRANSFERS


def classification(insn: Insn, isa: ISA) -> Classification:
    """Decide ident / privileged / critical / control for one decoded instruction.

    The catalogue (``isa``) decides first, so an edited catalogue changes the decision; the
    manual's further lists (x86_catalogue) decide for forms the catalogue does not list.
    """
    form = form_of(insn)
    entry = isa.instruction(form) if isa.has(form) else None
    transfer = is_transfer(insn)
    ends = " It transfers control, so the translation unit ends after it." if transfer else ""
    note = _OPERAND_NOTE.format(m=insn.base.upper()) if insn.base in ("mov", "push", "pop") else ""
    if entry is None and form.startswith("MOV") and ("control" in insn.kinds or "debug" in insn.kinds):
        return Classification("privileged", form, None,
                              f"{form}: MOV to or from a control or debug register is privileged (SDM Vol. 3A §5.9), "
                              "so it traps in the de-privileged guest kernel and the VMM emulates it."
                              + note, transfer, True, "ia32-privileged")
    if entry is not None and entry.privileged:
        return Classification("privileged", form, entry,
                              f"{form} is privileged: the guest kernel really runs in ring 1, so it traps and the VMM "
                              f"emulates it; the translator leaves it in place. {entry.why}" + ends + note, transfer)
    if entry is not None and entry.critical:
        return Classification("critical", form, entry,
                              f"{form} is critical (sensitive but not privileged): de-privileged it would not trap but "
                              "behave differently, so the translator replaces it with a call into the VMM, which "
                              f"emulates it on the virtual CPU. {entry.why}" + ends + note, transfer)
    if entry is None and insn.base in manual.IOPL_SENSITIVE:
        return Classification("privileged", form, None,
                              f"{form} is IOPL-sensitive: with IOPL = 0 it raises #GP(0) outside ring 0, so it traps "
                              "and the VMM emulates it.", transfer, True, "ia32-iopl")
    if entry is None and insn.base in manual.PRIVILEGED:
        why, source = manual.PRIVILEGED[insn.base]
        return Classification("privileged", form, None,
                              f"{form} is privileged: {why} So it traps in the de-privileged guest kernel and the "
                              "VMM emulates it." + ends, transfer, True, source)
    if entry is None and insn.base in manual.CRITICAL:
        _, why, source = manual.CRITICAL[insn.base]
        return Classification("critical", form, None,
                              f"{form} is critical (sensitive but not privileged): {why} So the translator replaces "
                              "it with a call into the VMM.", transfer, True, source)
    if transfer:
        if insn.base in manual.LEAVES_LISTING:
            return Classification("control", form, entry,
                                  f"{form} transfers control without a privilege check in ring 1 here: "
                                  f"{manual.LEAVES_LISTING[insn.base]}, outside the listing, so the translation "
                                  "unit ends and the translator looks the target up when it runs.", True)
        return Classification("control", form, entry,
                              f"A near {insn.base} needs no privilege check, but its target is a guest address: the "
                              "translator rewrites it to go to the translated target in the translation cache "
                              "(or back to the translator if that target is not translated yet). The translation "
                              "unit ends here.", True)
    if entry is not None:
        return Classification("ident", form, entry,
                              f"{form} is innocuous: copied unchanged (IDENT) and run at native speed. {entry.why}" + note)
    if insn.base in manual.GENERAL_PURPOSE:
        return Classification("ident", form, None,
                              f"{form} is innocuous: a general-purpose instruction (SDM Vol. 1 §5.1) that uses only "
                              "general registers, arithmetic flags and memory the program owns, so it is copied "
                              "unchanged (IDENT) and runs at native speed." + note, False, True, "x86-general-purpose")
    return Classification("ident", form, None,
                          f"{form} is not in the catalogue: neither the SDM's privileged list, the IOPL-sensitive "
                          "ones nor Robin & Irvine's critical list name it, so the translator copies it unchanged "
                          "(IDENT), assuming it behaves the same in ring 1." + note, False, False)


def classify(insn: Insn, isa: ISA) -> Kind:
    """The translator's decision for one instruction (see :func:`classification` for the why)."""
    return classification(insn, isa).kind


def detect_note(bits: int) -> str:
    """What the app simplifies for the decoded mode (shown on the page)."""
    if bits == 64:
        # sources.toml: x86-64-dropped
        return ("Decoded as 64-bit x86-64 code. In 64-bit mode PUSH/POP of CS, DS, ES and SS, LDS and LES, direct "
                "far JMP and CALL, INTO and PUSHA/POPA no longer exist (they do not decode); the other critical "
                "instructions (SGDT, SIDT, SLDT, SMSW, STR, PUSHF/POPF, LAR, LSL, VERR, VERW, MOV Sreg, PUSH/POP FS "
                "and GS, far JMP/CALL through memory, RETF, IRETQ, INT n) remain, and SWAPGS and SYSRET are "
                "privileged. The app simplifies: it keeps IA-32's model of a guest kernel de-privileged to ring 1, "
                "and its interpreter models only the low 32 bits of RAX–RSP (R8–R15 have no modelled effect).")
    return "Decoded as 32-bit IA-32 code."


__all__ = [
    "AsmError", "BASE_ADDRESS", "Classification", "GPR32", "GPR64", "INTEL_OBJDUMP", "Insn", "KINDS", "Kind",
    "MAX_INSTRUCTIONS", "Operand", "PSEUDO_LENGTH", "classification", "classify", "detect_bits", "detect_note",
    "form_of", "ia32", "is_transfer", "parse_hex", "parse_listing",
]
