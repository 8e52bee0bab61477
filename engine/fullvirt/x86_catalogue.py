"""What the binary translator must know about every x86 instruction capstone decodes.

The IA-32 catalogue (lessons/isas/20-ia32.toml) lists the instructions the lecture discusses. A
real listing holds many more, and no instruction may be called innocuous just because nobody
listed it. This module adds the rest of the architecture manual's lists:

* privileged: raises #GP(0) (or #UD) outside ring 0. Intel SDM Vol. 3A §5.9 names LGDT, LLDT,
  LTR, LIDT, MOV to/from CR and DR, LMSW, CLTS, INVD, WBINVD, INVLPG, HLT, RDMSR, WRMSR, RDPMC
  and RDTSC; CR4.PCE and CR4.TSD make RDPMC and RDTSC usable at any CPL (sources.toml:
  ia32-privileged). The model assumes a guest kernel that leaves CR4.PCE clear (RDPMC traps) and
  CR4.TSD clear (RDTSC does not). Later instructions that check CPL = 0 on their SDM page are
  listed too (sources.toml: x86-cpl0-later).
* IOPL-sensitive: CLI, STI, IN, OUT and their string forms trap at CPL > IOPL (sources.toml: ia32-iopl).
* critical (sensitive, not privileged): Robin & Irvine's list, in the catalogue; plus IRET, which
  at CPL > 0 silently keeps IF and IOPL (sources.toml: iret-silent), and LDS/LES/LFS/LGS/LSS, which
  load a segment register like MOV Sreg (sources.toml: segment-loads).
* control transfers: end a translation unit (sources.toml: bt-ident-chaining). capstone's
  instruction groups JUMP, CALL, RET, IRET and INT mark them, except LOOP/LOOPE/LOOPNE, which
  capstone 5 puts in BRANCH_RELATIVE only, so the table adds them.

capstone's PRIVILEGE group is not used: capstone 5 puts MOV and POP (for their segment-register
forms), STR and IRETD in it, which are not privileged, and leaves out RDMSR, CLTS, IN and OUT,
which are (tests/test_x86_reader.py checks both lists).
"""

from __future__ import annotations

# Groups of capstone's detail mode that mark a control transfer.
TRANSFER_GROUPS = frozenset({"jump", "call", "ret", "iret", "int"})

# Base mnemonics (capstone's spelling, prefixes removed) that transfer control. Used for lines
# typed without machine code, and to add what capstone's groups miss.
TRANSFERS = frozenset({
    "jmp", "ljmp", "call", "lcall", "ret", "retf", "retfq", "iret", "iretd", "iretq",
    "int", "int1", "int3", "into", "sysenter", "syscall", "sysexit", "sysexitq", "sysret", "sysretq",
    "loop", "loope", "loopne", "jcxz", "jecxz", "jrcxz",
    "je", "jne", "jb", "jae", "jbe", "ja", "jl", "jge", "jle", "jg", "js", "jns", "jo", "jno", "jp", "jnp",
    "xbegin",
})

# Transfers whose target the model cannot follow inside the listing: the run ends there.
LEAVES_LISTING = {
    "sysenter": "SYSENTER enters the kernel at the address in the IA32_SYSENTER_EIP MSR",
    "syscall": "SYSCALL enters the kernel at the address in the IA32_LSTAR MSR",
    "sysexit": "SYSEXIT returns to user code at the address in EDX",
    "sysexitq": "SYSEXIT returns to user code at the address in RDX",
    "sysret": "SYSRET returns to user code at the address in RCX",
    "sysretq": "SYSRET returns to user code at the address in RCX",
    "xbegin": "XBEGIN continues at its fallback address only when a transaction aborts",
}

IOPL_SENSITIVE = frozenset({"cli", "sti", "in", "out", "insb", "insw", "insd", "outsb", "outsw", "outsd"})

