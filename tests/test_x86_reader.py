"""The binary-translation reader takes what students paste (issue 14): one test per kind of input.

Small inputs are written here from the same sources (objdump 2.40 and capstone 5 output for the same
bytes, NASM's manual, the Intel SDM's lists); tests/listings/kernel32.objdump.txt and kernel64.objdump.txt
are captured `objdump -d[r] -M intel` listings of tests/listings/kernel_like.c, and when gcc and objdump
are installed the last tests build that file again and read the fresh listings.
"""

import shutil
import subprocess
from pathlib import Path

import capstone
import pytest

from engine.fullvirt import x86_catalogue as manual
from engine.fullvirt.bt import _Run, simulate
from engine.fullvirt.x86 import (
    KINDS, AsmError, _from_capstone, classification, detect_bits, ia32, is_transfer, parse_hex, parse_listing,
)

DATA = Path(__file__).parent / "listings"


XXD_TEXT = "00000000: 9cfa 0f22 d89d f4                        ...\"..."


def kinds(text, **kw):
    return [(i.text, classification(i, ia32()).kind) for i in parse_listing(text, **kw)]


def result(text, **kw):
    return simulate(parse_listing(text, **kw), strict=False)[-1].state.result


# --------------------------------------------------------------------------- objdump listings

def test_an_address_made_only_of_hex_letters_is_an_address_not_a_label():
    program = parse_listing("   c:\t0f 20 e0 \tmov eax,cr4\n   f:\tf4\thlt")
    assert [(i.address, i.text) for i in program] == [(0xC, "mov eax, cr4"), (0xF, "hlt")]


def test_a_wrapped_instruction_whose_continuation_address_is_hex_letters_is_joined():
    program = parse_listing("   4:\tc7 05 00 20 40 00 01 \tmov DWORD PTR ds:0x402000,0x1\n   b:\t00 00 00 \n   e:\tf4\thlt")
    assert [i.address for i in program] == [0x4, 0xE]
    assert program[0].size == 10


@pytest.mark.parametrize("line, decoded", [
    ("   0:\t66 90                \txchg   ax,ax", "nop"),
    ("   0:\t60                   \tpusha", "pushal"),
    ("   0:\t61                   \tpopa", "popal"),
    ("   0:\t66 2e 0f 1f 84 00 00 00 00 00 \tdata16 cs nop WORD PTR [eax+eax*1+0x0]", "nop word ptr cs:[eax + eax]"),
    ("   0:\t3e ff e0             \tnotrack jmp eax", "notrack jmp eax"),
    ("   0:\t0f 94 c0             \tsete   al", "sete al"),
    ("   0:\t0f 44 c3             \tcmovz  eax,ebx", "cmove eax, ebx"),
    ("   0:\tf3 c3                \trepz ret", "repz ret"),
    ("   0:\tcf                   \tiret", "iretd"),
])
def test_objdump_spellings_are_compared_by_meaning_not_spelling(line, decoded):
    (insn,) = parse_listing(line)
    assert insn.text == decoded


def test_bytes_that_do_not_match_the_text_name_both_spellings():
    with pytest.raises(AsmError, match="decode as 'notrack jmp eax', but the line says 'notrack call eax'"):
        parse_listing("   0:\t3e ff e0 \tnotrack call eax")


def test_a_far_jump_to_a_label():
    program = parse_listing("    jmp 0x08:next\n    nop\nnext:\n    hlt")
    assert program[0].operands[0].kind == "far" and program[0].operands[0].value == 0x1008
    c = classification(program[0], ia32())
    assert (c.kind, c.form, c.transfer) == ("critical", "JMP far", True)
    trace = simulate(program)
    assert [f.state.pc for f in trace if f.state.phase == "translate"] == [0x1000, 0x1008]  # nop is skipped


# --------------------------------------------------------------------------- leaving the listing

