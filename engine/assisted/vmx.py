"""Intel VT-x: the VMCS, VM entries and exits, tagged TLBs and direct device assignment (lecture 2.3,
"CPU Virtualization Extensions", "VMM Control Structures", "Tagged Translation Lookaside Buffer",
"Direct Assignment"; sources.toml: vtx-modes, vmcs-layout, vmx-controls, vmx-exit-rules, vpid).

The lecture's point is that the VMM no longer has to find sensitive instructions itself: it writes
control bits into the VMCS ("exit on IN, OUT, CPUID, ...") and the CPU leaves non-root mode exactly
when a bit says so, plus on the instructions that always exit. So :func:`simulate` decides every exit
from the VMCS bits alone, with the real bit positions and basic exit-reason numbers, and charges each
exit the measured hardware latency of a CPU generation plus a software-handling assumption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Literal, Mapping, Sequence

from engine.fullvirt.paging import PF_VECTOR, X86_64
from engine.fullvirt.tlb import POLICIES, TLB, Policy
from engine.core.trace import Trace, TraceBuilder


class VmxError(ValueError):
    """A VMCS, workload or setting cannot be used; the message names the line, row or field."""


# --------------------------------------------------------------------------- facts

# sources.toml: vmx-exit-reasons, linux uapi vmx.h, xen vmx.h; SDM Vol. 3D App. C "VMX Basic Exit Reasons".
EXIT_REASONS: dict[int, str] = {
    0: "Exception or NMI", 1: "External interrupt", 2: "Triple fault", 3: "INIT signal", 4: "SIPI", 5: "I/O SMI",
    6: "Other SMI", 7: "Interrupt window", 8: "NMI window", 9: "Task switch", 10: "CPUID", 11: "GETSEC", 12: "HLT",
    13: "INVD", 14: "INVLPG", 15: "RDPMC", 16: "RDTSC", 17: "RSM", 18: "VMCALL", 19: "VMCLEAR", 20: "VMLAUNCH",
    21: "VMPTRLD", 22: "VMPTRST", 23: "VMREAD", 24: "VMRESUME", 25: "VMWRITE", 26: "VMXOFF", 27: "VMXON",
    28: "Control-register access", 29: "MOV DR", 30: "I/O instruction", 31: "RDMSR", 32: "WRMSR",
    33: "VM-entry failure: invalid guest state", 34: "VM-entry failure: MSR loading", 36: "MWAIT",
    37: "Monitor trap flag", 39: "MONITOR", 40: "PAUSE", 41: "Machine-check during VM entry", 43: "TPR below threshold",
    44: "APIC access", 45: "Virtualized EOI", 46: "GDTR/IDTR access", 47: "LDTR/TR access", 48: "EPT violation",
    49: "EPT misconfiguration", 50: "INVEPT", 51: "RDTSCP", 52: "VMX-preemption timer expired", 53: "INVVPID",
    54: "WBINVD/WBNOINVD", 55: "XSETBV", 56: "APIC write", 57: "RDRAND", 58: "INVPCID", 59: "VMFUNC", 60: "ENCLS",
    61: "RDSEED", 62: "PML log full", 63: "XSAVES", 64: "XRSTORS",
    # newer reasons in linux uapi vmx.h (sources.toml: vmx-exit-reasons)
    67: "UMWAIT", 68: "TPAUSE", 74: "Bus lock", 75: "Notify", 76: "SEAMCALL", 77: "TDCALL",
    84: "MSR read (immediate)", 85: "MSR write (immediate)",
}

# sources.toml: vmx-controls, linux vmxfeatures.h word 1, xen vmcs.h: primary processor-based controls (field 0x4002).
PRIMARY_CONTROLS: dict[str, int] = {
    "interrupt-window exiting": 2, "use TSC offsetting": 3, "HLT exiting": 7, "INVLPG exiting": 9, "MWAIT exiting": 10,
    "RDPMC exiting": 11, "RDTSC exiting": 12, "CR3-load exiting": 15, "CR3-store exiting": 16,
    "activate tertiary controls": 17, "CR8-load exiting": 19, "CR8-store exiting": 20, "use TPR shadow": 21,
    "NMI-window exiting": 22, "MOV-DR exiting": 23, "unconditional I/O exiting": 24, "use I/O bitmaps": 25,
    "monitor trap flag": 27, "use MSR bitmaps": 28, "MONITOR exiting": 29, "PAUSE exiting": 30,
    "activate secondary controls": 31,
}
# sources.toml: vmx-controls, vmxfeatures.h word 2, xen vmcs.h: secondary processor-based controls (field 0x401e).
SECONDARY_CONTROLS: dict[str, int] = {
    "virtualize APIC accesses": 0, "enable EPT": 1, "descriptor-table exiting": 2, "enable RDTSCP": 3,
    "virtualize x2APIC mode": 4, "enable VPID": 5, "WBINVD exiting": 6, "unrestricted guest": 7,
    "APIC-register virtualization": 8, "virtual-interrupt delivery": 9, "PAUSE-loop exiting": 10, "RDRAND exiting": 11,
    "enable INVPCID": 12, "enable VM functions": 13, "VMCS shadowing": 14, "ENCLS exiting": 15, "RDSEED exiting": 16,
    "enable PML": 17, "EPT-violation #VE": 18, "conceal VMX from PT": 19, "enable XSAVES/XRSTORS": 20,
    "mode-based execute control for EPT": 22, "PT uses guest-physical addresses": 24, "TSC scaling": 25,
    "enable user wait and pause": 26, "ENCLV exiting": 28, "bus-lock detection": 30, "notify VM exiting": 31,
}
# sources.toml: vmx-controls, pin-based controls (field 0x4000).
PIN_CONTROLS: dict[str, int] = {
    "external-interrupt exiting": 0, "NMI exiting": 3, "virtual NMIs": 5, "activate VMX-preemption timer": 6,
    "process posted interrupts": 7,
}
# linux arch/x86/include/asm/vmx.h VM_EXIT_HOST_ADDR_SPACE_SIZE 0x200, VM_EXIT_ACK_INTR_ON_EXIT 0x8000,
# VM_ENTRY_IA32E_MODE 0x200 (read in that header, no sources.toml entry; only the bits the model's text uses).
EXIT_CONTROLS: dict[str, int] = {"host address-space size": 9, "acknowledge interrupt on exit": 15}
ENTRY_CONTROLS: dict[str, int] = {"IA-32e mode guest": 9}

# VMCS field encodings. sources.toml: vmcs-layout (linux asm/vmx.h enum vmcs_field) for PIN/CPU/SECONDARY/EXCEPTION_BITMAP,
# VIRTUAL_PROCESSOR_ID, VM_EXIT_REASON, EXIT_QUALIFICATION, GUEST_CR3, GUEST_RIP, HOST_RIP, EPT_POINTER; the rest
# from the same enum.
FIELDS: dict[str, int] = {
    "VIRTUAL_PROCESSOR_ID": 0x0000, "IO_BITMAP_A": 0x2000, "IO_BITMAP_B": 0x2002, "MSR_BITMAP": 0x2004,
    "EPT_POINTER": 0x201A, "GUEST_PHYSICAL_ADDRESS": 0x2400, "PIN_BASED_VM_EXEC_CONTROL": 0x4000,
    "CPU_BASED_VM_EXEC_CONTROL": 0x4002, "EXCEPTION_BITMAP": 0x4004, "VM_EXIT_CONTROLS": 0x400C,
    "VM_ENTRY_CONTROLS": 0x4012, "SECONDARY_VM_EXEC_CONTROL": 0x401E, "VM_EXIT_REASON": 0x4402,
    "CR0_GUEST_HOST_MASK": 0x6000, "CR4_GUEST_HOST_MASK": 0x6002, "EXIT_QUALIFICATION": 0x6400,
    "GUEST_CR0": 0x6800, "GUEST_CR3": 0x6802, "GUEST_CR4": 0x6804, "GUEST_RSP": 0x681C, "GUEST_RIP": 0x681E,
    "GUEST_RFLAGS": 0x6820, "HOST_CR3": 0x6C02, "HOST_RSP": 0x6C14, "HOST_RIP": 0x6C16,
}
GROUP_FIELD = {"pin": "PIN_BASED_VM_EXEC_CONTROL", "primary": "CPU_BASED_VM_EXEC_CONTROL",
               "secondary": "SECONDARY_VM_EXEC_CONTROL", "exit": "VM_EXIT_CONTROLS", "entry": "VM_ENTRY_CONTROLS"}
GROUPS: dict[str, dict[str, int]] = {"pin": PIN_CONTROLS, "primary": PRIMARY_CONTROLS, "secondary": SECONDARY_CONTROLS,
                                     "exit": EXIT_CONTROLS, "entry": ENTRY_CONTROLS}

# Exception vectors the workload can raise (SDM Vol. 3A "Exception and Interrupt Reference"); bit v of the
# exception bitmap makes vector v exit (sources.toml: vmcs-layout; #PF = bit 14, engine.fullvirt.paging.PF_VECTOR).
EXCEPTIONS: dict[str, int] = {"DE": 0, "DB": 1, "BP": 3, "UD": 6, "NM": 7, "GP": 13, "PF": PF_VECTOR}

# sources.toml: vmx-exit-rules, SDM Vol. 3C "Instructions That Cause VM Exits Unconditionally": mnemonic → basic exit reason.
UNCONDITIONAL: dict[str, int] = {
    "cpuid": 10, "getsec": 11, "invd": 13, "xsetbv": 55, "vmcall": 18, "vmclear": 19, "vmlaunch": 20, "vmptrld": 21,
    "vmptrst": 22, "vmresume": 24, "vmxoff": 26, "vmxon": 27, "invept": 50, "invvpid": 53,
}
# sources.toml: vmx-exit-rules, conditional exits: mnemonic → (control group, control, exit reason).
CONDITIONAL: dict[str, tuple[str, str, int]] = {
    "hlt": ("primary", "HLT exiting", 12), "invlpg": ("primary", "INVLPG exiting", 14),
    "rdpmc": ("primary", "RDPMC exiting", 15), "rdtsc": ("primary", "RDTSC exiting", 16),
    "mwait": ("primary", "MWAIT exiting", 36), "monitor": ("primary", "MONITOR exiting", 39),
    "pause": ("primary", "PAUSE exiting", 40), "wbinvd": ("secondary", "WBINVD exiting", 54),
    "rdrand": ("secondary", "RDRAND exiting", 57), "rdseed": ("secondary", "RDSEED exiting", 61),
    "lgdt": ("secondary", "descriptor-table exiting", 46), "lidt": ("secondary", "descriptor-table exiting", 46),
    "sgdt": ("secondary", "descriptor-table exiting", 46), "sidt": ("secondary", "descriptor-table exiting", 46),
    "lldt": ("secondary", "descriptor-table exiting", 47), "ltr": ("secondary", "descriptor-table exiting", 47),
    "sldt": ("secondary", "descriptor-table exiting", 47), "str": ("secondary", "descriptor-table exiting", 47),
}
PLAIN = frozenset({"add", "sub", "nop", "inc", "dec", "cmp", "xor", "and", "or", "jmp", "jne", "je", "call", "ret",
                   "push", "pop", "mov", "lea", "test", "shl", "shr", "imul"})

# sources.toml: vmexit-latency, Bugnion, Nieh & Tsafrir 2017 Table 4.3: cycles of one page-fault VM exit per generation.
# What the figure is: the hardware latency of a VM exit (guest #PF to the VMM's handler), not an exit+entry round
# trip. Adams & Agesen's "page fault VM exit" (sources.toml: aa-vm-entry) agrees on the same CPUs (1931 vs 1926 cycles
# on Prescott, 1186 vs 1156 on Merom) and lists the VM entry apart (2409 and 937 cycles), so the entry is extra.
LATENCY: dict[str, int] = {"Prescott": 1926, "Merom": 1156, "Penryn": 858, "Westmere": 569, "Sandy Bridge": 507,
                           "Ivy Bridge": 466, "Haswell": 512, "Broadwell": 531}
YEARS: dict[str, int] = {"Prescott": 2005, "Merom": 2006, "Penryn": 2008, "Westmere": 2010, "Sandy Bridge": 2011,
                         "Ivy Bridge": 2012, "Haswell": 2013, "Broadwell": 2014}
# The VMM's software work per exit (decode, emulate, resume). This app's assumption, inside the "hundreds to
# thousands" of cycles a KVM exit takes (sources.toml: vmexit-handling); not a measurement, and the same for every exit reason.
HANDLING_CYCLES = 1000
LATENCY_MEANS = ("the hardware latency of one VM exit caused by a guest page fault, from the guest's instruction to the "
                 "VMM's exit handler (Bugnion, Nieh & Tsafrir 2017, Table 4.3); the VM entry back (VMRESUME) is not "
                 "included, so a whole exit-and-resume costs more than the model charges")
# SDM Vol. 3C "MSR-Bitmap Address": the bitmap covers these two MSR ranges; RDMSR/WRMSR outside them always exit.
MSR_BITMAP_RANGES = ((0x0, 0x1FFF), (0xC000_0000, 0xC000_1FFF))
# sources.toml: vpid, linux vmx.h VMX_NR_VPIDS (1 << 16); VPID 0 is the VMM's (ITJ 2006).
VPID_COUNT = 1 << 16
# sources.toml: nested-walk: a TLB miss under 4-level EPT with a 4-level guest walks (4+1)(4+1)-1 = 24 references.
NESTED_WALK_REFERENCES = (4 + 1) * (4 + 1) - 1
PAGE_SHIFT = 12  # sources.toml: x86-64-paging: 4 KiB pages; guest-physical pages in the model are 4 KiB
MAX_LINES = 200  # workload lines: more would not animate readably
MAX_REPEAT = 1_000_000

SIMPLIFICATIONS = (
    "The model keeps only what decides an exit: the control bits, the exception bitmap, I/O and MSR bitmaps "
    "as sets, and CR0/CR4 guest/host masks (a MOV to CR0/CR4 exits whenever the mask is non-zero, as if the guest "
    "always changed an owned bit). There is no CR3-target list, an I/O access checks only its first port, and "
    "MSR numbers and ports are written in the instruction instead of ECX/DX. Guest-virtual equals guest-physical "
    "for load/store/pte. With EPT, an EPT violation is modelled as the first access to each 4 KiB guest-physical "
    "page; without EPT (shadow paging), the first access to each page is a hidden page fault, every guest PTE "
    "write faults on the write-protected table, and the VMM keeps one shadow for the whole guest. Each exit costs "
    f"the generation's page-fault VM-exit latency (Bugnion, Nieh & Tsafrir 2017) plus {HANDLING_CYCLES} cycles of handling "
    "(an assumption); the VM entry back is not charged (no figure per generation; on a Core 2 it took 937 cycles, "
    "Adams & Agesen 2006); instructions that do not exit cost nothing extra. Guest RIP advances 4 bytes per line."
)


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


_LOOKUP = {group: {_key(name): name for name in table} for group, table in GROUPS.items()}


def exit_name(reason: int) -> str:
    return EXIT_REASONS.get(reason, f"reason {reason}")


# --------------------------------------------------------------------------- the VMCS

@dataclass(frozen=True)
class GuestState:
    """Guest-state area: saved on every VM exit, loaded on every VM entry (sources.toml: vmcs-layout)."""

    cr0: int = 0x8005_0033  # PG, WP, NE, ET, MP, PE: a paging protected-mode guest
    cr3: int = 0x0010_0000
    cr4: int = 0x0000_20A0  # PAE, PGE (and VMXE as the CPU requires in VMX operation)
    rip: int = 0x0040_1000
    rsp: int = 0x7FF0_0000
    rflags: int = 0x0000_0202  # IF = 1, reserved bit 1


@dataclass(frozen=True)
class HostState:
    """Host-state area: loaded on every VM exit, so the CPU lands in the VMM's exit handler."""

    cr3: int = 0x0000_1000
    rip: int = 0xFFFF_FFFF_8100_0000  # the VMM's exit handler
    rsp: int = 0xFFFF_C900_0000_8000