# Privileged instructions the catalogue does not list: base mnemonic -> why (and the source id).
PRIVILEGED: dict[str, tuple[str, str]] = {
    "rdpmc": ("RDPMC reads a performance counter; it raises #GP(0) outside ring 0 unless CR4.PCE = 1, which "
              "this model assumes is clear.", "ia32-privileged"),
    "rsm": ("RSM returns from system-management mode; outside it the CPU raises #UD, so it never runs in the guest.",
            "x86-cpl0-later"),
    "sysexit": ("SYSEXIT must be executed at CPL 0 (#GP(0) otherwise): it is the kernel's fast return to ring 3.",
                "x86-cpl0-later"),
    "sysexitq": ("SYSEXIT must be executed at CPL 0 (#GP(0) otherwise): it is the kernel's fast return to ring 3.",
                 "x86-cpl0-later"),
    "sysret": ("SYSRET raises #GP(0) unless CPL = 0: it is the kernel's fast return from SYSCALL.", "x86-cpl0-later"),
    "sysretq": ("SYSRET raises #GP(0) unless CPL = 0: it is the kernel's fast return from SYSCALL.", "x86-cpl0-later"),
    "swapgs": ("SWAPGS exchanges GS.base with IA32_KERNEL_GS_BASE and raises #GP(0) unless CPL = 0 "
               "(64-bit mode only).", "x86-cpl0-later"),
    "xsetbv": ("XSETBV writes an extended control register (XCR0) and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "xsaves": ("XSAVES saves supervisor state and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "xsaves64": ("XSAVES saves supervisor state and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "xrstors": ("XRSTORS restores supervisor state and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "xrstors64": ("XRSTORS restores supervisor state and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "invpcid": ("INVPCID invalidates TLB entries and raises #GP(0) unless CPL = 0.", "x86-cpl0-later"),
    "wbnoinvd": ("WBNOINVD writes back caches and raises #GP(0) unless CPL = 0, like WBINVD.", "x86-cpl0-later"),
    "stac": ("STAC sets EFLAGS.AC for supervisor access to user pages and raises #UD unless CPL = 0.", "x86-cpl0-later"),
    "clac": ("CLAC clears EFLAGS.AC and raises #UD unless CPL = 0.", "x86-cpl0-later"),
}
# Hardware-virtualization instructions: they need CPL 0 (VMX root or SVM); the lecture's IA-32 is before VT-x.
_VMX = ("vmxon", "vmxoff", "vmclear", "vmptrld", "vmptrst", "vmread", "vmwrite", "vmlaunch", "vmresume",
        "invept", "invvpid", "vmrun", "vmload", "vmsave", "vmmcall", "clgi", "stgi", "skinit", "invlpga")
for _m in _VMX:
    PRIVILEGED[_m] = (f"{_m.upper()} is a hardware-virtualization (VT-x or AMD-V) instruction: it needs CPL 0 and "
                      "raises #UD or #GP outside it. The lecture's IA-32 predates VT-x.", "x86-cpl0-later")
PRIVILEGED["vmcall"] = ("VMCALL calls a hypervisor: outside VMX operation it raises #UD, so it never runs as written "
                        "in this (pre-VT-x) guest.", "x86-cpl0-later")

# Critical instructions the catalogue does not list by name: base mnemonic -> (catalogue form it behaves like, why).
CRITICAL: dict[str, tuple[str, str, str]] = {
    "iretd": ("IRET", "at CPL > 0 it restores EFLAGS without changing IOPL (only at CPL 0) or IF (only at "
              "CPL <= IOPL), without an exception, like POPF; and it returns through a CPL-checked far return. "
              "It also transfers control, so it ends the translation unit.", "iret-silent"),
    "lds": ("LDS", "it loads DS from a far pointer: the same CPL/DPL checks as MOV to a segment register "
            "(Robin & Irvine list MOV, PUSH and POP with segment registers; the app treats the far-pointer loads "
            "like them).", "segment-loads"),
}
for _m in ("les", "lfs", "lgs", "lss"):
    CRITICAL[_m] = (_m.upper(), CRITICAL["lds"][1].replace("loads DS", f"loads {_m[1:].upper()}"),
                    "segment-loads")

# General-purpose instructions (Intel SDM Vol. 1 §5.1: data transfer, binary arithmetic, logical, shift and
# rotate, bit and byte, string, flag control for CF/DF, miscellaneous): they act only on general registers,
# the arithmetic flags and memory the program owns, so they run unchanged in ring 1 (sources.toml:
# x86-general-purpose). Their segment-register and control-register forms are decided before this list.
GENERAL_PURPOSE = frozenset({
    "mov", "movzx", "movsx", "movsxd", "movabs", "xchg", "xadd", "cmpxchg", "cmpxchg8b", "cmpxchg16b", "bswap",
    "push", "pop", "pushal", "popal", "pushaw", "popaw", "cwde", "cdq", "cbw", "cwd", "cdqe", "cqo", "lea", "xlatb",
    "add", "adc", "sub", "sbb", "imul", "mul", "idiv", "div", "inc", "dec", "neg", "cmp",
    "and", "or", "xor", "not", "test", "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd",
    "bt", "bts", "btr", "btc", "bsf", "bsr", "lzcnt", "tzcnt", "popcnt",
    "sete", "setne", "setb", "setae", "setbe", "seta", "setl", "setge", "setle", "setg", "sets", "setns", "seto",
    "setno", "setp", "setnp",
    "cmove", "cmovne", "cmovb", "cmovae", "cmovbe", "cmova", "cmovl", "cmovge", "cmovle", "cmovg", "cmovs",
    "cmovns", "cmovo", "cmovno", "cmovp", "cmovnp",
    "movsb", "movsw", "movsd", "movsq", "stosb", "stosw", "stosd", "stosq", "lodsb", "lodsw", "lodsd", "lodsq",
    "cmpsb", "cmpsw", "cmpsd", "cmpsq", "scasb", "scasw", "scasd", "scasq",
    "clc", "stc", "cmc", "cld", "std", "lahf", "sahf", "enter", "leave", "nop", "pause",
    "daa", "das", "aaa", "aas", "aam", "aad",
})

# capstone's PRIVILEGE group disagrees with the manual on these (checked by tests/test_x86_reader.py).
CAPSTONE_PRIVILEGE_WRONG = frozenset({"mov", "pop", "str", "iretd"})

__all__ = ["CAPSTONE_PRIVILEGE_WRONG", "CRITICAL", "GENERAL_PURPOSE", "IOPL_SENSITIVE", "LEAVES_LISTING", "PRIVILEGED", "TRANSFERS",
           "TRANSFER_GROUPS"]
