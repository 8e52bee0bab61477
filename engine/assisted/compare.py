"""Comparing full virtualization (BT), paravirtualization and VT-x with and without EPT on the same workloads.

The comparison counts VMM interventions (traps, VM exits, hypercalls, VMM calls) per guest event,
because that is what the lecture's trade-offs are about, and adds cycles only where a published
per-event figure exists: Adams & Agesen's nanobenchmarks for their software (BT) and first-generation
hardware (VT-x, no EPT) VMMs on a Pentium 4 (sources.toml: aa-nanobenchmarks). Paravirtualization and EPT have no
such published per-event figures, so their cycles are reported as unknown rather than invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

EVENTS = ("syscall", "pte_update", "cr3_switch", "page_fault", "port_io")
EVENT_LABELS = {"syscall": "system call", "pte_update": "page-table update", "cr3_switch": "address-space switch (CR3)",
                "page_fault": "guest page fault", "port_io": "port I/O instruction"}
TECHNIQUES = ("bt", "pv", "vtx", "vtx_ept")
TECHNIQUE_LABELS = {"bt": "Full virtualization (BT)", "pv": "Paravirtualization (Xen)", "vtx": "VT-x, shadow paging",
                    "vtx_ept": "VT-x with EPT"}
PV_BATCH = 8  # page-table updates per mmu_update hypercall in this model (the hypercall takes an array)

# VMM interventions per guest event, and why (the explanations are shown in the table).
INTERVENTIONS: Mapping[str, Mapping[str, tuple[float, str]]] = {
    "bt": {
        "syscall": (1, "the translated kernel entry goes through the VMM (Adams & Agesen: ~2,000 extra cycles)"),
        "pte_update": (1, "a write to a traced (write-protected) guest page table is emulated by the VMM"),
        "cr3_switch": (1, "MOV to CR3 is privileged: emulated, the VMM switches shadow tables"),
        "page_fault": (1, "the fault enters the VMM, which reflects it to the guest (or fills the shadow)"),
        "port_io": (1, "IN/OUT is emulated by a call in the translation cache, without a trap"),
    },
    "pv": {
        "syscall": (0, "32-bit guest: the fast system-call handler registered with Xen runs without Xen (Barham et al. "
                       "2003); a 64-bit PV guest's system call enters Xen first (1 per call, not modelled here)"),
        "pte_update": (1 / PV_BATCH, f"mmu_update hypercall, {PV_BATCH} updates batched per call"),
        "cr3_switch": (1, "one hypercall (mmuext_op) to switch the page-table base"),
        "page_fault": (1, "must enter Xen: CR2 is readable only in ring 0"),
        "port_io": (0, "no port I/O: split drivers send requests over a shared ring (one event per batch)"),
    },
    "vtx": {
        "syscall": (0, "the guest kernel keeps ring 0 in non-root mode: no exit"),
        "pte_update": (1, "shadow paging write-protects guest tables: each write exits (#PF)"),
        "cr3_switch": (1, "CR3-load exiting (exit reason 28)"),
        "page_fault": (1, "#PF is intercepted for shadow paging (exception bitmap bit 14, exit reason 0)"),
        "port_io": (1, "I/O instruction exit (exit reason 30)"),
    },
    "vtx_ept": {
        "syscall": (0, "no exit"),
        "pte_update": (0, "the guest writes its own tables; EPT translates guest-physical addresses"),
        "cr3_switch": (0, "CR3-load exiting is off with EPT"),
        "page_fault": (0, "the guest handles its own page faults"),
        "port_io": (1, "I/O instruction exit (exit reason 30)"),
    },
}

# Extra cycles per event over native, where a published figure exists (Adams & Agesen Fig. 4, P4 672;
# sources.toml: aa-nanobenchmarks).
NATIVE = {"syscall": None, "pte_update": 1, "page_fault": 1093, "port_io": 3209}
# Events whose native figure is different work from the virtual one. Native "in" (3,209 cycles) reads a real device;
# under a VMM the same IN reaches an emulated device (214 cycles in BT's translation cache, 15,826 with a VT-x exit)
# and the real device work, if any, happens later in the VMM's back end, which no one measured. Subtracting the two
# (214 - 3,209) made BT's I/O cost negative, -18.3 M cycles per 10^6 instructions on the I/O-heavy mix, as if
# virtual I/O were cheaper than the device itself. The model charges the emulation path in full instead and leaves
# the device work out of both runs (sources.toml: compare-port-io).
DEVICE_WORK_EVENTS = frozenset({"port_io"})
MMIO_NOTE = ("Only port I/O (IN/OUT) is counted. Most devices are driven through memory-mapped registers (MMIO) "
             "instead: ordinary loads and stores, which reach the VMM only because it leaves those pages unmapped "
             "(a page fault under shadow paging, an EPT violation or misconfiguration, exit 48 or 49, with EPT); "
             "no per-event figure for them is published here (sources.toml: mmio-port-io).")
MEASURED = {
    "bt": {"syscall": 2000, "pte_update": 391, "page_fault": 3927, "port_io": 214},
    "vtx": {"syscall": 0, "pte_update": 12733, "page_fault": 11242, "port_io": 15826},
}


def overhead_cycles(technique: str, event: str) -> int | None:
    """Cycles above native for one event, or None where no published figure exists.

    An event with no VMM intervention costs nothing extra in this model (it ignores, for example, the
    longer 2D page walks under EPT). EPT changes nothing for port I/O, so VT-x's I/O exit figure applies.
    For port I/O the whole emulation path counts, never less than zero (:data:`DEVICE_WORK_EVENTS`).
    """
    if INTERVENTIONS[technique][event][0] == 0:
        return 0
    source = "vtx" if technique == "vtx_ept" else technique
    measured = MEASURED.get(source, {}).get(event)
    if measured is None:
        return None
    if event == "syscall":  # published as a difference from native already
        return measured
    if event in DEVICE_WORK_EVENTS:
        return measured
    return measured - (NATIVE[event] or 0)


@dataclass(frozen=True)
class Workload:
    id: str
    name: str
    events: Mapping[str, int]  # per million guest instructions (the model's choice of mix)


WORKLOADS = (
    Workload("compute", "Compute-bound", {"syscall": 10, "pte_update": 10, "cr3_switch": 10, "page_fault": 10, "port_io": 0}),
    Workload("syscall", "System-call-heavy", {"syscall": 20_000, "pte_update": 100, "cr3_switch": 100, "page_fault": 100, "port_io": 0}),
    Workload("pagetable", "Page-table-heavy (fork/exec)", {"syscall": 2_000, "pte_update": 20_000, "cr3_switch": 2_000,
                                                           "page_fault": 5_000, "port_io": 0}),
    Workload("io", "I/O-heavy", {"syscall": 5_000, "pte_update": 500, "cr3_switch": 500, "page_fault": 500, "port_io": 10_000}),
)


@dataclass(frozen=True)
class Result:
    workload: str
    technique: str
    interventions: float
    overhead_cycles: int  # summed over the events that have a published figure
    unknown_events: tuple[str, ...]  # events with interventions but no published per-event figure


def evaluate(workload: Workload, technique: str) -> Result:
    interventions = sum(INTERVENTIONS[technique][e][0] * n for e, n in workload.events.items())
    total, unknown = 0, []
    for event, count in workload.events.items():
        if not count:
            continue
        extra = overhead_cycles(technique, event)
        if extra is None:
            unknown.append(event)
        else:
            total += extra * count
    return Result(workload.id, technique, interventions, total, tuple(unknown))


def table() -> list[Result]:
    return [evaluate(w, t) for w in WORKLOADS for t in TECHNIQUES]


UNKNOWN = "unknown"


def cycles_text(cycles: float) -> str:
    """Cycles per 10^6 instructions, readable at any size: a small known cost never rounds to a false "0.0 M"."""
    if cycles == 0:
        return "0"
    if abs(cycles) >= 50_000:
        return f"{cycles / 1e6:,.1f} M"
    return f"{cycles / 1e3:,.1f} k" if abs(cycles) >= 50 else f"{cycles:,.0f}"


def cost_text(result: Result) -> str:
    """The extra cycles of one workload and technique as the page shows them: "unknown" where no published figure
    covers any event the VMM takes part in, "… + unknown" where only some are covered, never a made-up 0."""
    events = next(w for w in WORKLOADS if w.id == result.workload).events
    known = [e for e, n in events.items() if n and overhead_cycles(result.technique, e) is not None]
    if result.unknown_events and not any(INTERVENTIONS[result.technique][e][0] for e in known):
        return UNKNOWN
    text = cycles_text(result.overhead_cycles)
    return f"{text} + {UNKNOWN}" if result.unknown_events else text


# The lecture's summary rows (slides "Summary Full Virtualization with Binary Translation",
# "Summary OS-Assisted Virtualization", "Summary HW-Assisted Virtualization").
LECTURE_SUMMARY = (
    {"Approach": "Full virtualization (BT)", "Modified guest OS?": "NO", "Hardware support?": "NO",
     "Pros": "fine for compute-intensive applications", "Cons": "decreased performance for data-intensive applications"},
    {"Approach": "OS-assisted (paravirtualization)", "Modified guest OS?": "YES", "Hardware support?": "NO",
     "Pros": "better performance through cooperation between hypervisor and guest OS",
     "Cons": "limited compatibility; more management overhead (different OS versions to maintain)"},
    {"Approach": "Hardware-assisted", "Modified guest OS?": "NO", "Hardware support?": "YES",
     "Pros": "improved performance even for unmodified guest OSs",
     "Cons": "specialized hardware required; reduced flexibility due to hardware constraints"},
)

# Published figures, each with its source (sources.toml: aa-macrobenchmarks, xen-figure3).
ADAMS_AGESEN = (
    {"Benchmark": "forkwait (40,000 fork/waitpid)", "Native": "6.0 s", "Software VMM (BT)": "36.9 s", "Hardware VMM (VT-x, no EPT)": "106.4 s"},
    {"Benchmark": "Linux kernel compile", "Native": "265 s", "Software VMM (BT)": "393 s", "Hardware VMM (VT-x, no EPT)": "484 s"},
    {"Benchmark": "SPECjbb2005 (% of native)", "Native": "100%", "Software VMM (BT)": "98%", "Hardware VMM (VT-x, no EPT)": "99%"},
)
ADAMS_AGESEN_SOURCE = "Adams & Agesen, ASPLOS 2006, on a 3.8 GHz Pentium 4 672"
XEN_PAPER = (
    {"Benchmark": "SPEC INT2000 (score)", "Native Linux": 567, "XenoLinux": 567, "VMware WS 3.2": 554, "UML": 550},
    {"Benchmark": "Linux build time (s, lower is better)", "Native Linux": 263, "XenoLinux": 271, "VMware WS 3.2": 334, "UML": 535},
    {"Benchmark": "SPEC WEB99 (score)", "Native Linux": 518, "XenoLinux": 514, "VMware WS 3.2": 150, "UML": 172},
)
XEN_PAPER_SOURCE = ("Barham et al., SOSP 2003, Figure 3. The OSDB-IR, OSDB-OLTP and dbench bars are left out: their "
                    "values could not be confirmed.")