@pytest.mark.parametrize("code, words", [
    ("call helper\nhlt", "'call helper' (line 1) goes to 'helper', which is not a label of the listing"),
    ("mov eax, 0x5000\njmp eax", "'jmp eax' (line 2) continues at 0x5000"),
    ("jmp dword ptr [eax]", "'jmp dword ptr [eax]' (line 1) takes its target from memory"),
    ("   0:\te8 fc ff ff ff \tcall 1 <f+0x1>\n   5:\tc3\tret", "it points into its own bytes"),
    ("ret", "'ret' (line 1) returns to its caller, outside the listing"),
    ("sysenter", "SYSENTER enters the kernel at the address in the IA32_SYSENTER_EIP MSR"),
    ("iretd", "returns to the code that called or was interrupted, outside the listing"),
])
def test_control_that_leaves_the_listing_ends_the_run_with_a_clear_frame(code, words):
    text = result(code)
    assert text.startswith("Control leaves the listing") and words in text


def test_objdump_r_names_the_outside_function_of_an_unlinked_call():
    program = parse_listing((DATA / "kernel32.objdump.txt").read_text())
    calls = {i.address: i.op_text for i in program if i.base == "call"}
    assert calls == {0x15: "0x33", 0x2C: "panic"}


def test_iret_ends_the_unit_and_returns_through_the_stack():
    program = parse_listing("push 0x202\npush 0x08\npush done\niretd\nnop\ndone: hlt")
    run = _Run(program, 12, ia32())
    unit = run.translate(0x1000)
    assert [i.text for i in unit.insns][-1] == "iretd" and unit.reason == "a control transfer (iretd)"
    trace = simulate(program)
    assert trace[-1].state.result == "The VMM halted the virtual CPU (hlt)."
    assert 0x1010 not in {f.state.pc for f in trace}  # the nop after iretd never runs


# --------------------------------------------------------------------------- what is refused, and what to do

@pytest.mark.parametrize("text, words", [
    ("   0:\t55                   \tpush   %ebp\n   1:\t89 e5 \tmov %esp,%ebp", "AT&T syntax"),
    ("movl $1, %eax", "objdump -d -M intel FILE"),
    ("   0:\t53 \tpush ebx\nvoid kernel_entry(unsigned long pd)\n   1:\tc3\tret", "objdump -S"),
    ("msg db 'hello', 0", "'db' puts data into the code"),
    ("%define PORT 0x80\nout PORT, al", "write constants as 'NAME equ VALUE'"),
    ("bits 16\nnop", "assemble it with 'bits 32'"),
    ("X equ ebx\nnop", "equ needs a number"),
    ("nop\norg 0x7c00", "'org' must come before the first instruction"),
    (XXD_TEXT, "choose the format 'machine code (hex)'"),
    ("00000000  9c fa 9d f4                                       |....|", "looks like `xxd` or `hexdump -C` output"),
    ("9c fa 9d", "For raw machine code choose the format 'machine code (hex)'"),
])
def test_refusals_say_what_was_expected_and_what_to_do(text, words):
    with pytest.raises(AsmError, match=None) as error:
        parse_listing(text)
    assert words in str(error.value)


def test_real_objdump_minus_s_output_is_refused(tmp_path):
    text = (DATA / "kernel32.objdump.txt").read_text().replace(
        "   0:\t53 ", "void kernel_entry(unsigned long page_directory, void *gdt)\n{\n   0:\t53 ", 1)
    with pytest.raises(AsmError, match="line 8: .* it looks like source code that `objdump -S`"):
        parse_listing(text)


# --------------------------------------------------------------------------- 64-bit listings

@pytest.mark.parametrize("text, bits, why", [
    ((DATA / "kernel64.objdump.txt").read_text(), 64, "file format elf64-x86-64"),
    ((DATA / "kernel32.objdump.txt").read_text(), 32, "file format elf32-i386"),
    ("[bits 64]\nmov cr3, rax", 64, "[bits 64]"),
    ("mov cr3, rdi", 64, "64-bit register 'rdi'"),
    ("   0:\t48 89 f8 \tmov rax,rdi", 64, "64-bit register"),
    ("   0:\t48 cf \tiretq", 64, "REX prefix 48"),
    ("mov cr3, eax", 32, "read as 32-bit"),
])
def test_the_mode_is_detected_and_the_reason_given(text, bits, why):
    assert detect_bits(text)[0] == bits and why in detect_bits(text)[1]


