"""Real assembler spellings on Trap and emulate (issue 14), and programs that cannot run refused with a message,
presets included (issue 15: a program that is only POPF crashed the page and passed lesson validation)."""

from __future__ import annotations

import pytest

from engine.core.lessons import LessonError
from engine.virtualizability.programs import load_programs
from engine.virtualizability.spellings import SpellingError, read_instruction, strip_comment
from engine.virtualizability.trap_emulate import ProgramError, parse_program, prepare


@pytest.mark.parametrize("isa, written, entry", [
    # IA-32: Intel SDM Vol. 2 names; PUSHF/PUSHFD share opcode 9C, POPF/POPFD 9D, JNE/JNZ 75
    ("ia32", "pushfd", "PUSHF"), ("ia32", "PUSHF", "PUSHF"), ("ia32", "pushfw", "PUSHF"), ("ia32", "popfd", "POPF"),
    ("ia32", "popf", "POPF"), ("ia32", "mov eax, ebx", "MOV r32, r32"), ("ia32", "mov eax,[ebx+4]", "MOV r32, r32"),
    ("ia32", "cli", "CLI"), ("ia32", "sti", "STI"), ("ia32", "in al, dx", "IN"), ("ia32", "out 0x80, al", "OUT"),
    ("ia32", "rep insb", "IN"), ("ia32", "mov cr3, eax", "MOV CR3, r32"), ("ia32", "MOV CR3,EBX", "MOV CR3, r32"),
    ("ia32", "mov eax, cr0", "MOV r32, CR0"), ("ia32", "mov dr7, eax", "MOV DR7, r32"), ("ia32", "lgdt [x]", "LGDT"),
    ("ia32", "lgdt", "LGDT"), ("ia32", "hlt", "HLT"), ("ia32", "push cs", "PUSH Sreg"), ("ia32", "pop ds", "POP Sreg"),
    ("ia32", "mov ax, cs", "MOV Sreg"), ("ia32", "mov ds, ax", "MOV Sreg"), ("ia32", "jmp 0x08:next", "JMP far"),
    ("ia32", "ljmp $0x08, $1f", "JMP far"), ("ia32", "call far [ebx]", "CALL far"), ("ia32", "retf", "RET far"),
    ("ia32", "int 0x80", "INT n"), ("ia32", "int3", "INT n"), ("ia32", "jne again", "JNZ"), ("ia32", "je out", "JNZ"),
    ("ia32", "xor eax, eax", "ADD"), ("ia32", "test eax, eax", "CMP"), ("ia32", "smsw ax", "SMSW"),
    ("ia32", "str ax", "STR"), ("ia32", "sgdt [esp]", "SGDT"), ("ia32", "lar eax, ebx", "LAR"),
    ("ia32", "MOV CR3, r32", "MOV CR3, r32"), ("ia32", "push  sreg", "PUSH Sreg"),
    # ARMv7 (ARM ARM B4: CP15 c1,c0,0 = SCTLR, c2,c0,0 = TTBR0)
    ("armv7", "mcr p15, 0, r0, c2, c0, 0", "MCR p15 TTBR0"), ("armv7", "mrc p15, #0, r1, c1, c0, #0", "MRC p15 SCTLR"),
    ("armv7", "cpsid i", "CPS"), ("armv7", "mrs r0, cpsr", "MRS"), ("armv7", "ldmfd sp!, {r0-r12, pc}^", "LDM pc ^"),
    ("armv7", "stmdb sp, {r13, r14}^", "STM ^"), ("armv7", "subs pc, lr, #4", "SUBS pc, lr"),
    ("armv7", "add r0, r0, #1", "ADD"), ("armv7", "bne loop", "B"),
    # Power (SPR numbers: LR 8, SDR1 25, SRR0 26, SRR1 27)
    ("power", "mtspr 25, r3", "mtspr SDR1"), ("power", "mtsdr1 r3", "mtspr SDR1"), ("power", "mfsrr0 r4", "mfspr SRR0"),
    ("power", "mflr r0", "mfspr LR"), ("power", "mtmsr r3", "mtmsr"),
    # SPARC V8: RDPSR is 'rd %psr, reg'
    ("sparc", "rd %psr, %l0", "RDPSR"), ("sparc", "wr %l0, 0x20, %psr", "WRPSR"), ("sparc", "b loop", "BA"),
    ("s370", "lpsw 0(r1)", "LPSW"),
])
def test_real_spellings_map_to_the_catalogue(catalogue, isa, written, entry):
    reading = read_instruction(written, catalogue[isa])
    assert reading.entry == entry
    assert reading.exact == (" ".join(written.split()).upper() == entry.upper())  # every other reading says why