@dataclass(frozen=True)
class ExitInfo:
    """Exit-information area (read-only for the VMM): why the guest left."""

    reason: int
    qualification: str
    guest_physical: int | None = None

    @property
    def name(self) -> str:
        return exit_name(self.reason)


@dataclass(frozen=True)
class Vmcs:
    """The six VMCS areas; execution controls as the names of the set bits."""

    pin: frozenset[str] = frozenset()
    primary: frozenset[str] = frozenset()
    secondary: frozenset[str] = frozenset()
    exception_bitmap: int = 0  # bit v set: exception vector v exits (bit 14 = #PF)
    io_ports: frozenset[int] = frozenset()  # ports whose bit is set in I/O bitmaps A (0–0x7fff) and B
    msr_read: frozenset[int] = frozenset()  # MSRs whose read bit is set in the MSR bitmap
    msr_write: frozenset[int] = frozenset()
    cr0_mask: int = 0
    cr4_mask: int = 0
    vpid: int = 0
    exit_controls: frozenset[str] = frozenset({"host address-space size", "acknowledge interrupt on exit"})
    entry_controls: frozenset[str] = frozenset({"IA-32e mode guest"})
    guest: GuestState = GuestState()
    host: HostState = HostState()
    exit_info: ExitInfo | None = None

    def word(self, group: str) -> int:
        """The 32-bit value of a control field, as VMWRITE would store it."""
        names = getattr(self, {"exit": "exit_controls", "entry": "entry_controls"}.get(group, group))
        return sum(1 << GROUPS[group][name] for name in names)

    def on(self, group: str, name: str) -> bool:
        """Is a control in effect? Secondary controls count only with primary bit 31 set, as on the CPU."""
        if group == "secondary" and "activate secondary controls" not in self.primary:
            return False
        return name in getattr(self, group)

    @property
    def ept(self) -> bool:
        return self.on("secondary", "enable EPT")

    @property
    def vpid_enabled(self) -> bool:
        return self.on("secondary", "enable VPID")

    def intercepts(self, vector: int) -> bool:
        return bool(self.exception_bitmap >> vector & 1)


_DIGITS = 24  # more characters than any 64-bit number needs in decimal (20) or hex (0x + 16): read no further


def _number(where: str, what: str, token: str, limit: int) -> int:
    if len(token.strip()) > _DIGITS:  # also keeps int() from its 4,300-digit ValueError
        raise VmxError(f"{where}: {what} of {len(token.strip()):,} characters is out of range 0–{limit:#x}")
    try:
        value = int(token.strip(), 0)
    except ValueError:
        raise VmxError(f"{where}: {what} '{token.strip()}' is not a number (write 0x60 or 96)") from None
    if not 0 <= value <= limit:
        raise VmxError(f"{where}: {what} {token.strip()} is out of range 0–{limit:#x}")
    return value