def test_a_64_bit_listing_without_rex_bytes_keeps_its_64_bit_registers():
    (insn,) = parse_listing("   0:\t0f 22 df             \tmov    cr3,rdi")
    assert insn.text == "mov cr3, rdi" and insn.bits == 64
    assert classification(insn, ia32()).kind == "privileged"


def test_64_bit_registers_in_a_listing_read_as_32_bit_are_refused():
    with pytest.raises(AsmError, match="'rdi' is a 64-bit register, but the code is read as 32-bit"):
        parse_listing("mov cr3, rdi", bits=32)


def test_64_bit_classification():
    assert kinds("bits 64\nswapgs\nsysret\npushfq\nmov rax, cr0\niretq\npush fs") == [
        ("swapgs", "privileged"), ("sysret", "privileged"), ("pushfq", "critical"), ("mov rax, cr0", "privileged"),
        ("iretq", "critical"), ("push fs", "critical")]
    # forms x86-64 dropped do not decode in 64-bit mode (sources.toml: x86-64-dropped)
    for dropped in ("0e", "1e", "06", "16", "1f", "07", "17", "ea 00 00 00 00 08 00", "9a 00 00 00 00 08 00", "ce",
                    "60", "61"):  # push/pop cs ds es ss, direct far jmp/call, into, pusha/popa
        with pytest.raises(AsmError, match="do not decode as a 64-bit x86-64 instruction"):
            parse_hex(dropped, bits=64)
    kept = parse_hex("0f a0 0f a1 0f b2 06 ff 2d 00 00 00 00", bits=64)
    assert [classification(i, ia32()).kind for i in kept] == ["critical"] * 4


def test_the_64_bit_interpreter_keeps_the_low_32_bits():
    trace = simulate(parse_listing("bits 64\nmov rcx, 3\nagain: dec rcx\njnz again\nhlt"))
    assert trace[-1].counters["guest_instructions"] == 1 + 3 * 2 + 1


# --------------------------------------------------------------------------- hex dumps

XXD = "00000000: 9cfa 0f22 d89d f4                        ...\"...\n"
HEXDUMP_C = "00000000  9c fa 0f 22 d8 9d f4                              |...\"...|\n00000007\n"


@pytest.mark.parametrize("dump", [XXD, HEXDUMP_C, "9c fa 0f 22 d8 9d f4"])
def test_xxd_and_hexdump_c_read_like_raw_hex(dump):
    assert [i.text for i in parse_hex(dump)] == ["pushfd", "cli", "mov cr3, eax", "popfd", "hlt"]


def test_an_ascii_column_with_hex_letters_and_comment_characters_is_ignored():
    dump = "00000000: 9090 9090 9090 9090 9090 9090 9090 9090  ; #abcdef 12 34 ff\n"
    assert len(parse_hex(dump)) == 16


@pytest.mark.parametrize("dump, words", [
    ("0000000 fa9c 220f 9dd8 00f4\n0000007\n", "`hexdump` without -C"),
    ("00000000  90 90 90 90 90 90 90 90  90 90 90 90 90 90 90 90  |................|\n*\n", "hexdump -C -v FILE"),
    ("9c zz", "paste the output of `xxd FILE` or `hexdump -C FILE`"),
])
def test_hex_dump_refusals_say_what_to_do(dump, words):
    with pytest.raises(AsmError) as error:
        parse_hex(dump)
    assert words in str(error.value)


# --------------------------------------------------------------------------- NASM idioms

def test_nasm_bits_org_equ_and_dollar():
    program = parse_listing("[bits 32]\nsection .text\nglobal start\norg 0x7c00\nPORT equ 0x80\n"
                            "start: out PORT, al\n  mov eax, PORT\n  jmp short done\n  jmp $\ndone: hlt")
    assert [i.address for i in program] == [0x7C00, 0x7C04, 0x7C08, 0x7C0C, 0x7C10]
    assert program[1].operands[1].value == 0x80
    assert program[2].operands[0].value == 0x7C10
    assert program[3].operands[0].value == 0x7C0C  # jmp $: to itself
    assert result("jmp $").startswith("The run stopped: the program did not halt")