@pytest.mark.parametrize("isa, written, words", [
    ("ia32", "cpuid", ["not an instruction", "Known:", "CLI", "PUSHF"]),
    ("ia32", "popff", ["Did you mean POPF"]),
    ("ia32", "mov cr0, eax", ["MOV to CR0", "MOV CR3, r32"]),
    ("ia32", "mov", ["both operands"]),
    ("ia32", "push eax", ["PUSH Sreg"]),
    ("ia32", "jmp label", ["near", "JMP far"]),
    ("ia32", "ret", ["RET far"]),
    ("ia32", "mov %eax, %cr3", ["AT&T", "-M intel"]),
    ("armv7", "mcr p15, 0, r0, c3, c0, 0", ["SCTLR (c1, c0, 0)", "TTBR0 (c2, c0, 0)"]),
    ("armv7", "ldm r0, {r1}", ["without ^"]),
    ("power", "mtspr 9, r3", ["SDR1 25"]),
])
def test_unknown_spellings_say_what_is_known(catalogue, isa, written, words):
    with pytest.raises(SpellingError) as err:
        read_instruction(written, catalogue[isa])
    for word in words:
        assert word in str(err.value)


def test_comments_labels_and_case():
    assert strip_comment("pushfd ; save # flags") == "pushfd"
    assert strip_comment("add r0, r0, #1 # one") == "add r0, r0, #1"  # '#1' is an ARM immediate
    assert strip_comment("#comment") == ""


def test_program_keeps_what_was_written(catalogue):
    program = parse_program("start:\nagain: pushfd ; save\n  CLI\nPopFD\napp: sgdt [esp]", catalogue["ia32"])
    assert [(line.number, line.context, line.instruction.mnemonic, line.written) for line in program] == [
        (2, "kernel", "PUSHF", "pushfd"), (3, "kernel", "CLI", "CLI"), (4, "kernel", "POPF", "PopFD"),
        (5, "app", "SGDT", "sgdt [esp]")]
    assert program[0].how and not program[1].how


@pytest.mark.parametrize("text", ["POPF", "popfd", "CLI\nPOPF", "PUSHF\nPOPF\nPOPF", "app: PUSHF\nPOPF\nPOPF"])
def test_a_pop_without_a_push_is_refused_before_the_run(catalogue, text):
    with pytest.raises(ProgramError, match="nothing was pushed before it; put PUSHF earlier"):
        prepare(text, catalogue["ia32"])


def test_a_privileged_push_in_the_app_pushes_nothing(catalogue):
    program, trace = prepare("PUSHF\napp: CLI\nPOPF", catalogue["ia32"])
    assert len(program) == 3 and trace[-1].state.phase == "done"


def test_a_preset_that_cannot_run_is_a_located_lesson_error(catalogue, tmp_path):
    path = tmp_path / "programs.toml"
    path.write_text('[[program]]\nid = "only-popf"\nisa = "ia32"\nname = "x"\ndescription = "x"\ncode = "POPF"\n')
    with pytest.raises(LessonError) as err:
        load_programs(path, catalogue)
    assert str(err.value).startswith("programs.toml [[program]] #1 (only-popf): the code cannot run on the page: line 1:")
    assert "nothing was pushed" in str(err.value)


