"""The app's pages in one place: app.py builds the navigation from it, Home links concepts to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str


GROUPS: dict[str, tuple[PageSpec, ...]] = {
    "VirtLab": (
        PageSpec("pages/home.py", "Home", "🏠", ""),
        PageSpec("pages/progress.py", "My progress", "📊", "progress"),
        PageSpec("pages/review.py", "Review", "🔁", "review"),
        PageSpec("pages/self_test.py", "Self-test", "📝", "self-test"),
        PageSpec("pages/live_lecturer.py", "Live: lecturer", "📡", "live-lecturer"),
        PageSpec("pages/live_join.py", "Live: join", "🙋", "live-join"),
        PageSpec("pages/lecturers.py", "For lecturers", "🎓", "lecturers"),
    ),
    "2.1 Virtualizability": (
        PageSpec("pages/s21_vmm_types.py", "VMM types", "🧱", "vmm-types"),
        PageSpec("pages/s21_instructions.py", "Instruction classes", "🧮", "instruction-classes"),
        PageSpec("pages/s21_isa_designer.py", "ISA designer", "🛠️", "isa-designer"),
        PageSpec("pages/s21_rings.py", "Protection rings", "⭕", "rings"),
        PageSpec("pages/s21_trap_emulate.py", "Trap and emulate", "🪤", "trap-and-emulate"),
        PageSpec("pages/s21_quiz.py", "Quiz 2.1", "❓", "quiz-2-1"),
    ),
    "2.2 Full virtualization": (
        PageSpec("pages/s22_binary_translation.py", "Binary translation", "🔁", "binary-translation"),
        PageSpec("pages/s22_paging.py", "Paging and the TLB", "🗂️", "paging"),
        PageSpec("pages/s22_shadow.py", "Shadow page tables", "🪞", "shadow-page-tables"),
        PageSpec("pages/s22_io.py", "I/O virtualization", "💽", "io-virtualization"),
        PageSpec("pages/s22_quiz.py", "Quiz 2.2", "❓", "quiz-2-2"),
    ),
    "2.3 OS- and hardware-assisted": (
        PageSpec("pages/s23_xen.py", "Xen and paravirtualization", "🐼", "xen"),
        PageSpec("pages/s23_hypercalls.py", "Hypercalls, events and split drivers", "📨", "hypercalls"),
        PageSpec("pages/s23_vtx.py", "VT-x and the VMCS", "🧩", "vt-x"),
        PageSpec("pages/s23_ept.py", "Nested paging, tagged TLB, device assignment", "🧭", "ept"),
        PageSpec("pages/s23_compare.py", "Comparing the approaches", "⚖️", "compare"),
        PageSpec("pages/s23_quiz.py", "Quiz 2.3", "❓", "quiz-2-3"),
    ),
    "2.4 Resource sharing": (
        PageSpec("pages/s24_resources.py", "Resource distribution", "🍰", "resource-distribution"),
        PageSpec("pages/s24_scheduling.py", "VM CPU scheduling", "⏱️", "cpu-scheduling"),
        PageSpec("pages/s24_shared_io.py", "Shared I/O", "🚦", "shared-io"),
        PageSpec("pages/s24_quiz.py", "Quiz 2.4", "❓", "quiz-2-4"),
    ),
    "2.5 Case study: Amazon EC2": (
        PageSpec("pages/s25_regions.py", "Regions and data transfer", "🌍", "regions"),
        PageSpec("pages/s25_pricing.py", "Pricing and elasticity", "💵", "pricing"),
        PageSpec("pages/s25_instances.py", "Instance types and ECUs", "🖥️", "instance-types"),
        PageSpec("pages/s25_variance.py", "Performance variance", "📉", "performance-variance"),
        PageSpec("pages/s25_quiz.py", "Quiz 2.5", "❓", "quiz-2-5"),
    ),
}

BY_TITLE: dict[str, PageSpec] = {p.title: p for pages in GROUPS.values() for p in pages}