# --------------------------------------------------------------------------- classification from the manual's lists

@pytest.mark.parametrize("code, kind, transfer, listed", [
    ("iretd", "critical", True, True),
    ("rdpmc", "privileged", False, True),
    ("sysexit", "privileged", True, True),
    ("sysenter", "control", True, True),
    ("lds eax, [esi]", "critical", False, True),
    ("lss esp, [esi]", "critical", False, True),
    ("lgs eax, [esi]", "critical", False, True),
    ("int 0x80", "critical", True, True),
    ("retf", "critical", True, True),
    ("wbinvd", "privileged", False, True),
    ("insb", "privileged", False, True),
    ("xsetbv", "privileged", False, True),
    ("vmlaunch", "privileged", False, True),
    ("loop 0x1000", "control", True, True),
    ("jecxz 0x1000", "control", True, True),
    ("mov eax, 1", "ident", False, True),
    ("lea eax, [ebx+4]", "ident", False, True),
    ("cpuid", "ident", False, False),
    ("rdtsc", "ident", False, False),
    ("fld st(0)", "ident", False, False),
])
def test_classification_of_the_manuals_lists(code, kind, transfer, listed):
    (insn,) = parse_listing(code)
    c = classification(insn, ia32())
    assert (c.kind, c.transfer, c.listed) == (kind, transfer, listed)
    if not listed:
        assert c.label == "not in the catalogue" and "not in the catalogue" in c.why


def test_capstones_privilege_group_is_not_trusted_where_it_is_wrong():
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_32)
    md.detail = True
    for hex_bytes, mnemonic in (("8e d8", "mov"), ("1f", "pop"), ("0f 00 c8", "str"), ("cf", "iretd")):
        (ci,) = md.disasm(bytes.fromhex(hex_bytes), 0)
        assert "privilege" in {ci.group_name(g) for g in ci.groups} and ci.mnemonic == mnemonic
        assert mnemonic in manual.CAPSTONE_PRIVILEGE_WRONG
        assert classification(_from_capstone(ci, 1, hex_bytes), ia32()).kind == "critical"
    for hex_bytes in ("0f 32", "0f 06", "e4 80", "e6 80"):  # rdmsr, clts, in, out
        (ci,) = md.disasm(bytes.fromhex(hex_bytes), 0)
        assert "privilege" not in {ci.group_name(g) for g in ci.groups}
        assert classification(_from_capstone(ci, 1, hex_bytes), ia32()).kind == "privileged"


# The SDM Vol. 3A §5.9 list plus the later CPL-0 instructions (sources.toml: ia32-privileged, x86-cpl0-later).
SDM_PRIVILEGED = {"lgdt", "lidt", "lldt", "ltr", "lmsw", "clts", "invd", "wbinvd", "invlpg", "hlt", "rdmsr", "wrmsr",
                  "rdpmc", "cli", "sti", "in", "out", "insb", "insd", "insw", "outsb", "outsd", "outsw", "swapgs",
                  "sysexit", "sysret", "sysretq", "sysexitq", "xsetbv", "invpcid"}


def _opcode_walk(bits):
    """Every one- and two-byte opcode with a ModRM byte of each kind (register, memory, disp8, disp32, SIB)."""
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if bits == 64 else capstone.CS_MODE_32)
    md.detail = True
    seen = set()
    for first in range(256):
        for modrm in (0x00, 0x05, 0x44, 0x80, 0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8, 0xF0, 0xF8, 0x10, 0x18, 0x28, 0x38):
            for prefix in (b"", b"\x0f"):
                code = prefix + bytes([first, modrm]) + b"\x00" * 8
                for ci in md.disasm(code, 0x1000, count=1):
                    key = (ci.mnemonic, bytes(ci.bytes))
                    if key not in seen:
                        seen.add(key)
                        yield ci