def _items(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class _Builder:
    """Collects controls from text lines or editor rows, then checks the combination once."""

    def __init__(self) -> None:
        self.sets: dict[str, set[str]] = {group: set() for group in GROUPS}
        self.exit_entry_given: set[str] = set()
        self.exceptions = 0
        self.io: set[int] = set()
        self.msr_read: set[int] = set()
        self.msr_write: set[int] = set()
        self.masks = {"cr0 mask": 0, "cr4 mask": 0}
        self.vpid = 0
        self.where_secondary: str | None = None

    def control(self, where: str, group: str, token: str) -> None:
        table = GROUPS[group]
        bit = re.fullmatch(r"(?:bit\s*)?(\d+)", token.strip().lower())
        if bit:
            number = int(bit.group(1)) if len(bit.group(1)) <= 3 else 1000  # 1000: out of range, said below
            if number > 31:
                raise VmxError(f"{where}: {group} bit {bit.group(1)} is out of range 0–31 (a control field is 32 bits)")
            names = [name for name, b in table.items() if b == number]
            if not names:
                known = ", ".join(str(b) for b in sorted(table.values()))
                raise VmxError(f"{where}: {group} bit {number} is not a control this model knows (known bits: {known})")
            name = names[0]
        else:
            name = _LOOKUP[group].get(_key(token))
            if name is None:
                raise VmxError(f"{where}: unknown {group} control '{token.strip()}' "
                               f"(known: {', '.join(sorted(table, key=table.__getitem__))})")
        self.sets[group].add(name)
        if group == "secondary" and self.where_secondary is None:
            self.where_secondary = where

    def apply(self, where: str, group: str, value: str) -> None:
        group = _key(group)
        if group in GROUPS:
            if group in ("exit", "entry"):
                self.exit_entry_given.add(group)
            for token in _items(value):
                self.control(where, group, token)
        elif group in ("exceptions", "exception bitmap"):
            for token in _items(value):
                name = token.upper().lstrip("#")
                vector = EXCEPTIONS[name] if name in EXCEPTIONS else _number(where, "exception vector", token, 31)
                self.exceptions |= 1 << vector
        elif group in ("io", "i/o bitmap", "io bitmap"):
            for token in _items(value):
                low, _, high = token.partition("-")
                first = _number(where, "port", low, 0xFFFF)
                last = _number(where, "port", high, 0xFFFF) if high else first
                if last < first:
                    raise VmxError(f"{where}: port range {token} runs backwards")
                self.io.update(range(first, last + 1))
        elif group in ("msr", "msr read", "msr write"):
            for token in _items(value):
                msr = _number(where, "MSR", token, 0xFFFF_FFFF)
                if group != "msr write":
                    self.msr_read.add(msr)
                if group != "msr read":
                    self.msr_write.add(msr)
        elif group in self.masks:
            self.masks[group] = _number(where, group, value, 0xFFFF_FFFF_FFFF_FFFF)
        elif group == "vpid":
            self.vpid = _number(where, "VPID", value, VPID_COUNT - 1)
        else:
            raise VmxError(f"{where}: unknown VMCS field '{group}' (use pin, primary, secondary, exit, entry, "
                           "exceptions, io, msr, msr read, msr write, cr0 mask, cr4 mask or vpid)")

    def build(self) -> Vmcs:
        # Error, not warning: the CPU would silently ignore these bits, which is exactly what a student should see.
        if self.sets["secondary"] and "activate secondary controls" not in self.sets["primary"]:
            raise VmxError(f"{self.where_secondary}: secondary controls ({', '.join(sorted(self.sets['secondary']))}) "
                           "are set but 'activate secondary controls' (primary bit 31) is 0, so the CPU would ignore "
                           "them; set 'primary: activate secondary controls' too")
        if "enable VPID" in self.sets["secondary"] and self.vpid == 0:
            raise VmxError("vpid: 'enable VPID' is set but the VPID is 0, which is reserved for the VMM; "
                           "give 'vpid: 1' or higher")
        defaults = Vmcs()
        return Vmcs(
            pin=frozenset(self.sets["pin"]), primary=frozenset(self.sets["primary"]),
            secondary=frozenset(self.sets["secondary"]), exception_bitmap=self.exceptions,
            io_ports=frozenset(self.io), msr_read=frozenset(self.msr_read), msr_write=frozenset(self.msr_write),
            cr0_mask=self.masks["cr0 mask"], cr4_mask=self.masks["cr4 mask"], vpid=self.vpid,
            exit_controls=frozenset(self.sets["exit"]) if "exit" in self.exit_entry_given else defaults.exit_controls,
            entry_controls=frozenset(self.sets["entry"]) if "entry" in self.exit_entry_given else defaults.entry_controls,
        )


def parse_controls(text: str) -> Vmcs:
    """Lines ``field: value, value`` (e.g. ``primary: HLT exiting, bit 25``, ``io: 0x60, 0x3f8-0x3ff``); ';' comments."""
    builder = _Builder()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        field, colon, value = line.partition(":")
        if not colon:
            raise VmxError(f"line {number}: '{line}' needs the form 'field: value', e.g. 'primary: HLT exiting'")
        builder.apply(f"line {number}", field, value)
    return builder.build()


def _ports_text(ports: Iterable[int]) -> str:
    """Compress sorted ports into ranges, so the editor shows '0x3f8-0x3ff' instead of eight numbers."""
    spans: list[list[int]] = []
    for port in sorted(ports):
        if spans and port == spans[-1][1] + 1:
            spans[-1][1] = port
        else:
            spans.append([port, port])
    return ", ".join(f"{a:#x}" if a == b else f"{a:#x}-{b:#x}" for a, b in spans)


def controls_text(vmcs: Vmcs) -> str:
    """The editor text for a VMCS; ``parse_controls(controls_text(v))`` gives the same controls back."""
    lines = []
    for group, table in GROUPS.items():
        names = vmcs.exit_controls if group == "exit" else vmcs.entry_controls if group == "entry" else getattr(vmcs, group)
        if names or group in ("exit", "entry"):
            lines.append(f"{group}: {', '.join(sorted(names, key=table.__getitem__))}")
    vectors = [f"#{n}" for n, v in EXCEPTIONS.items() if vmcs.intercepts(v)]
    vectors += [str(v) for v in range(32) if vmcs.intercepts(v) and v not in EXCEPTIONS.values()]
    for field, value in (("exceptions", ", ".join(vectors)), ("io", _ports_text(vmcs.io_ports)),
                         ("msr read", ", ".join(f"{m:#x}" for m in sorted(vmcs.msr_read))),
                         ("msr write", ", ".join(f"{m:#x}" for m in sorted(vmcs.msr_write))),
                         ("cr0 mask", f"{vmcs.cr0_mask:#x}" if vmcs.cr0_mask else ""),
                         ("cr4 mask", f"{vmcs.cr4_mask:#x}" if vmcs.cr4_mask else ""),
                         ("vpid", str(vmcs.vpid) if vmcs.vpid else "")):
        if value:
            lines.append(f"{field}: {value}")
    return "\n".join(lines)


Row = dict[str, object]
_AREA_GUEST, _AREA_HOST, _AREA_EXEC = "guest state", "host state", "execution controls"
_AREA_EXIT, _AREA_ENTRY, _AREA_INFO = "exit controls", "entry controls", "exit information"
AREAS = (_AREA_GUEST, _AREA_HOST, _AREA_EXEC, _AREA_EXIT, _AREA_ENTRY, _AREA_INFO)
_ROW_GROUP = {"IO_BITMAP_A/B": "io", "CR0_GUEST_HOST_MASK": "cr0 mask", "CR4_GUEST_HOST_MASK": "cr4 mask",
              "VIRTUAL_PROCESSOR_ID": "vpid", "EXCEPTION_BITMAP": "exceptions"}


def _row(area: str, field: str, bit: int | None, name: str, value: str) -> Row:
    encoding = FIELDS["IO_BITMAP_A" if field == "IO_BITMAP_A/B" else field.split(" ")[0]]
    return {"area": area, "field": field, "encoding": f"{encoding:#06x}", "bit": bit, "name": name, "value": value}


def control_rows(vmcs: Vmcs) -> list[Row]:
    """Every field of the six areas as table rows (area, field, encoding, bit, name, value); values are strings."""
    g, h, info = vmcs.guest, vmcs.host, vmcs.exit_info
    rows = [_row(_AREA_GUEST, f"GUEST_{reg.upper()}", None, reg.upper(), f"{getattr(g, reg):#x}")
            for reg in ("cr0", "cr3", "cr4", "rsp", "rip", "rflags")]
    rows += [_row(_AREA_HOST, f"HOST_{reg.upper()}", None, reg.upper(), f"{getattr(h, reg):#x}") for reg in ("cr3", "rsp", "rip")]
    for group in ("pin", "primary", "secondary", "exit", "entry"):
        area = {"exit": _AREA_EXIT, "entry": _AREA_ENTRY}.get(group, _AREA_EXEC)
        names = vmcs.exit_controls if group == "exit" else vmcs.entry_controls if group == "entry" else getattr(vmcs, group)
        rows += [_row(area, GROUP_FIELD[group], bit, name, "1" if name in names else "0")
                 for name, bit in sorted(GROUPS[group].items(), key=lambda item: item[1])]
    rows += [_row(_AREA_EXEC, "EXCEPTION_BITMAP", vector, f"#{name}", "1" if vmcs.intercepts(vector) else "0")
             for name, vector in EXCEPTIONS.items()]
    rows += [_row(_AREA_EXEC, "IO_BITMAP_A/B", None, "ports that exit", _ports_text(vmcs.io_ports)),
             _row(_AREA_EXEC, "MSR_BITMAP read", None, "MSRs whose RDMSR exits", ", ".join(f"{m:#x}" for m in sorted(vmcs.msr_read))),
             _row(_AREA_EXEC, "MSR_BITMAP write", None, "MSRs whose WRMSR exits", ", ".join(f"{m:#x}" for m in sorted(vmcs.msr_write))),
             _row(_AREA_EXEC, "CR0_GUEST_HOST_MASK", None, "CR0 bits the VMM owns", f"{vmcs.cr0_mask:#x}"),
             _row(_AREA_EXEC, "CR4_GUEST_HOST_MASK", None, "CR4 bits the VMM owns", f"{vmcs.cr4_mask:#x}"),
             _row(_AREA_EXEC, "VIRTUAL_PROCESSOR_ID", None, "VPID", str(vmcs.vpid))]
    rows += [_row(_AREA_INFO, "VM_EXIT_REASON", None, "basic exit reason", f"{info.reason} {info.name}" if info else ""),
             _row(_AREA_INFO, "EXIT_QUALIFICATION", None, "exit qualification", info.qualification if info else ""),
             _row(_AREA_INFO, "GUEST_PHYSICAL_ADDRESS", None, "guest-physical address",
                  f"{info.guest_physical:#x}" if info and info.guest_physical is not None else "")]
    return rows


def vmcs_from_rows(rows: Sequence[Mapping[str, object]]) -> Vmcs:
    """The edited table back to a VMCS; guest, host and exit-information rows are read-only and ignored."""
    builder = _Builder()
    for number, row in enumerate(rows, 1):
        field, value = str(row.get("field", "")), row.get("value", "")
        where = f"row {number} ({field} {row.get('name', '')})".rstrip()
        group = next((g for g, f in GROUP_FIELD.items() if f == field), None)
        if group is not None:
            if str(value).strip().lower() in ("1", "true", "yes", "on"):
                builder.control(where, group, str(row.get("name", "")))
            elif str(value).strip().lower() not in ("0", "false", "no", "off", ""):
                raise VmxError(f"{where}: a control bit is 1 or 0, got '{value}'")
            if group in ("exit", "entry"):
                builder.exit_entry_given.add(group)
        elif field == "EXCEPTION_BITMAP":
            if str(value).strip().lower() in ("1", "true", "yes", "on"):
                builder.apply(where, "exceptions", str(row.get("name", "")))
        elif field.startswith("MSR_BITMAP"):
            builder.apply(where, "msr " + field.split(" ")[-1], str(value))
        elif field in _ROW_GROUP and str(value).strip():
            builder.apply(where, _ROW_GROUP[field], str(value))
    return builder.build()


def lint(vmcs: Vmcs) -> tuple[str, ...]:
    """Legal but questionable combinations, as notes for the page (the hardware would accept them)."""
    notes = []
    if vmcs.ept and "CR3-load exiting" in vmcs.primary:
        notes.append("EPT is on but CR3-load exiting is still set: KVM clears it with EPT, so these CR3 writes exit needlessly.")
    if vmcs.ept and vmcs.intercepts(PF_VECTOR):
        notes.append("EPT is on but #PF (exception bitmap bit 14) is intercepted: with EPT the guest handles its own page faults.")
    if not vmcs.ept and not vmcs.intercepts(PF_VECTOR):
        notes.append("Neither EPT nor #PF interception: a shadow-paging VMM could not see hidden faults or PTE writes.")
    if "external-interrupt exiting" not in vmcs.pin:
        notes.append("External-interrupt exiting is off: the host's device interrupts would be delivered to the guest.")
    return tuple(notes)


# --------------------------------------------------------------------------- the guest workload

@dataclass(frozen=True)
class Item:
    """One workload line: what the guest does, and how often in a row."""

    line: int
    text: str
    op: str  # plain, uncond, cond, cr, dr, io, msr, exception, nmi, extint, mem
    mnemonic: str
    count: int = 1
    arg: int | None = None  # port, MSR, address, vector or CR number
    size: int = 0  # I/O operand size in bytes
    write: bool = False  # OUT, WRMSR, MOV to CR/DR, store, pte
    register: str = ""


_REG_SIZE = {"al": 1, "ax": 2, "eax": 4}


def _parse_item(number: int, raw: str) -> Item | None:
    where = f"line {number}"
    text = raw.split(";", 1)[0].strip()
    if not text:
        return None
    count = 1
    repeat = re.search(r"\s+[x×](\d+)$", text)
    if repeat:
        count = int(repeat.group(1)) if len(repeat.group(1)) <= len(str(MAX_REPEAT)) else MAX_REPEAT + 1
        if not 1 <= count <= MAX_REPEAT:
            raise VmxError(f"{where}: repetition x{repeat.group(1)} is out of range 1–{MAX_REPEAT}")
        text = text[:repeat.start()].strip()
    lower = text.lower()
    words = lower.replace(",", " ").split()
    if not words:
        raise VmxError(f"{where}: '{text}' names no guest instruction or event; write one per line, e.g. 'cpuid' or "
                       "'in al, 0x60'")
    mnemonic, operands = words[0], words[1:]
    if lower.startswith("#"):
        name = words[0][1:].upper()
        if name not in EXCEPTIONS:
            raise VmxError(f"{where}: unknown exception '{words[0]}' (known: {', '.join('#' + n for n in EXCEPTIONS)})")
        address = _number(where, "faulting address", operands[0], (1 << 64) - 1) if operands else None
        return Item(number, text, "exception", name, count, EXCEPTIONS[name] if address is None else address,
                    register=name)
    if lower in ("external interrupt", "interrupt", "irq"):
        return Item(number, text, "extint", "external interrupt", count)
    if lower == "nmi":
        return Item(number, text, "nmi", "nmi", count)
    if mnemonic in UNCONDITIONAL:
        return Item(number, text, "uncond", mnemonic, count)
    if mnemonic in CONDITIONAL:
        address = _number(where, "address", operands[0], (1 << 64) - 1) if mnemonic == "invlpg" and operands else None
        return Item(number, text, "cond", mnemonic, count, address)
    if mnemonic == "mov" and any(re.fullmatch(r"[cd]r\d+", o) for o in operands):
        if len(operands) != 2:
            raise VmxError(f"{where}: write 'mov cr3, eax' or 'mov eax, cr3'")
        write = bool(re.fullmatch(r"[cd]r\d+", operands[0]))
        reg, other = (operands[0], operands[1]) if write else (operands[1], operands[0])
        index = int(reg[2:]) if len(reg) <= 4 else 100  # 100: no such register, said below
        if reg.startswith("cr") and index not in (0, 2, 3, 4, 8):
            raise VmxError(f"{where}: there is no control register {reg.upper()} (x86-64 has CR0, CR2, CR3, CR4, CR8)")
        if reg.startswith("dr") and index > 7:
            raise VmxError(f"{where}: there is no debug register {reg.upper()} (DR0–DR7)")
        return Item(number, text, reg[:2], mnemonic, count, index, write=write, register=other)
    if mnemonic in ("in", "out"):
        if len(operands) != 2:
            raise VmxError(f"{where}: write 'in al, 0x60' or 'out 0x80, al'")
        reg, port = (operands[0], operands[1]) if mnemonic == "in" else (operands[1], operands[0])
        if reg not in _REG_SIZE:
            raise VmxError(f"{where}: {mnemonic.upper()} moves AL, AX or EAX, not '{reg}'")
        if port == "dx":
            raise VmxError(f"{where}: give the port as a number, e.g. '{mnemonic} ... 0x3f8' (the model does not track DX)")
        return Item(number, text, "io", mnemonic, count, _number(where, "port", port, 0xFFFF), _REG_SIZE[reg],
                    mnemonic == "out", reg)
    if mnemonic in ("rdmsr", "wrmsr"):
        if len(operands) != 1:
            raise VmxError(f"{where}: name the MSR, e.g. '{mnemonic} 0x1b' (the model does not track ECX)")
        return Item(number, text, "msr", mnemonic, count, _number(where, "MSR", operands[0], 0xFFFF_FFFF),
                    write=mnemonic == "wrmsr")
    if mnemonic in ("load", "store", "pte"):
        if len(operands) != 1:
            raise VmxError(f"{where}: give one guest-physical address, e.g. '{mnemonic} 0x5000'")
        limit = (1 << X86_64.phys_bits) - 1  # sources.toml: pte-bits: physical addresses reach at most bit 51
        return Item(number, text, "mem", mnemonic, count, _number(where, "guest-physical address", operands[0], limit),
                    write=mnemonic != "load")
    if mnemonic in PLAIN:
        return Item(number, text, "plain", mnemonic, count)
    raise VmxError(f"{where}: unknown guest instruction or event '{text}' (e.g. cpuid, hlt, mov cr3, eax, in al, 0x60, "
                   "out 0x80, al, rdmsr 0x10, wrmsr 0x1b, invlpg, #PF 0x1234, external interrupt, load 0x5000, "
                   "store 0x5000, pte 0x3000, add)")


def parse_workload(text: str) -> tuple[Item, ...]:
    """One instruction or event per line, optional ``xN`` repetition; ';' starts a comment."""
    items = tuple(item for number, raw in enumerate(text.splitlines(), 1) if (item := _parse_item(number, raw)))
    if not items:
        raise VmxError("workload: give at least one guest instruction or event, e.g. 'cpuid'")
    if len(items) > MAX_LINES:
        raise VmxError(f"workload: {len(items)} lines; at most {MAX_LINES} animate readably (use xN to repeat)")
    return items


# --------------------------------------------------------------------------- exit decisions

Cause = Literal["none", "unconditional", "control", "cr3-write", "pte-write", "hidden-fault", "true-fault", "invlpg",
                "ept-violation", "exception", "interrupt"]


@dataclass(frozen=True)
class Outcome:
    """What one execution of an item does: no exit, or an exit with its reason, qualification and handling."""

    reason: int | None
    cause: Cause
    why: str
    qualification: str = ""
    handling: str = ""
    guest_physical: int | None = None


_UNCOND_HANDLING = {
    "cpuid": "emulates CPUID, returning the feature bits it wants the guest to see, and advances the guest RIP",
    "vmcall": "treats VMCALL as a hypercall from the guest kernel, serves it, and advances the guest RIP",
    "xsetbv": "checks the requested XCR0 against what the host supports, loads it, and advances the guest RIP",
    "invd": "performs a safe cache flush on the guest's behalf (the guest must not drop the host's dirty lines)",
    "getsec": "injects #UD: Safer Mode Extensions are not offered to this guest",
}
_CR_CONTROL = {(3, True): "CR3-load exiting", (3, False): "CR3-store exiting", (8, True): "CR8-load exiting",
               (8, False): "CR8-store exiting"}


def _exit(reason: int, cause: Cause, why: str, qualification: str, handling: str, gpa: int | None = None) -> Outcome:
    return Outcome(reason, cause, why, qualification, handling, gpa)


def _memory(vmcs: Vmcs, item: Item, mapped: set[int]) -> Outcome:
    address = item.arg or 0
    page = address >> PAGE_SHIFT
    kind = "read" if item.mnemonic == "load" else "write"
    if vmcs.ept:
        if page in mapped:
            return Outcome(None, "none", f"The CPU walks the guest's table, then the EPT: guest-physical page "
                                         f"{page << PAGE_SHIFT:#x} is mapped, so the {kind} needs no VMM.")
        mapped.add(page)
        return _exit(48, "ept-violation", f"First touch of guest-physical page {page << PAGE_SHIFT:#x}: the EPT has no "
                     "entry for it, so the hardware exits (EPT violation, the hardware form of a hidden fault).",
                     f"data {kind} at guest-physical {address:#x}; EPT entry not present",
                     "allocates a host frame, fills the EPT entry (R/W/X) and resumes; the guest retries the access "
                     "and never notices", address)
    if not vmcs.intercepts(PF_VECTOR):
        return Outcome(None, "none", "No EPT and #PF not intercepted: the VMM cannot virtualize this memory access, "
                                     "so it runs unchecked (see the notes).")
    if item.mnemonic == "pte":
        return _exit(0, "pte-write", f"Shadow paging: the VMM write-protects the guest's page tables, so this PTE write "
                     f"at {address:#x} raises #PF, and exception-bitmap bit 14 turns it into a VM exit.",
                     f"#PF (vector 14, write to a read-only page) at linear address {address:#x}",
                     "emulates the store into the guest table and updates the matching shadow entry", None)
    if page in mapped:
        return Outcome(None, "none", f"The shadow table already maps page {page << PAGE_SHIFT:#x}: the hardware walk "
                                     "succeeds without the VMM.")
    mapped.add(page)
    return _exit(0, "hidden-fault", f"First touch of page {page << PAGE_SHIFT:#x}: the shadow table has no entry, so "
                 "#PF is raised and, with bit 14 set in the exception bitmap, exits (a hidden fault).",
                 f"#PF (vector 14, not present) at linear address {address:#x}",
                 "walks the guest's table, fills the shadow entry (guest frame → host frame) and resumes; the guest "
                 "never sees this fault")


def decide(vmcs: Vmcs, item: Item, mapped: set[int]) -> Outcome:
    """Does one execution of ``item`` exit under ``vmcs``? ``mapped`` holds the pages EPT/shadow map so far."""
    op, mn = item.op, item.mnemonic
    if op == "plain":
        return Outcome(None, "none", f"{mn.upper()} is not sensitive: it runs directly in VMX non-root mode at native speed.")
    if op == "uncond":
        handling = _UNCOND_HANDLING.get(mn, "emulates the VMX instruction for a nested hypervisor, or injects #UD")
        return _exit(UNCONDITIONAL[mn], "unconditional", f"{mn.upper()} always exits, whatever the controls say "
                     "(SDM Vol. 3C).", "none", handling)
    if op == "cond":
        group, control, reason = CONDITIONAL[mn]
        where = f"{group} bit {GROUPS[group][control]}"
        if vmcs.on(group, control):
            qualification = f"linear address {item.arg:#x}" if mn == "invlpg" and item.arg is not None else "none"
            cause: Cause = "invlpg" if mn == "invlpg" else "control"
            handling = {"hlt": "deschedules the vCPU until an interrupt is pending for it, then injects it",
                        "invlpg": "drops the shadow entry for that page, as the guest asked"}.get(mn, f"emulates {mn.upper()}")
            return _exit(reason, cause, f"{control} ({where}) is 1, so {mn.upper()} exits.", qualification, handling)
        return Outcome(None, "none", f"{control} ({where}) is 0, so {mn.upper()} runs in non-root mode without an exit"
                       + ("; the physical CPU halts until the next interrupt." if mn == "hlt" else "."))
    if op == "cr":
        access = f"MOV {'to' if item.write else 'from'} CR{item.arg} {'from' if item.write else 'to'} {item.register.upper()}"
        qualification = f"{access} (access type {0 if item.write else 1}, CR {item.arg})"
        if item.arg in (3, 8):
            control = _CR_CONTROL[(item.arg, item.write)]
            bit = PRIMARY_CONTROLS[control]
            if vmcs.on("primary", control):
                cause = "cr3-write" if (item.arg, item.write) == (3, True) else "control"
                handling = ("records the guest's new CR3 and loads the real CR3 with the matching shadow table"
                            if cause == "cr3-write" else "emulates the access on the virtual register")
                return _exit(28, cause, f"{control} (primary bit {bit}) is 1, so {access} exits.", qualification, handling)
            extra = " With EPT the guest loads its own page-table root; the EPT still confines it." if vmcs.ept and item.arg == 3 else ""
            return Outcome(None, "none", f"{control} (primary bit {bit}) is 0: {access} runs without an exit.{extra}")
        if item.arg in (0, 4) and item.write:
            mask = vmcs.cr0_mask if item.arg == 0 else vmcs.cr4_mask
            if mask:
                return _exit(28, "control", f"CR{item.arg}_GUEST_HOST_MASK = {mask:#x} is non-zero: the VMM owns those "
                             "bits, so the write exits (the model assumes an owned bit changes).", qualification,
                             "applies the guest's change to the real CR and keeps the read shadow for the guest")
            return Outcome(None, "none", f"CR{item.arg}_GUEST_HOST_MASK is 0: the guest owns every bit, no exit.")
        return Outcome(None, "none", f"{access} does not exit: reads of CR0/CR4 come from the read shadow, and CR2 "
                                     "is never intercepted.")
    if op == "dr":
        if vmcs.on("primary", "MOV-DR exiting"):
            return _exit(29, "control", "MOV-DR exiting (primary bit 23) is 1.", f"MOV {'to' if item.write else 'from'} "
                         f"DR{item.arg}", "emulates the debug-register access")
        return Outcome(None, "none", "MOV-DR exiting (primary bit 23) is 0: no exit.")
    if op == "io":
        direction = "IN" if mn == "in" else "OUT"
        qualification = f"{direction}, {item.size} byte{'s' if item.size > 1 else ''}, port {item.arg:#x}, immediate operand"
        handling = f"emulates the device behind port {item.arg:#x} and " + (
            f"writes the result into the guest's {item.register.upper()}" if mn == "in" else "consumes the guest's value")
        if vmcs.on("primary", "use I/O bitmaps"):
            if item.arg in vmcs.io_ports:
                return _exit(30, "control", f"Use I/O bitmaps (primary bit 25) is 1 and port {item.arg:#x}'s bit is set.",
                             qualification, handling)
            return Outcome(None, "none", f"Use I/O bitmaps (primary bit 25) is 1 but port {item.arg:#x}'s bit is clear: "
                                         "the guest reaches the physical port directly.")
        if vmcs.on("primary", "unconditional I/O exiting"):
            return _exit(30, "control", "Unconditional I/O exiting (primary bit 24) is 1 and no I/O bitmaps are used: "
                         "every IN/OUT exits.", qualification, handling)
        return Outcome(None, "none", "Neither I/O bitmaps (bit 25) nor unconditional I/O exiting (bit 24): the guest "
                                     "reaches the physical port directly.")
    if op == "msr":
        msr, name = item.arg or 0, mn.upper()
        reason = 32 if item.write else 31
        listed = vmcs.msr_write if item.write else vmcs.msr_read
        handling = f"emulates {name} of MSR {msr:#x} on the guest's virtual MSR and advances the guest RIP"
        qualification = f"none (ECX = {msr:#x} names the MSR)"
        if not vmcs.on("primary", "use MSR bitmaps"):
            return _exit(reason, "control", f"Use MSR bitmaps (primary bit 28) is 0, so every {name} exits.",
                         qualification, handling)
        if not any(low <= msr <= high for low, high in MSR_BITMAP_RANGES):
            return _exit(reason, "control", f"MSR {msr:#x} lies outside the ranges the MSR bitmap covers, so it always exits.",
                         qualification, handling)
        if msr in listed:
            return _exit(reason, "control", f"MSR {msr:#x}'s {'write' if item.write else 'read'} bit is set in the MSR bitmap.",
                         qualification, handling)
        return Outcome(None, "none", f"MSR {msr:#x}'s bit is clear in the MSR bitmap: {name} runs without an exit.")
    if op == "exception":
        vector = EXCEPTIONS[item.register]
        if vmcs.intercepts(vector):
            if vector == PF_VECTOR:
                address = item.arg if item.arg is not None else 0
                return _exit(0, "true-fault", f"Exception-bitmap bit 14 is 1, so the guest's #PF exits.",
                             f"#PF (vector 14) at linear address {address:#x}",
                             "finds that the guest's own PTE is not present (a true fault) and injects #PF into the guest "
                             "through the VM-entry interruption information")
            return _exit(0, "exception", f"Exception-bitmap bit {vector} is 1, so #{item.register} exits.",
                         f"interruption information: vector {vector}", f"reflects #{item.register} into the guest")
        return Outcome(None, "none", f"Exception-bitmap bit {vector} is 0: #{item.register} goes through the guest's IDT "
                                     "to the guest kernel's handler, no exit.")
    if op == "nmi":
        if vmcs.on("pin", "NMI exiting"):
            return _exit(0, "interrupt", "NMI exiting (pin bit 3) is 1.", "interruption information: NMI, vector 2",
                         "handles the NMI in the host")
        return Outcome(None, "none", "NMI exiting (pin bit 3) is 0: the NMI is delivered through the guest's IDT.")
    if op == "extint":
        if vmcs.on("pin", "external-interrupt exiting"):
            ack = ("reads the vector from the exit interruption information (acknowledge interrupt on exit) and runs "
                   "the host's handler" if "acknowledge interrupt on exit" in vmcs.exit_controls
                   else "enables interrupts so the host's handler runs")
            return _exit(1, "interrupt", "External-interrupt exiting (pin bit 0) is 1: a device interrupt belongs to the "
                         "host, so the guest is interrupted by a VM exit.", "none", ack)
        return Outcome(None, "none", "External-interrupt exiting (pin bit 0) is 0: the interrupt is delivered through "
                                     "the guest's IDT, so the guest sees the host's devices.")
    return _memory(vmcs, item, mapped)


# --------------------------------------------------------------------------- the simulation

Phase = Literal["setup", "launch", "guest", "exit", "handle", "entry", "repeat", "done"]


@dataclass(frozen=True)
class VmxState:
    """One frame: the VMCS (guest state and exit information as of now), the CPU mode and the current item."""

    vmcs: Vmcs
    mode: Literal["root", "non-root"]
    phase: Phase
    launched: bool
    generation: str
    exit_cost: int  # cycles charged per exit: hardware latency + handling
    line: int | None = None
    item: str | None = None
    mapped_pages: tuple[int, ...] = ()  # guest-physical pages mapped in the EPT (or the shadow) so far
    cause: Cause = "none"


GUEST_CR3_VALUES = (0x0010_0000, 0x0020_0000, 0x0030_0000, 0x0040_0000)  # the guest's process tables (model)


def _check_generation(generation: str, handling_cycles: int) -> int:
    if generation not in LATENCY:
        raise VmxError(f"generation '{generation}' is not one of {', '.join(LATENCY)}")
    if not isinstance(handling_cycles, int) or handling_cycles < 0:
        raise VmxError(f"handling_cycles must be a whole number of at least 0, got {handling_cycles!r}")
    return LATENCY[generation] + handling_cycles


def _runs(vmcs: Vmcs, items: Sequence[Item], mapped: set[int]) -> Iterator[tuple[Item, Outcome, Outcome | None]]:
    """Per item: the first execution's outcome and, if repeated, the outcome of every later one (they are equal)."""
    for item in items:
        first = decide(vmcs, item, mapped)
        yield item, first, decide(vmcs, item, mapped) if item.count > 1 else None


def exit_causes(vmcs: Vmcs, workload_text: str) -> dict[Cause, int]:
    """Exits per cause without frames: what :mod:`engine.assisted.nested_paging` compares for shadow paging vs EPT."""
    totals: dict[Cause, int] = {}
    for item, first, rest in _runs(vmcs, parse_workload(workload_text), set()):
        for outcome, times in ((first, 1), (rest, item.count - 1)):
            if outcome is not None and outcome.reason is not None:
                totals[outcome.cause] = totals.get(outcome.cause, 0) + times
    return totals


def simulate(vmcs: Vmcs, workload_text: str, generation: str = "Haswell",
             handling_cycles: int = HANDLING_CYCLES) -> Trace[VmxState]:
    """VMLAUNCH, then every workload item either in non-root mode or as exit → VMM handling → VMRESUME."""
    cost = _check_generation(generation, handling_cycles)
    items = parse_workload(workload_text)
    tb: TraceBuilder[VmxState] = TraceBuilder(f"vmx-{generation}", counters={"vm_entries": 0, "vm_exits": 0, "cycles": 0})
    mapped: set[int] = set()
    current = vmcs
    base = VmxState(vmcs, "root", "setup", False, generation, cost)

    def add(phase: Phase, event: str, why: str, highlights: set[str], item: Item | None = None,
            cause: Cause = "none") -> None:
        mode = "root" if phase in ("setup", "exit", "handle") else "non-root"
        state = replace(base, vmcs=current, mode=mode, phase=phase, launched=tb.counters["vm_entries"] > 0,
                        line=item.line if item else None, item=item.text if item else None,
                        mapped_pages=tuple(sorted(mapped)), cause=cause)
        tb.add(state, event, why, highlights)

    controls = "; ".join(f"{GROUP_FIELD[g]} = {vmcs.word(g):#010x}" for g in ("pin", "primary", "secondary"))
    add("setup", "VMXON, VMCLEAR, VMPTRLD, VMWRITE",
        f"The VMM enters VMX root operation, makes this VMCS current and writes its fields: {controls}, "
        f"EXCEPTION_BITMAP = {vmcs.exception_bitmap:#x}. These bits decide every later exit.", {"controls", "vmm"})
    tb.count("vm_entries")
    add("launch", "VM entry: VMLAUNCH",
        f"First entry, so VMLAUNCH (the VMCS is still clear). The CPU loads the guest-state area "
        f"(CR3 {vmcs.guest.cr3:#x}, RIP {vmcs.guest.rip:#x}) and runs the guest in VMX non-root mode.",
        {"guest-state", "guest"})
    for item, first, rest in _runs(vmcs, items, mapped):
        guest = replace(current.guest, rip=vmcs.guest.rip + 4 * (item.line - 1))
        if item.op == "cr" and item.write and item.arg == 3:  # the guest (or the VMM on its behalf) loads a new root
            guest = replace(guest, cr3=GUEST_CR3_VALUES[item.line % len(GUEST_CR3_VALUES)])
        label = f"Line {item.line}: {item.text}"
        if first.reason is None:
            times = f" ×{item.count}" if rest is not None and rest.reason is None else ""
            current = replace(current, guest=guest)
            add("guest", f"{label}{times}: no exit", first.why, {"guest"}, item)
        else:
            info = ExitInfo(first.reason, first.qualification, first.guest_physical)
            saved = current.guest
            current = replace(current, exit_info=info)
            tb.count("vm_exits")
            tb.count(f"exit_{first.reason}")
            tb.count("cycles", cost)
            add("exit", f"{label}: VM exit {first.reason} ({info.name})",
                f"{first.why} The CPU saves the guest state (RIP {guest.rip:#x}, CR3 {saved.cr3:#x}) in the VMCS, writes "
                f"exit reason {first.reason} and the qualification ({first.qualification}), and loads the host state: "
                f"CR3 {current.host.cr3:#x}, RIP {current.host.rip:#x}, the VMM's exit handler.",
                {"exit", "guest-state", "host-state", "exit-info"}, item, first.cause)
            current = replace(current, guest=replace(guest, rip=guest.rip + 4))
            add("handle", f"VMM handles exit {first.reason}",
                f"The VMM reads the exit reason and qualification (VMREAD) and {first.handling}. The exit costs "
                f"{LATENCY[generation]} cycles of hardware ({generation}, a page-fault VM exit) + {handling_cycles} of "
                "handling; the model does not charge the VM entry back.",
                {"vmm", "exit-info"}, item, first.cause)
            tb.count("vm_entries")
            add("entry", "VM entry: VMRESUME",
                "The VMCS is launched, so VMRESUME: the CPU loads the guest-state area and the guest "
                f"continues at RIP {current.guest.rip:#x} as if nothing had happened.", {"guest-state", "guest"},
                item, first.cause)
        if rest is not None and (first.reason is not None or rest.reason is not None):
            more = item.count - 1
            if rest.reason is None:
                add("repeat", f"{label}: {more} more without exits", rest.why, {"guest"}, item)
            else:
                tb.count("vm_exits", more)
                tb.count("vm_entries", more)
                tb.count(f"exit_{rest.reason}", more)
                tb.count("cycles", more * cost)
                add("repeat", f"{label}: {more} more round trips",
                    f"Each repetition takes the same exit ({rest.reason} {exit_name(rest.reason)}) and VMRESUME: "
                    f"{more} × {cost} cycles (exit and handling; entries not charged).", {"exit", "vmm"}, item, rest.cause)
    exits = tb.counters["vm_exits"]
    add("done", "Workload finished",
        f"{exits} VM exit{'' if exits == 1 else 's'}, {tb.counters['cycles']:,} cycles spent in exits on {generation} "
        f"({LATENCY[generation]} hardware for the exit + {handling_cycles} handling per exit; VM entries not charged).",
        {"summary"})
    return tb.build()


def exit_summary(trace: Trace[VmxState]) -> list[dict[str, object]]:
    """(reason, name, count, cycles) per exit reason seen, by reason number: the bars of the exit chart."""
    last = trace[-1]
    counts = sorted((int(name[5:]), value) for name, value in last.counters.items() if name.startswith("exit_"))
    return [{"reason": reason, "name": exit_name(reason), "count": count, "cycles": count * last.state.exit_cost}
            for reason, count in counts]


# --------------------------------------------------------------------------- presets

@dataclass(frozen=True)
class VtxPreset:
    """A lesson scenario: the VMCS as editor text, the guest workload and the CPU generation."""

    id: str
    title: str
    description: str
    controls: str
    workload: str
    generation: str = "Haswell"

    def vmcs(self) -> Vmcs:
        return parse_controls(self.controls)

    def run(self) -> Trace[VmxState]:
        return simulate(self.vmcs(), self.workload, self.generation)


# What KVM keeps on in both set-ups (interrupts belong to the host; I/O and MSRs through bitmaps).
_COMMON = ("pin: external-interrupt exiting, NMI exiting\n"
           "io: 0x60, 0x64, 0x3f8-0x3ff\n"
           "msr write: 0x1b\n")
# Without EPT the VMM must see every page-table event (shadow paging, sources.toml: shadow-kvm).
SHADOW_CONTROLS = ("primary: HLT exiting, INVLPG exiting, CR3-load exiting, CR3-store exiting, use I/O bitmaps, "
                   "use MSR bitmaps, activate secondary controls\n"
                   "secondary: enable VPID\n"
                   "exceptions: #PF\n" + _COMMON + "vpid: 1")
# With EPT, KVM turns CR3-load/store exiting, INVLPG exiting and #PF interception off (linux arch/x86/kvm/vmx/vmx.c,
# read directly; no sources.toml entry).
EPT_CONTROLS = ("primary: HLT exiting, use I/O bitmaps, use MSR bitmaps, activate secondary controls\n"
                "secondary: enable EPT, enable VPID\n" + _COMMON + "vpid: 1")
PAGE_TABLE_WORKLOAD = """; a guest kernel starting two processes: page-table heavy
mov cr3, eax        ; switch to process A
pte 0x3000 x8       ; fill 8 PTEs of a new page table
load 0x10000
store 0x11000 x50
#PF 0x9000          ; a genuine guest page fault (page not mapped by the guest)
pte 0x3040
invlpg 0x11000
mov cr3, ebx        ; switch to process B
load 0x10000 x100
store 0x20000
add x1000"""

PRESETS: dict[str, VtxPreset] = {p.id: p for p in (
    VtxPreset("shadow-paging", "Shadow paging (no EPT)",
              "The VMM intercepts CR3 writes, #PF and INVLPG to keep its shadow tables in step: every page-table event "
              "of the guest kernel costs a VM exit.", SHADOW_CONTROLS, PAGE_TABLE_WORKLOAD),
    VtxPreset("ept-on", "EPT on",
              "The same workload with EPT: the guest owns its page tables, CR3 and #PF no longer exit, and only the "
              "first touch of each guest-physical page costs an EPT violation.", EPT_CONTROLS, PAGE_TABLE_WORKLOAD),
    VtxPreset("io-heavy", "I/O heavy",
              "A guest polling the keyboard controller and writing to the serial port: the I/O bitmap decides port by "
              "port; port 0x80 is not in it and goes straight to the hardware.",
              EPT_CONTROLS, "in al, 0x64 x20\nin al, 0x60 x20\nout 0x3f8, al x200\nout 0x80, al x10\nadd x5000\n"
                            "rdmsr 0x10 x5\nwrmsr 0x1b"),
    VtxPreset("cpuid-hlt", "CPUID/HLT (unconditional vs controlled)",
              "HLT exiting is off and no other processor control is set, yet CPUID still exits every time: it is one of "
              "the instructions that always exit. Turn on 'primary: HLT exiting' to see HLT exit too.",
              "pin: external-interrupt exiting", "cpuid x10\nadd x100\nhlt\nexternal interrupt\nxsetbv\nvmcall"),
)}


# --------------------------------------------------------------------------- tagged TLB (VPID)

def assign_vpids(vm_count: int) -> tuple[int, ...]:
    """VPIDs 1..vm_count for the guests: VPID 0 is the VMM's and never given to a guest (sources.toml: vpid)."""
    if not isinstance(vm_count, int) or not 1 <= vm_count <= VPID_COUNT - 1:
        raise VmxError(f"vm_count must be between 1 and {VPID_COUNT - 1} (16-bit VPIDs, 0 reserved for the VMM), "
                       f"got {vm_count!r}")
    return tuple(range(1, vm_count + 1))


VMM_PAGES = (0x1, 0x2)  # pages the VMM's exit handler touches on every VM switch (model assumption)
MAX_TLB_ACCESSES = 2_000_000
MAX_TLB_FRAMES = 500


@dataclass(frozen=True)
class TaggedTlbStats:
    """Totals of one run; ``walk_references`` = misses × references of one (nested) walk."""

    tagged: bool
    vpids: tuple[int, ...]
    accesses: int
    hits: int
    misses: int
    flushes: int
    walk_references: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.accesses if self.accesses else 0.0


@dataclass(frozen=True)
class TaggedTlbState:
    """One frame: who runs, the access or flush, and the TLB's (VPID, page) entries afterwards."""

    tagged: bool
    running: str  # "VM1", "VMM", ...
    vpid: int
    event: Literal["start", "hit", "miss", "flush"]
    page: int | None
    entries: tuple[tuple[int, int], ...]  # (VPID, page) in eviction order for LRU/FIFO


def _tagged_events(workload: Sequence[int], vm_count: int, switches: int, tlb_entries: int, tagged: bool, seed: int,
                   policy: Policy) -> Iterator[tuple[str, int, str, int | None, TLB]]:
    """(who runs, VPID, hit/miss/flush, page, TLB) for each event of the schedule."""
    vpids = assign_vpids(vm_count)
    if not workload:
        raise VmxError("workload: give at least one guest page number")
    if not all(isinstance(p, int) and 0 <= p < 1 << 40 for p in workload):
        raise VmxError("workload: every page number must be a whole number from 0 to 2**40 - 1")
    if not isinstance(switches, int) or switches < 0:
        raise VmxError(f"switches must be a whole number of at least 0, got {switches!r}")
    if not isinstance(tlb_entries, int) or tlb_entries < 1:
        raise VmxError(f"tlb_entries must be a whole number of at least 1, got {tlb_entries!r}")
    if policy not in POLICIES:
        raise VmxError(f"policy '{policy}' is not one of {', '.join(POLICIES)}")
    if (switches + 1) * len(workload) + switches * len(VMM_PAGES) > MAX_TLB_ACCESSES:
        raise VmxError(f"more than {MAX_TLB_ACCESSES:,} accesses; use fewer switches or a shorter workload")
    tlb = TLB(tlb_entries, policy, seed)

    def access(who: str, vpid: int, page: int) -> tuple[str, int, str, int | None, TLB]:
        key = (vpid if tagged else 0, page)  # untagged entries carry no owner: only the flushes keep them apart
        if tlb.lookup(key) is not None:
            return who, vpid, "hit", page, tlb
        tlb.insert(key, page)
        return who, vpid, "miss", page, tlb

    for slice_ in range(switches + 1):
        vpid = vpids[slice_ % vm_count]
        for page in workload:
            yield access(f"VM{vpid}", vpid, page)
        if slice_ == switches:
            break
        for who, owner, pages in (("VMM", 0, VMM_PAGES), ("VM", vpids[(slice_ + 1) % vm_count], ())):
            if not tagged:  # VM exit (into the VMM) and VM entry (into the next VM) each flush everything
                tlb.flush()
                yield (who if who == "VMM" else f"VM{owner}"), owner, "flush", None, tlb
            for page in pages:
                yield access(who, owner, page)


def tagged_tlb(workload: Sequence[int], vm_count: int, switches: int, tlb_entries: int, tagged: bool, seed: int = 0,
               policy: Policy = "LRU", walk_references: int = NESTED_WALK_REFERENCES) -> TaggedTlbStats:
    """VMs take turns running ``workload`` (their own copy of it), with a VMM exit between turns.

    Untagged: every VM exit and entry flushes the TLB. Tagged: entries carry the VPID, so they survive. With LRU
    the tagged hit rate is never lower; with FIFO or random, surviving old entries can occasionally evict fresher
    ones first (a Belady-style anomaly), so tagged can lose on small, contrived traces.
    """
    hits = misses = flushes = 0
    for _, _, kind, _, _ in _tagged_events(workload, vm_count, switches, tlb_entries, tagged, seed, policy):
        hits += kind == "hit"
        misses += kind == "miss"
        flushes += kind == "flush"
    return TaggedTlbStats(tagged, assign_vpids(vm_count), hits + misses, hits, misses, flushes, misses * walk_references)


def tagged_tlb_trace(workload: Sequence[int], vm_count: int, switches: int, tlb_entries: int, tagged: bool,
                     seed: int = 0, policy: Policy = "LRU",
                     walk_references: int = NESTED_WALK_REFERENCES) -> Trace[TaggedTlbState]:
    """The same schedule frame by frame (at most 500 events), with hits, misses, flushes and walk references."""
    tb: TraceBuilder[TaggedTlbState] = TraceBuilder(
        f"tagged-tlb-{'vpid' if tagged else 'untagged'}-{vm_count}x{switches}", seed,
        {"accesses": 0, "hits": 0, "misses": 0, "flushes": 0, "walk_references": 0})
    mode = "tagged with VPIDs" if tagged else "untagged"
    tb.add(TaggedTlbState(tagged, "VMM", 0, "start", None, ()), f"Empty {mode} TLB",
           f"{vm_count} VMs get VPIDs {', '.join(map(str, assign_vpids(vm_count)))}; VPID 0 is the VMM's. "
           f"A miss costs a walk of {walk_references} references.")
    events = _tagged_events(workload, vm_count, switches, tlb_entries, tagged, seed, policy)
    for number, (who, vpid, kind, page, tlb) in enumerate(events, 1):
        if number > MAX_TLB_FRAMES:
            raise VmxError(f"more than {MAX_TLB_FRAMES} events animate badly; use tagged_tlb() for the statistics")
        entries = tuple(key for key, _ in tlb.contents())
        if kind == "flush":
            tb.count("flushes")
            event = "VM exit" if who == "VMM" else "VM entry"
            tb.add(TaggedTlbState(tagged, who, vpid, "flush", None, entries), f"{event}: TLB flushed",
                   "Without tags the TLB cannot tell whose translation an entry is, so every VM exit and entry "
                   "must flush it.", {"flush"})
            continue
        tb.count("accesses")
        tb.count("hits" if kind == "hit" else "misses")
        if kind == "miss":
            tb.count("walk_references", walk_references)
        tag = f"VPID {vpid}" if tagged else "no tag"
        why = ("The entry is cached (" + tag + "): about 1 cycle." if kind == "hit" else
               f"Not cached: a page walk of {walk_references} references, then the entry is cached ({tag}).")
        tb.add(TaggedTlbState(tagged, who, vpid, kind, page, entries), f"{who} page {page:#x}: {kind}", why,
               {kind, f"vpid-{vpid}"})
    return tb.build()


# --------------------------------------------------------------------------- direct assignment and the IOMMU

GUESTS = ("VM1", "VM2")
GUEST_MEMORY = 0x10_0000  # each guest owns 1 MiB of guest-physical memory (model)
HOST_BASE = {"VMM": 0x0, "VM1": 0x10_0000, "VM2": 0x20_0000}  # host-physical placement (model)
DMA_BUFFER = 0x2000  # the guest-physical address of the receive buffer the driver hands to the device
DEVICE = "NIC 03:00.0"


@dataclass(frozen=True)
class Region:
    """A host-physical memory region and what the DMA did to it."""

    owner: str
    start: int
    end: int  # exclusive
    status: Literal["untouched", "written", "corrupted"] = "untouched"


@dataclass(frozen=True)
class DmaState:
    """One frame of a DMA write by a device assigned to ``owner``."""

    owner: str
    target: str
    iommu: bool
    phase: Literal["assign", "program", "dma", "translate", "result"]
    device_address: int | None
    host_address: int | None
    outcome: Literal["pending", "delivered", "blocked", "corrupted"]
    regions: tuple[Region, ...]


def dma_flow(device_owner: str, target_domain: str, iommu_on: bool) -> Trace[DmaState]:
    """A device directly assigned to one guest writes by DMA into its owner's or another guest's memory."""
    for field, value in (("device_owner", device_owner), ("target_domain", target_domain)):
        if value not in GUESTS:
            raise VmxError(f"{field} '{value}' is not one of {', '.join(GUESTS)}")
    own = device_owner == target_domain
    # A driver names its own memory by guest-physical address; it can only reach another guest by host address.
    device_address = DMA_BUFFER if own else HOST_BASE[target_domain] + DMA_BUFFER
    regions = tuple(Region(o, HOST_BASE[o], HOST_BASE[o] + GUEST_MEMORY) for o in ("VMM", *GUESTS))
    tb: TraceBuilder[DmaState] = TraceBuilder(f"dma-{device_owner}-{target_domain}-{'iommu' if iommu_on else 'no-iommu'}",
                                              counters={"dma_writes": 0, "iommu_translations": 0, "iommu_faults": 0,
                                                        "corruptions": 0})
    base = DmaState(device_owner, target_domain, iommu_on, "assign", None, None, "pending", regions)
    owner_base = HOST_BASE[device_owner]
    if iommu_on:
        assign = (f"The VMM gives {DEVICE} to {device_owner} and programs the IOMMU: the device's context entry points "
                  f"to {device_owner}'s I/O page table, which maps guest-physical 0x0–{GUEST_MEMORY - 1:#x} to host "
                  f"{owner_base:#x}–{owner_base + GUEST_MEMORY - 1:#x} and nothing else.")
    else:
        assign = (f"The VMM gives {DEVICE} to {device_owner}, but there is no IOMMU: the device's DMA addresses go to "
                  "host-physical memory unchecked.")
    tb.add(base, f"Direct assignment: {DEVICE} → {device_owner}", assign, {"device", "iommu" if iommu_on else "bus"})
    program = (f"{device_owner}'s unmodified driver hands the device its receive buffer at guest-physical "
               f"{device_address:#x}, without any VMM intervention (the goal of direct assignment)." if own else
               f"A buggy or malicious driver in {device_owner} hands the device host address {device_address:#x}, "
               f"which lies in {target_domain}'s memory.")
    tb.add(replace(base, phase="program", device_address=device_address), "Driver programs the DMA", program,
           {"driver", "device"})
    tb.count("dma_writes")
    tb.add(replace(base, phase="dma", device_address=device_address), f"Device writes by DMA to {device_address:#x}",
           "The device masters the bus itself; the CPU and the VMM are not involved in the transfer.", {"device", "bus"})
    if iommu_on:
        tb.count("iommu_translations")
        if device_address < GUEST_MEMORY:
            host = owner_base + device_address
            tb.add(replace(base, phase="translate", device_address=device_address, host_address=host),
                   "IOMMU translates", f"{device_owner}'s I/O page table maps {device_address:#x} → host {host:#x}, "
                   f"inside {device_owner}'s memory: permitted.", {"iommu"})
        else:
            host = None
            tb.count("iommu_faults")
            tb.add(replace(base, phase="translate", device_address=device_address), "IOMMU blocks the DMA",
                   f"{device_address:#x} is not mapped in {device_owner}'s I/O page table: a DMA-remapping fault, the "
                   "write is dropped and reported to the VMM.", {"iommu", "fault"})
    else:
        host = device_address
    victim = next(r for r in regions if r.start <= host < r.end) if host is not None else None
    if victim is None:
        tb.add(replace(base, phase="result", device_address=device_address, outcome="blocked"),
               f"{target_domain} is safe", "The IOMMU keeps the device inside its owner's memory: isolation holds "
               "although the guest drives the device directly.", {"iommu", "isolation"})
        return tb.build()
    correct = victim.owner == device_owner
    written = tuple(replace(r, status="written" if correct else "corrupted") if r is victim else r for r in regions)
    state = replace(base, phase="result", device_address=device_address, host_address=host, regions=written,
                    outcome="delivered" if correct else "corrupted")
    if correct:
        tb.add(state, f"Data lands in {device_owner}'s buffer", f"Host {host:#x} is {device_owner}'s buffer: correct and "
               "isolated, at native speed.", {"memory", "isolation"})
    else:
        tb.count("corruptions")
        why = (f"Without an IOMMU the device takes guest-physical {device_address:#x} as a host address: the data lands "
               f"in the {victim.owner}'s memory. Guest-physical is not host-physical, so correctness breaks."
               if own else f"Nothing checks the address: {target_domain}'s memory at {host:#x} is overwritten. "
               "Isolation is broken; the lecture: the 'VMM must still ensure correctness & isolation'.")
        tb.add(state, f"{victim.owner}'s memory corrupted", why, {"memory", "corruption"})
    return tb.build()


__all__ = [
    "AREAS", "CONDITIONAL", "DmaState", "ENTRY_CONTROLS", "EPT_CONTROLS", "EXCEPTIONS", "EXIT_CONTROLS", "EXIT_REASONS",
    "ExitInfo", "FIELDS", "GUESTS", "PAGE_TABLE_WORKLOAD", "GuestState", "HANDLING_CYCLES", "HostState", "Item", "LATENCY", "LATENCY_MEANS", "Outcome",
    "PIN_CONTROLS", "PRESETS", "PRIMARY_CONTROLS", "Region", "SECONDARY_CONTROLS", "SHADOW_CONTROLS", "SIMPLIFICATIONS",
    "TaggedTlbState", "TaggedTlbStats", "UNCONDITIONAL", "VPID_COUNT", "Vmcs", "VmxError", "VmxState", "VtxPreset",
    "YEARS", "assign_vpids", "control_rows", "controls_text", "decide", "dma_flow", "exit_causes", "exit_name",
    "exit_summary", "lint", "parse_controls", "parse_workload", "simulate", "tagged_tlb", "tagged_tlb_trace",
    "vmcs_from_rows",
]