def test_every_shipped_preset_runs(catalogue):
    from ui import content

    for preset in content.programs():
        program, trace = prepare(preset.code, catalogue[preset.isa])
        assert trace[-1].state.phase == "done"


KERNEL_S = """.intel_syntax noprefix
.code32
.globl crit
crit:
    pushfd
    cli
    mov eax, DWORD PTR [counter]
    add eax, 1
    mov DWORD PTR [counter], eax
    popfd
    mov eax, cr0
    mov cr3, eax
    lgdt [gdt_desc]
    sgdt [gdt_desc]
    in al, dx
    out 0x80, al
    push cs
    mov ax, ss
    jmp 0x08:next
next:
    int 0x80
    retf
    hlt
counter: .long 0
gdt_desc: .word 0
"""


@pytest.fixture(scope="module")
def kernel_listing(tmp_path_factory):
    """A small kernel routine assembled with GNU as and listed with objdump -d -M intel, as a student would paste it."""
    import shutil
    import subprocess

    if not (shutil.which("as") and shutil.which("objdump")):
        pytest.skip("GNU as and objdump are needed to build the listing")
    folder = tmp_path_factory.mktemp("kernel")
    (folder / "k.S").write_text(KERNEL_S)
    subprocess.run(["as", "--32", "k.S", "-o", "k.o"], cwd=folder, check=True, capture_output=True)
    return subprocess.run(["objdump", "-d", "-M", "intel", "k.o"], cwd=folder, check=True, capture_output=True,
                          text=True).stdout


def test_an_objdump_listing_reads_as_its_instructions(catalogue, kernel_listing):
    program = parse_program(kernel_listing, catalogue["ia32"])
    entries = [line.instruction.mnemonic for line in program]
    assert entries[:18] == ["PUSHF", "CLI", "MOV r32, r32", "ADD", "MOV r32, r32", "POPF", "MOV r32, CR0",
                            "MOV CR3, r32", "LGDT", "SGDT", "IN", "OUT", "PUSH Sreg", "MOV Sreg", "JMP far", "INT n",
                            "RET far", "HLT"]
    assert program[0].written == "pushf" and "lgdtd" in program[8].written  # objdump's own names, shown as written
    # the data after the code disassembles too ('add BYTE PTR [eax],al'): an ADD, innocuous, as objdump shows it
    assert all(m == "ADD" for m in entries[18:])
    _, trace = prepare(kernel_listing, catalogue["ia32"])
    assert trace[-1].counters["divergences"] >= 2  # POPF silently ignored, MOV from SS reveals ring 1


@pytest.mark.parametrize("written, entry", [
    ("jmp 0x8:0x32", "JMP far"), ("jmp FWORD PTR ds:0x40", "JMP far"), ("call 08h:1234h", "CALL far"),
    ("jmp CODE_SEL:next", "JMP far"),
])
def test_far_pointers_and_segment_overrides_are_told_apart(catalogue, written, entry):
    assert read_instruction(written, catalogue["ia32"]).entry == entry


@pytest.mark.parametrize("written", ["jmp DWORD PTR ds:0x40", "jmp [es:di]", "call 1f <helper>"])
def test_a_segment_override_is_a_near_jump(catalogue, written):
    with pytest.raises(SpellingError, match="near"):
        read_instruction(written, catalogue["ia32"])


def test_a_label_after_the_prefix_is_skipped_too(catalogue):
    program = parse_program("app: again: sgdt [esp]\nkernel: top:  cli", catalogue["ia32"])
    assert [(line.context, line.instruction.mnemonic) for line in program] == [("app", "SGDT"), ("kernel", "CLI")]
    with pytest.raises(ProgramError, match="names no instruction after the prefix"):
        parse_program("app: only_a_label:", catalogue["ia32"])