@pytest.mark.parametrize("bits", [32, 64])
def test_every_one_and_two_byte_opcode_gets_a_classification(bits):
    isa = ia32()
    count = 0
    for ci in _opcode_walk(bits):
        insn = _from_capstone(ci, 1, bytes(ci.bytes).hex(" "), bits)
        c = classification(insn, isa)
        count += 1
        assert c.kind in KINDS and c.label and c.why, insn.text
        groups = {ci.group_name(g) for g in ci.groups}
        if groups & manual.TRANSFER_GROUPS or insn.base in ("loop", "loope", "loopne"):
            assert c.transfer and is_transfer(insn), insn.text
            run = _Run((insn, *parse_listing("nop", base=insn.end, bits=bits)), 12, isa)
            assert len(run.translate(insn.address).insns) == 1, f"{insn.text} does not end its unit"
        if insn.base in SDM_PRIVILEGED or (insn.base == "mov" and {"control", "debug"} & set(insn.kinds)):
            assert c.kind == "privileged", insn.text
        if c.kind == "ident" and c.listed:
            assert insn.base in manual.GENERAL_PURPOSE or c.entry is not None, insn.text
    assert count > 1000


# --------------------------------------------------------------------------- real listings

def test_the_captured_kernel_listings_read_with_their_own_classification():
    for name, bits, iret in (("kernel32.objdump.txt", 32, "iretd"), ("kernel64.objdump.txt", 64, "iretq")):
        program = parse_listing((DATA / name).read_text())
        decided = {i.text: classification(i, ia32()).kind for i in program}
        assert all(i.bits == bits for i in program)
        cr3 = "mov cr3, eax" if bits == 32 else "mov cr3, rdi"
        lgdt = "lgdt [eax]" if bits == 32 else "lgdt [rsi]"
        assert decided["cli"] == decided[cr3] == decided[lgdt] == decided["hlt"] == "privileged"
        assert decided["pushfd" if bits == 32 else "pushfq"] == "critical" and decided[iret] == "critical"
        assert classification(next(i for i in program if i.text == iret), ia32()).transfer


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("objdump")), reason="gcc and objdump are not installed")
@pytest.mark.parametrize("bits", [32, 64])
def test_a_fresh_gcc_and_objdump_listing_is_read(tmp_path, bits):
    obj = tmp_path / f"k{bits}.o"
    build = subprocess.run(["gcc", f"-m{bits}", "-O1", "-masm=intel", "-fno-pic", "-fno-pie",
                            "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-fno-toplevel-reorder",
                            "-c", str(DATA / "kernel_like.c"), "-o", str(obj)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.skip(f"gcc cannot build {bits}-bit code here: {build.stderr.strip()[:200]}")
    listing = subprocess.run(["objdump", "-dr", "-M", "intel", str(obj)], capture_output=True, text=True,
                             check=True).stdout
    program = parse_listing(listing)
    assert {i.bits for i in program} == {bits}
    texts = {i.base for i in program if classification(i, ia32()).kind == "privileged"}
    assert {"cli", "lgdt", "hlt", "sti", "mov"} <= texts
    assert any(i.base == "iretd" and classification(i, ia32()).transfer for i in program)
    assert any(i.base == "call" and i.op_text == "panic" for i in program)
    last = simulate(program, strict=False)[-1].state.result
    assert last.startswith(("Control leaves the listing", "The VMM halted"))


@pytest.mark.parametrize("line, message", [
    ("mov eax, " + "9" * 5000, "line 2: the number '9+…' has 5,000 digits; an operand holds at most 32 bits"),
    ("mov eax, 0x1ffffffff", "line 2: 0x1ffffffff does not fit in a 32-bit operand"),
    ("mov eax, 4294967296", "line 2: 4294967296 does not fit in a 32-bit operand"),
])
def test_a_number_the_operand_cannot_hold_is_refused_with_its_line(line, message):
    """Not cut silently to 32 bits (another program than the one typed), not int()'s own 4,300-digit error."""
    with pytest.raises(AsmError, match=message):
        parse_listing(f"cli\n{line}\n")


def test_the_largest_numbers_an_operand_holds_are_read():
    insns = parse_listing("mov eax, 0xffffffff\nmov ebx, -1\nmov ecx, 4294967295\n")
    assert {i.operands[1].value for i in insns} == {0xFFFFFFFF}
