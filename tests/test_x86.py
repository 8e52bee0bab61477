"""Guest code input: capstone decoding, objdump and plain listings, classification, error messages."""

import pytest

from engine.virtualizability.isa import design_from_rows, design_rows
from engine.fullvirt.x86 import (
    BASE_ADDRESS, MAX_INSTRUCTIONS, PSEUDO_LENGTH, AsmError, classification, classify, form_of, ia32, parse_hex,
    parse_listing,
)

# Real output of `as --32` + `objdump -d -M intel` (binutils), including a wrapped long instruction.
OBJDUMP = """
t.o:     file format elf32-i386


Disassembly of section .text:

00000000 <_start>:
   0:	55                   	push   ebp
   1:	89 e5                	mov    ebp,esp
   3:	9c                   	pushf
   4:	9d                   	popf
   5:	fa                   	cli
   6:	0f 01 00             	sgdtd  [eax]
   9:	0f 22 d8             	mov    cr3,eax
   c:	8e d8                	mov    ds,eax
   e:	8c c8                	mov    eax,cs
  10:	0e                   	push   cs
  11:	1f                   	pop    ds
  12:	ea 00 10 00 00 10 00 	jmp    0x10:0x1000
  19:	9a 00 10 00 00 10 00 	call   0x10:0x1000
  20:	ff 1b                	call   FWORD PTR [ebx]
  22:	ff 2b                	jmp    FWORD PTR [ebx]
  24:	cb                   	retf
  25:	cd 80                	int    0x80
  27:	c7 05 00 20 40 00 01 	mov    DWORD PTR ds:0x402000,0x1
  2e:	00 00 00 
  31:	f3 ab                	rep stos DWORD PTR es:[edi],eax

00000033 <l>:
  33:	49                   	dec    ecx
  34:	75 fd                	jne    33 <l>
  36:	e2 fb                	loop   33 <l>
  38:	e8 c3 ff ff ff       	call   0 <_start>
  3d:	c3                   	ret
  3e:	0f 01 e0             	smsw   eax
  41:	0f 00 c8             	str    eax
  44:	0f 02 c3             	lar    eax,ebx
  47:	ec                   	in     al,dx
  48:	e6 80                	out    0x80,al
  4a:	f4                   	hlt
"""


@pytest.mark.parametrize("hex_bytes, text", [
    ("9c", "pushfd"),
    ("9d", "popfd"),
    ("fa", "cli"),
    ("0f 01 00", "sgdt [eax]"),
    ("0f 22 d8", "mov cr3, eax"),
    ("8e d8", "mov ds, eax"),
    ("0f 20 c0", "mov eax, cr0"),
    ("ea 00 10 00 00 10 00", "ljmp 0x10:0x1000"),
])
def test_capstone_decodes_known_bytes(hex_bytes, text):
    (insn,) = parse_hex(hex_bytes)
    assert insn.text == text
    assert insn.raw == bytes.fromhex(hex_bytes.replace(" ", ""))
    assert insn.address == BASE_ADDRESS and insn.size == len(insn.raw)


def test_parse_hex_spans_lines_and_comments():
    program = parse_hex("9c fa   # pushfd, cli\n0f01\n00 9d")
    assert [i.text for i in program] == ["pushfd", "cli", "sgdt [eax]", "popfd"]
    assert [i.address for i in program] == [0x1000, 0x1001, 0x1002, 0x1005]
    assert [i.line for i in program] == [1, 1, 2, 3]
    assert program[2].source == "0f 01 00"


