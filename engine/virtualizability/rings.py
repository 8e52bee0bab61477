"""Which IA-32 ring each party runs in, natively and under each virtualization technique.

The point the lecture makes: a guest kernel that expects ring 0 must be moved out of it
(binary translation, Xen) unless the hardware adds a second set of rings (VT-x non-root mode).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RingLayout:
    id: str
    name: str
    cpu_mode: str  # "" when there is only one set of rings
    vmm_ring: int | None
    guest_kernel_ring: int
    guest_app_ring: int
    note: str
    source: str

    def occupants(self) -> dict[int, list[str]]:
        rings: dict[int, list[str]] = {0: [], 1: [], 2: [], 3: []}
        if self.vmm_ring is not None:
            rings[self.vmm_ring].append("VMM (root mode)" if self.cpu_mode else "VMM")
        kernel = "guest kernel" if self.vmm_ring is not None else "OS kernel"
        apps = "guest apps" if self.vmm_ring is not None else "applications"
        suffix = " (non-root)" if self.cpu_mode else ""
        rings[self.guest_kernel_ring].append(kernel + suffix)
        rings[self.guest_app_ring].append(apps + suffix)
        return rings


LAYOUTS: tuple[RingLayout, ...] = (
    RingLayout("native", "Native (no VMM)", "", None, 0, 3,
               "Only rings 0 and 3 are used in practice, for portability.",
               "Lecture slide 'Recap: IA-32 Architectures'"),
    RingLayout("bt", "Full virtualization, binary translation (VMware, 32-bit)", "", 0, 1, 3,
               "Translated guest kernel code runs in ring 1; user code runs directly in ring 3.",
               "VMware white paper 'Understanding Full Virtualization, Paravirtualization, and Hardware Assist' (2007), Fig. 5"),
    RingLayout("xen32", "Paravirtualization (Xen, x86-32)", "", 0, 1, 3,
               "The guest kernel is ported to run in ring 1 (FLAT_KERNEL_CS = FLAT_RING1_CS).",
               "Barham et al. SOSP 2003 §2.1.2; xen.git xen-x86_32.h"),
    RingLayout("xen64", "Paravirtualization (Xen, x86-64)", "", 0, 3, 3,
               "x86-64 dropped segment limits, so a 64-bit PV kernel runs in ring 3 beside its apps, in another address space.",
               "xen.git xen-x86_64.h: FLAT_KERNEL_CS64 = FLAT_RING3_CS64"),
    RingLayout("vtx", "Hardware-assisted (Intel VT-x)", "VMX root / non-root", 0, 0, 3,
               "The VMM runs in root mode; the guest keeps ring 0 and ring 3, but in non-root mode, where chosen events cause VM exits.",
               "Intel SDM Vol. 3C 'VMX Non-Root Operation'"),
)

LAYOUTS_BY_ID: dict[str, RingLayout] = {layout.id: layout for layout in LAYOUTS}
