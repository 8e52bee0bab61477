"""One guest operation travelling hop by hop through a software stack.

Used for VMM type I (bare metal) vs type II (hosted) in 2.1 and for the three I/O
virtualization levels in 2.2 (engine/fullvirt/io_levels.py). Counting the hops and privilege
transitions shows the lecture's trade-offs: type I is more efficient, type II reuses the
host OS's drivers; intercepting I/O lower in the stack costs more traps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.core.trace import Trace, TraceBuilder

Hop = Literal["call", "trap", "reflect", "syscall", "device", "interrupt", "inject", "return", "switch"]

# Transitions that cross a hardware privilege boundary (the expensive ones).
PRIVILEGE_CROSSING: frozenset[str] = frozenset({"trap", "reflect", "syscall", "interrupt", "inject", "return", "switch"})


@dataclass(frozen=True)
class Layer:
    id: str
    label: str
    detail: str
    privileged: bool


@dataclass(frozen=True)
class Step:
    at: str  # layer id where the step ends
    hop: Hop
    event: str
    explanation: str


@dataclass(frozen=True)
class PathScenario:
    """A stack of layers and the steps of one operation through it, with the lecture's pros and cons."""

    id: str
    name: str
    also_known_as: str
    layers: tuple[Layer, ...]  # top to bottom
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class StackState:
    scenario: str
    at: str
    previous: str | None
    hop: str | None
    visited: tuple[str, ...]


_CALL = Step("app", "call", "The app calls read()", "A guest application asks its OS for a disk block.")
_REFLECT = Step("guest_os", "reflect", "VMM reflects it to the guest kernel", "The VMM forwards the system call to the guest kernel's handler.")
_DRIVER_TRAP = Step("vmm", "trap", "Guest driver's I/O instruction traps",
                    "The guest's disk driver issues a privileged I/O instruction (e.g. OUT to the controller); it traps to the VMM.")
_COMPLETE = (
    Step("guest_os", "inject", "VMM injects a virtual interrupt", "The VMM copies the data into guest memory and raises a virtual disk interrupt in the guest."),
    Step("app", "return", "read() returns to the app", "The guest kernel completes the system call; the app has its data."),
)

_GUEST = (
    Layer("app", "Guest application", "runs in user mode", False),
    Layer("guest_os", "Guest OS kernel", "de-privileged:\nuser mode under the VMM", False),
)

TYPE_I = PathScenario(
    id="type1",
    name="VMM type I",
    also_known_as="bare-metal / native hypervisor",
    layers=_GUEST + (
        Layer("vmm", "VMM (hypervisor)", "on the hardware, system mode;\nits own device drivers", True),
        Layer("hw", "Hardware", "CPU, memory, disk", True),
    ),
    pros=("More efficient: no host OS in the path.",),
    cons=("Requires special device drivers: the VMM itself must drive the hardware.",),
    steps=(
        _CALL,
        Step("vmm", "trap", "System call traps to the VMM", "The system call enters system mode, which belongs to the VMM, not the de-privileged guest kernel."),
        _REFLECT,
        _DRIVER_TRAP,
        Step("hw", "device", "VMM's own driver programs the disk", "The VMM maps the virtual disk block to a physical one and drives the disk with its own device driver."),
        Step("vmm", "interrupt", "Disk interrupt goes to the VMM", "The disk finishes; its interrupt is delivered to the VMM, which owns the hardware."),
        *_COMPLETE,
    ),
)

TYPE_II = PathScenario(
    id="type2",
    name="VMM type II",
    also_known_as="hosted virtualization",
    layers=_GUEST + (
        Layer("vmm", "VMM", "a host OS process;\nVMs run as processes", False),
        Layer("host_os", "Host OS", "owns the hardware\nand the device drivers", True),
        Layer("hw", "Hardware", "CPU, memory, disk", True),
    ),
    pros=("No special drivers: the host OS's existing drivers are used.",),
    cons=("More overhead: every device access also passes through the host OS.",),
    steps=(
        _CALL,
        Step("vmm", "trap", "System call traps to the VMM", "The trap reaches the VMM (through its kernel helper in the host), not the de-privileged guest kernel."),
        _REFLECT,
        _DRIVER_TRAP,
        Step("host_os", "syscall", "VMM process calls read() on the host", "The VMM is an ordinary host process: it turns the virtual disk access into a read() of an image file."),
        Step("hw", "device", "Host OS driver programs the disk", "The host OS's own disk driver does the physical I/O; no special driver is needed."),
        Step("host_os", "interrupt", "Disk interrupt goes to the host OS", "The host OS handles the interrupt and completes the VMM process's read()."),
        Step("vmm", "return", "Host read() returns to the VMM process", "The host OS schedules the VMM process again with the data."),
        *_COMPLETE,
    ),
)

DESIGNS: dict[str, PathScenario] = {d.id: d for d in (TYPE_I, TYPE_II)}


def simulate_path(scenario: PathScenario) -> Trace[StackState]:
    """The scenario's operation through its stack, one frame per hop."""
    tb: TraceBuilder[StackState] = TraceBuilder(scenario.id, counters={"hops": 0, "privilege_transitions": 0, "vmm_entries": 0})
    visited: tuple[str, ...] = ()
    previous: str | None = None
    for step in scenario.steps:
        if previous is not None:
            tb.count("hops")
            if step.hop in PRIVILEGE_CROSSING:
                tb.count("privilege_transitions")
            if step.at == "vmm":
                tb.count("vmm_entries")
        visited = visited + (step.at,)
        tb.add(StackState(scenario.id, step.at, previous, None if previous is None else step.hop, visited),
               step.event, step.explanation, {step.at} | ({f"{previous}->{step.at}"} if previous else set()))
        previous = step.at
    return tb.build()