@pytest.mark.parametrize("code, kind, form", [
    ("popf", "critical", "POPF"),
    ("pushf", "critical", "PUSHF"),
    ("sgdt [eax]", "critical", "SGDT"),
    ("smsw eax", "critical", "SMSW"),
    ("str eax", "critical", "STR"),
    ("lar eax, ebx", "critical", "LAR"),
    ("verw ax", "critical", "VERW"),
    ("mov ds, ax", "critical", "MOV Sreg"),
    ("mov ax, cs", "critical", "MOV Sreg"),
    ("push cs", "critical", "PUSH Sreg"),
    ("pop ds", "critical", "POP Sreg"),
    ("jmp 0x10:0x1000", "critical", "JMP far"),
    ("jmp far 0x10:0x1000", "critical", "JMP far"),
    ("ljmp 0x10:0x1000", "critical", "JMP far"),
    ("call far [ebx]", "critical", "CALL far"),
    ("retf", "critical", "RET far"),
    ("int 0x80", "critical", "INT n"),
    ("mov cr3, eax", "privileged", "MOV CR3, r32"),
    ("mov eax, cr0", "privileged", "MOV r32, CR0"),
    ("mov cr0, eax", "privileged", "MOV CR0, r32"),
    ("mov dr7, eax", "privileged", "MOV DR7, r32"),
    ("cli", "privileged", "CLI"),
    ("sti", "privileged", "STI"),
    ("hlt", "privileged", "HLT"),
    ("lgdt [eax]", "privileged", "LGDT"),
    ("lidt [eax]", "privileged", "LIDT"),
    ("invlpg [eax]", "privileged", "INVLPG"),
    ("in al, dx", "privileged", "IN"),
    ("out 0x80, al", "privileged", "OUT"),
    ("wrmsr", "privileged", "WRMSR"),
    ("rdmsr", "privileged", "RDMSR"),
    ("mov eax, ebx", "ident", "MOV r32, r32"),
    ("mov eax, 5", "ident", "MOV"),
    ("add eax, ebx", "ident", "ADD"),
    ("push eax", "ident", "PUSH"),
    ("pop eax", "ident", "POP"),
    ("nop", "ident", "NOP"),
    ("jnz 0x1000", "control", "JNE"),
    ("jmp 0x1000", "control", "JMP"),
    ("call 0x1000", "control", "CALL"),
    ("ret", "control", "RET"),
    ("loop 0x1000", "control", "LOOP"),
])
def test_classification_follows_the_catalogue_and_the_operands(code, kind, form):
    (insn,) = parse_listing(code)
    c = classification(insn, ia32())
    assert (c.kind, c.form) == (kind, form)
    assert classify(insn, ia32()) == kind


def test_mov_class_depends_on_its_operands_and_the_why_says_so():
    seg, gpr = parse_listing("mov ds, ax\nmov eax, ebx")
    assert classify(seg, ia32()) == "critical" and classify(gpr, ia32()) == "ident"
    for insn in (seg, gpr):
        why = classification(insn, ia32()).why
        assert "depends on its operands" in why and "run time" in why
    assert "replaces it with a call into the VMM" in classification(seg, ia32()).why


def test_classification_uses_the_isa_it_is_given(catalogue):
    ia = catalogue["ia32"]
    rows = design_rows(ia)
    for row in rows:
        if row["Instruction"] == "POPF":
            row["Privileged"] = True
    fixed = design_from_rows(ia, rows)
    (popf,) = parse_listing("popf")
    assert classify(popf, ia) == "critical" and classify(popf, fixed) == "privileged"


def test_objdump_listing_is_decoded_with_capstone_and_checked_against_the_text():
    program = parse_listing(OBJDUMP)
    assert len(program) == 30
    by_address = {i.address: i for i in program}
    assert by_address[0x3].text == "pushfd"  # objdump "pushf", capstone "pushfd": the same instruction
    assert by_address[0x6].text == "sgdt [eax]"  # objdump "sgdtd"
    wrapped = by_address[0x27]  # the continuation line "2e: 00 00 00" belongs to it
    assert wrapped.size == 10 and wrapped.raw == bytes.fromhex("c70500204000" + "01000000")
    assert by_address[0x31].mnemonic == "rep stosd"
    assert by_address[0x34].operands[0].value == 0x33  # "jne 33 <l>"
    assert by_address[0x38].operands[0].value == 0x0
    kinds = {i.address: classify(i, ia32()) for i in program}
    assert [kinds[a] for a in (0x0, 0x1, 0x3, 0x4, 0x5, 0x6, 0x9, 0xC, 0xE)] == [
        "ident", "ident", "critical", "critical", "privileged", "critical", "privileged", "critical", "critical"]
    assert [form_of(by_address[a]) for a in (0x12, 0x19, 0x20, 0x22, 0x24)] == [
        "JMP far", "CALL far", "CALL far", "JMP far", "RET far"]
    assert all(by_address[a].far for a in (0x12, 0x19, 0x20, 0x22, 0x24))
    assert by_address[0x12].kinds == ("far",)


