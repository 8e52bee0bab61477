"""Real assembler spellings mapped to the catalogue's instruction entries, for the trap-and-emulate editor.

Students paste what assemblers and disassemblers print (``pushfd``, ``mov cr3, eax``, ``in al, dx``,
``mcr p15, 0, r0, c2, c0, 0``, ``rd %psr, %l0``), while the catalogue (lessons/isas/*.toml) names one
entry per instruction or instruction form (``PUSHF``, ``MOV CR3, r32``, ``IN``, ``MCR p15 TTBR0``,
``RDPSR``). :func:`read_instruction` maps one to the other and says how, so the page can show
"you wrote → catalogue entry". The rules:

1. The catalogue's own spelling (any case, any spacing) is that entry.
2. An entry that is a bare mnemonic (``CLI``, ``LGDT``, ``IN``) matches that mnemonic with any operands:
   the operands do not change whether it is privileged or sensitive (``lgdt [gdtr]``, ``in al, dx``).
3. An entry with a form (``MOV CR3, r32``, ``PUSH Sreg``, ``JMP far``) is matched from the operands by
   the ISA's rules below, which also know the assemblers' other names for an instruction (``pushfd`` is
   ``PUSHF`` with a 32-bit operand size, one opcode 9C; ``jne`` is ``jnz``, one opcode 75; ``retf`` is
   ``RET far``) and a few ordinary instructions of the same innocuous kind as a catalogued one (``sub``
   is arithmetic like ``ADD``). The mapping table on the page shows every such reading.
4. Anything else is refused with the catalogue's entries, so the student sees what is known.

Sources (sources.toml: trap-spellings): the 80386 manual's and Intel SDM Vol. 2's instruction pages
(PUSHF/PUSHFD one opcode 9C, POPF/POPFD 9D, JNE/JNZ 75; far CALL/JMP/RET); the ARMv7 CP15 encodings
(c1, c0, 0 = SCTLR; c2, c0, 0 = TTBR0; sources.toml: armv7-cp15); the PowerPC SPR numbers (LR 8, SDR1 25,
SRR0 26, SRR1 27; sources.toml: power-catalogue); SPARC V8's ``rd %psr``/``wr ..., %psr`` spellings of
RDPSR/WRPSR and ``b`` as a synonym of ``ba`` (sources.toml: sparc-catalogue).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

from engine.virtualizability.isa import ISA, normalise_mnemonic


class SpellingError(ValueError):
    """An instruction the catalogue cannot name; the message says what is known and what to write."""


@dataclass(frozen=True)
class Reading:
    """One instruction as written, and the catalogue entry it was read as."""

    written: str
    entry: str  # the catalogue's mnemonic
    how: str = ""  # why this entry, when the spelling differs ("" for the catalogue's own spelling)

    @property
    def exact(self) -> bool:
        return not self.how


# ------------------------------------------------------------------------------------------- text

_COMMENT = re.compile(r";|#(?![\d+\-(:])")  # '#1' and '#-4' are ARM immediates, not comments


def strip_comment(line: str) -> str:
    """The code of a line without its ``;`` or ``#`` comment (``#`` before a digit is an ARM immediate)."""
    return _COMMENT.split(line, 1)[0].strip()


_OBJDUMP_LINE = re.compile(r"^\s*[0-9a-fA-F]+:\s+(?:[0-9a-fA-F]{2}\s)+\s*(?P<code>.*)$")
_OBJDUMP_SKIP = re.compile(r"^\s*(?:[0-9a-fA-F]+\s+<[^>]*>:|\S+:\s+file format\s|Disassembly of section\s|\.\.\.$)")


def strip_listing(line: str) -> str:
    """The instruction of an ``objdump -d -M intel`` line (``   f:\t9d   \tpopf`` → ``popf``); '' for its headers,
    symbol lines, ``...`` and byte-only continuation lines; any other line unchanged."""
    if _OBJDUMP_SKIP.match(line):
        return ""
    m = _OBJDUMP_LINE.match(line + " ")
    if m:
        return re.sub(r"\s+<[^>]*>$", "", m["code"].strip())  # 'call 1f <helper>': the symbol is objdump's comment
    return line