def test_operand_kinds():
    program = parse_listing("mov ds, ax\nmov cr3, eax\nmov eax, dr7\nmov eax, dword ptr [ebx+4]\nadd eax, 0x10\njmp 0x10:0x20")
    assert [i.kinds for i in program] == [
        ("segment", "gpr"), ("control", "gpr"), ("gpr", "debug"), ("gpr", "memory"), ("gpr", "imm"), ("far",)]
    assert program[4].operands[1].value == 0x10


def test_plain_listing_gets_pseudo_addresses_and_resolves_labels():
    program = parse_listing("""
        mov ecx, 3      ; count
    top:                # a label on its own line
        dec ecx
        jnz top
        jmp 0x1010      # by hex address
    done: hlt
        jmp done
    """)
    assert [i.address for i in program] == [BASE_ADDRESS + PSEUDO_LENGTH * n for n in range(6)]
    assert program[2].operands[0].value == 0x1004 and program[2].operands[0].text == "top"
    assert program[3].operands[0].value == 0x1010
    assert program[5].operands[0].value == 0x1010
    assert program[1].line == 4 and program[1].source == "dec ecx"


def test_lines_with_bytes_but_no_address_follow_each_other():
    program = parse_listing("9c pushf\nfa cli\nb9 05 00 00 00 mov ecx, 5\nnop")
    assert [i.address for i in program] == [0x1000, 0x1001, 0x1002, 0x1007]
    assert program[2].raw is not None and program[3].raw is None


def test_parsing_is_deterministic():
    assert parse_listing(OBJDUMP) == parse_listing(OBJDUMP)
    assert parse_hex("9c fa 9d") == parse_hex("9cfa9d")


@pytest.mark.parametrize("text, message", [
    ("", "the program is empty"),
    ("# only a comment\n; and another", "the program is empty"),
    ("mvo eax, ebx", "line 1: 'mvo' is not an x86 instruction. Did you mean .*\\bmov\\b"),
    ("nop\njnz nowhere", "line 2: unknown label 'nowhere'"),
    ("mov eax,, ebx", "line 1: an operand is empty"),
    ("mov eax, [ebx", "line 1: '\\[' without a matching '\\]'"),
    ("mov eax, ebx]", "line 1: '\\]' without a matching '\\['"),
    ("mov eax, 5+*", "line 1: cannot read the operand '5\\+\\*'"),
    ("401000:", "line 1: address 0x401000 is followed by no instruction"),
    ("401004: nop\n401000: nop", "line 2: address 0x401000 overlaps or precedes"),
    ("a: nop\na: nop", "line 2: label 'a' is defined twice"),
    ("9c popf", "line 1: the bytes 9c decode as 'pushfd', but the line says 'popf'"),
    ("0f", "line 1: the bytes 0f do not decode"),
    ("9c fa", "line 1: the bytes 9c fa hold more than one instruction"),
    ("nop\n" * (MAX_INSTRUCTIONS + 1), f"more than {MAX_INSTRUCTIONS} instructions"),
])
def test_listing_errors_name_the_line(text, message):
    with pytest.raises(AsmError, match=message):
        parse_listing(text)


@pytest.mark.parametrize("text, message", [
    ("", "the machine code is empty"),
    ("# nothing", "the machine code is empty"),
    ("9c f", "odd number of digits \\(3\\)"),
    ("9c\nzz", "line 2: 'z' is not a hex digit"),
    ("9c fa 0f", "line 1: the bytes at offset 2 \\(0f\\) do not decode"),
    ("90" * (MAX_INSTRUCTIONS + 1), f"more than {MAX_INSTRUCTIONS} instructions"),
])
def test_hex_errors_are_clear(text, message):
    with pytest.raises(AsmError, match=message):
        parse_hex(text)


def test_asm_error_is_a_value_error():
    assert issubclass(AsmError, ValueError)