def split_operands(text: str) -> list[str]:
    """Operands separated by commas outside brackets and braces: ``[ebx+4], eax`` → two operands."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return [p for p in parts if p]


def known_entries(isa: ISA) -> str:
    return ", ".join(i.mnemonic for i in isa.instructions)


def _forms(isa: ISA, word: str) -> list[str]:
    """Catalogue entries whose first word is ``word`` (upper case)."""
    return [i.mnemonic for i in isa.instructions if i.key.split(" ", 1)[0] == word]


Candidates = list[tuple[str, str]]  # (catalogue mnemonic, how) in order of preference
Rule = Callable[[str, list[str], str, ISA], Candidates]


# ------------------------------------------------------------------------------------------- IA-32

_GP = {*"EAX EBX ECX EDX ESI EDI EBP ESP AX BX CX DX SI DI BP SP AL AH BL BH CL CH DL DH".split(),
       *"RAX RBX RCX RDX RSI RDI RBP RSP".split(), *(f"R{n}{s}" for n in range(8, 16) for s in ("", "D", "W", "B"))}
_SREG = {"CS", "DS", "ES", "FS", "GS", "SS"}
_ALIASES_IA32 = {
    "PUSHFD": ("PUSHF", "PUSHFD is PUSHF with a 32-bit operand size (one opcode, 9C)"),
    "PUSHFW": ("PUSHF", "PUSHFW is PUSHF with a 16-bit operand size (66 9C)"),
    "PUSHFL": ("PUSHF", "pushfl is the AT&T name of PUSHFD (opcode 9C)"),
    "PUSHFQ": ("PUSHF", "PUSHFQ is PUSHF in 64-bit mode (opcode 9C)"),
    "POPFD": ("POPF", "POPFD is POPF with a 32-bit operand size (one opcode, 9D)"),
    "POPFW": ("POPF", "POPFW is POPF with a 16-bit operand size (66 9D)"),
    "POPFL": ("POPF", "popfl is the AT&T name of POPFD (opcode 9D)"),
    "POPFQ": ("POPF", "POPFQ is POPF in 64-bit mode (opcode 9D)"),
    "JNE": ("JNZ", "JNE and JNZ are two names of one instruction (opcode 75)"),
    **{f"{m}D": (m, f"{m.lower()}d is objdump's name of {m} with a 32-bit operand") for m in ("LGDT", "LIDT", "SGDT", "SIDT")},
    "RETF": ("RET far", "RETF is the far return"),
    "LRET": ("RET far", "lret is the AT&T name of the far return"),
    "LCALL": ("CALL far", "lcall is the AT&T name of the far call"),
    "LJMP": ("JMP far", "ljmp is the AT&T name of the far jump"),
    "INT3": ("INT n", "INT3 is the one-byte breakpoint form of INT n (n = 3), with the same gate checks"),
    "INTO": ("INT n", "INTO raises INT 4 on overflow, with the same gate checks as INT n"),
    **{f"INS{s}": ("IN", f"INS{s} is the string form of IN: the same I/O permission check") for s in ("", "B", "W", "D")},
    **{f"OUTS{s}": ("OUT", f"OUTS{s} is the string form of OUT: the same I/O permission check") for s in ("", "B", "W", "D")},
}
_JCC = {"J" + c for c in "O NO B NAE C AE NB NC E Z NZ BE NA A NBE S NS P PE NP PO L NGE GE NL LE NG G NLE".split()} | {"JCXZ", "JECXZ"}
_ALU = set("SUB ADC SBB AND OR XOR INC DEC NEG NOT SHL SHR SAL SAR ROL ROR RCL RCR IMUL MUL LEA".split())
_NEAR_HELP = ("a near {m} stays in its code segment with no privilege check, so it is innocuous; the catalogue "
              "lists only the far form ({far}, e.g. `{m_lower} 0x08:label`). Leave the line out, or write the far form.")


def _operand_class(op: str) -> str:
    word = op.upper().replace(" ", "")
    if word in _GP:
        return "r"
    if word in _SREG:
        return "sreg"
    if re.fullmatch(r"CR\d+", word):
        return word
    if re.fullmatch(r"DR\d", word):
        return word
    if "[" in word:
        return "m"
    return "imm"


def _is_far(ops: list[str]) -> bool:
    text = " ".join(ops).upper()
    outside = re.sub(r"\[[^\]]*\]", "", text)  # [es:di] and ds:0x40 are segment overrides, not far pointers
    selectors = re.findall(r"([\w$]+)\s*:", outside)
    return bool(re.search(r"\bFAR\b|\bFWORD\b", text)) or any(sel not in _SREG for sel in selectors)


def _ia32(word: str, ops: list[str], written: str, isa: ISA) -> Candidates:
    if any("%" in op for op in ops):
        raise SpellingError(f"'{written}' is in AT&T syntax (registers with %, operands reversed); write Intel "
                            "syntax, e.g. `mov cr3, eax` (objdump prints it with `-M intel`)")
    for prefix in ("REP", "REPE", "REPZ", "REPNE", "REPNZ", "LOCK"):
        if word == prefix and ops:
            inner = ops[0].split(None, 1)
            return _ia32(inner[0].upper(), split_operands(inner[1]) if len(inner) > 1 else [], written, isa)
    if word in _ALIASES_IA32:
        entry, how = _ALIASES_IA32[word]
        return [(entry, how)]
    if word == "MOV":
        if len(ops) != 2:
            raise SpellingError(f"'{written}': MOV needs both operands to tell its form; the catalogue has "
                                f"{', '.join(_forms(isa, 'MOV'))} (e.g. `mov cr3, eax`, `mov eax, ebx`)")
        dst, src = _operand_class(ops[0]), _operand_class(ops[1])
        if dst.startswith(("CR", "DR")):
            wanted = f"MOV {dst}, r32"
            return [(wanted, f"writes {dst} from a general register")] if isa.has(wanted) else _missing(
                written, f"MOV to {dst}", isa, "MOV")
        if src.startswith(("CR", "DR")):
            wanted = f"MOV r32, {src}"
            return [(wanted, f"reads {src} into a general register")] if isa.has(wanted) else _missing(
                written, f"MOV from {src}", isa, "MOV")
        if "sreg" in (dst, src):
            return [("MOV Sreg", "a MOV to or from a segment register")]
        if (dst, src) == ("r", "r"):
            return [("MOV r32, r32", "a copy between general registers")]
        return [("MOV r32, r32", "a data move between registers, memory and constants: innocuous like MOV r32, r32")]
    if word in ("PUSH", "POP"):
        if len(ops) == 1 and _operand_class(ops[0]) == "sreg":
            return [(f"{word} Sreg", f"{word.lower()} of the segment register {ops[0].upper()}")]
        raise SpellingError(f"'{written}': the catalogue has only {word} Sreg ({word.lower()} cs, ds, es, fs, gs or "
                            f"ss); a {word.lower()} of a general register, memory or a constant is innocuous and "
                            "the model has no general registers: leave it out")
    if word in ("CALL", "JMP"):
        if ops and _is_far(ops):
            return [(f"{word} far", f"a far {word.lower()} (to a selector:offset or through a far pointer)")]
        raise SpellingError(f"'{written}': " + _NEAR_HELP.format(m=word, m_lower=word.lower(), far=f"{word} far"))
    if word == "RET":
        if ops and re.search(r"\bFAR\b", " ".join(ops).upper()):
            return [("RET far", "a far return")]
        raise SpellingError(f"'{written}': a near RET is innocuous and not in the catalogue, which lists RET far "
                            "(write `retf`); leave the line out")
    if word == "INT":
        return [("INT n", "a software interrupt INT n")]
    if word in _JCC:
        return [("JNZ", f"{word} is a near conditional jump like JNZ: innocuous")]
    if word in _ALU:
        return [("ADD", f"{word} is ordinary arithmetic like ADD: innocuous")]
    if word == "TEST":
        return [("CMP", "TEST sets the arithmetic flags only, like CMP: innocuous")]
    if word in ("MOVZX", "MOVSX", "XCHG"):
        return [("MOV r32, r32", f"{word} moves data between registers or memory: innocuous like MOV r32, r32")]
    return []


def _missing(written: str, what: str, isa: ISA, word: str) -> Candidates:
    raise SpellingError(f"'{written}' is a {what}, which this catalogue does not list; its {word} forms are "
                        f"{', '.join(_forms(isa, word))}")


# ------------------------------------------------------------------------------------------- ARMv7

_CP15 = {("C1", "C0", "0"): "SCTLR", ("C2", "C0", "0"): "TTBR0"}  # (CRn, CRm, opc2) with opc1 = 0
_ARM_COND = "EQ NE CS HS CC LO MI PL VS VC HI LS GE LT GT LE AL".split()


def _arm_base(word: str, bases: tuple[str, ...]) -> str | None:
    """``ADDEQ`` → ``ADD``, ``LDMFD`` → ``LDM``, ``BNE`` → ``B``: the base mnemonic without condition and mode."""
    for base in sorted(bases, key=len, reverse=True):
        if word.startswith(base):
            rest = word[len(base):]
            rest = rest[2:] if rest[:2] in _ARM_COND else rest
            if rest in ("", "S", "IA", "IB", "DA", "DB", "FD", "FA", "ED", "EA", "ID", "IE", "W", ".W", ".N"):
                return base
    return None


def _armv7(word: str, ops: list[str], written: str, isa: ISA) -> Candidates:
    base = _arm_base(word, ("MCR", "MRC", "LDM", "STM", "MOVS", "SUBS", "CPS", "B", "BL", "BX", "ADD", "SUB", "RSB",
                            "AND", "ORR", "EOR", "BIC", "ADC", "SBC", "POP", "LDR", "STR"))
    if base in ("MCR", "MRC"):
        regs = [op.upper().lstrip("#") for op in ops]
        if len(regs) >= 5 and regs[0] == "P15":
            key = (regs[3], regs[4], regs[5] if len(regs) > 5 else "0")
            if key in _CP15 and regs[1] == "0":
                name = _CP15[key]
                return [(f"{base} p15 {name}", f"CP15 {regs[3].lower()}, {regs[4].lower()}, {key[2]} is {name}")]
        raise SpellingError(f"'{written}': the catalogue knows CP15 SCTLR (c1, c0, 0) and TTBR0 (c2, c0, 0), e.g. "
                            f"`{base.lower()} p15, 0, r0, c2, c0, 0`; its {base} entries are {', '.join(_forms(isa, base))}")
    text = " ".join(ops).upper()
    if base in ("LDM", "STM", "POP"):
        if "^" not in text:
            raise SpellingError(f"'{written}': an {base} without ^ is an ordinary load/store multiple, innocuous and "
                                f"not in the catalogue, which has {', '.join(_forms(isa, 'LDM') + _forms(isa, 'STM'))}")
        if base == "STM":
            return [("STM ^", "STM with ^ stores the User-mode registers")]
        if re.search(r"\bPC\b|\bR15\b", text):
            return [("LDM pc ^", "LDM with pc and ^ also copies SPSR to CPSR (an exception return)")]
        return [("LDM ^", "LDM with ^ and without pc loads the User-mode registers")]
    if base in ("MOVS", "SUBS") and ops[:2] and [o.upper() for o in ops[:2]] == ["PC", "LR"]:
        return [(f"{base} pc, lr", "an exception return: copies SPSR to CPSR")]
    if base == "CPS":
        return [("CPS", f"{word} is CPS (change processor state)")]
    if base in ("B", "BL", "BX"):
        return [("B", f"{word} is a branch like B: innocuous")]
    if base in ("ADD", "LDR", "STR") and base != word:
        return [(base, f"{word} is {base} with a condition or flag suffix")]
    if base in ("SUB", "SUBS", "RSB", "AND", "ORR", "EOR", "BIC", "ADC", "SBC"):
        return [("ADD", f"{word} is ordinary arithmetic like ADD: innocuous")]
    if base == "MOVS":
        raise SpellingError(f"'{written}': only `movs pc, lr` (an exception return) is in the catalogue")
    return []


# ------------------------------------------------------------------------------------------- Power

_SPR = {"1": "XER", "8": "LR", "9": "CTR", "25": "SDR1", "26": "SRR0", "27": "SRR1"}


def _power(word: str, ops: list[str], written: str, isa: ISA) -> Candidates:
    named = re.fullmatch(r"(MT|MF)(LR|CTR|XER|SDR1|SRR0|SRR1)", word)
    if named:
        op, spr = named.groups()
        entry = f"{op.lower()}spr {spr}"
        if isa.has(entry):
            return [(entry, f"{word.lower()} is {op.lower()}spr with SPR {spr}")]
        raise SpellingError(f"'{written}': {op.lower()}spr {spr} is not in the catalogue, whose SPR entries are "
                            f"{', '.join(_forms(isa, 'MTSPR') + _forms(isa, 'MFSPR'))}")
    if word in ("MTSPR", "MFSPR"):
        number = (ops[0] if word == "MTSPR" else ops[1]) if len(ops) == 2 else ""
        name = _SPR.get(number, number.upper())
        entry = f"{word.lower()} {name}"
        if isa.has(entry):
            return [(entry, f"SPR {number} is {name}" if number != name else f"{word.lower()} with SPR {name}")]
        raise SpellingError(f"'{written}': the catalogue's SPR entries are "
                            f"{', '.join(_forms(isa, 'MTSPR') + _forms(isa, 'MFSPR'))} (SPR numbers: LR 8, SDR1 25, "
                            "SRR0 26, SRR1 27), e.g. `mtspr 25, r3`")
    if word in ("SUBF", "ADDI", "AND", "OR", "XOR", "ADDIS", "ORI"):
        return [("add", f"{word.lower()} is ordinary arithmetic like add: innocuous")]
    return []


# ------------------------------------------------------------------------------------------- SPARC

def _sparc(word: str, ops: list[str], written: str, isa: ISA) -> Candidates:
    regs = [op.upper().replace(" ", "") for op in ops]
    special = {"%PSR": "PSR", "%WIM": "WIM", "%TBR": "TBR", "%Y": "Y"}
    if word in ("RD", "MOV") and regs and regs[0] in special:
        return [(f"RD{special[regs[0]]}", f"{word.lower()} %{special[regs[0]].lower()} is RD{special[regs[0]]}")]
    if word in ("WR", "MOV") and regs and regs[-1] in special:
        return [(f"WR{special[regs[-1]]}", f"{word.lower()} to %{special[regs[-1]].lower()} is WR{special[regs[-1]]}")]
    if word in ("RD", "WR"):
        raise SpellingError(f"'{written}': {word.lower()} of which state register? Write e.g. `rd %psr, %l0` or "
                            "`wr %l0, %psr`")
    if word in ("B", "BA,A", "B,A"):
        return [("BA", "b is the assembler's synonym of ba (branch always)")]
    if word in ("SUB", "AND", "OR", "XOR", "ADDCC", "SUBCC"):
        return [("ADD", f"{word.lower()} is ordinary arithmetic like ADD: innocuous")]
    return []


_RULES: dict[str, Rule] = {"ia32": _ia32, "armv7": _armv7, "power": _power, "sparc": _sparc}


# ------------------------------------------------------------------------------------------- reading

def read_instruction(code: str, isa: ISA) -> Reading:
    """The catalogue entry for one instruction as written (without comment or ``app:`` prefix)."""
    written = " ".join(code.split())
    if isa.has(written):
        return Reading(written, isa.instruction(written).mnemonic)
    head, _, rest = written.partition(" ")
    word = head.upper()
    ops = split_operands(rest)
    rule = _RULES.get(isa.id)
    for entry, how in (rule(word, ops, written, isa) if rule else []):
        if isa.has(entry):
            return Reading(written, isa.instruction(entry).mnemonic, how or "the same instruction")
    if isa.has(word):  # a bare-mnemonic entry: operands do not change its class
        entry = isa.instruction(word).mnemonic
        return Reading(written, entry, "operands do not change its class" if rest else "")
    forms = _forms(isa, word)
    if forms:
        raise SpellingError(f"'{written}': {head} has the form(s) {', '.join(forms)} in this catalogue; write one "
                            "of them or the instruction with its operands")
    keys = [i.mnemonic for i in isa.instructions]
    close = difflib.get_close_matches(word, [k.upper() for k in keys], n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(k for k in keys if k.upper() in close)}?" if close else ""
    raise SpellingError(f"'{written}' is not an instruction of {isa.name}'s catalogue.{hint} Known: {known_entries(isa)}")


__all__ = ["Reading", "SpellingError", "read_instruction", "split_operands", "strip_comment", "strip_listing"]
