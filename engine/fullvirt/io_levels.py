"""The lecture's three levels of I/O virtualization, as one guest disk read through each.

The lecture lists the levels (system call, device driver, I/O operation) and gives pros and
cons for the device-driver level; the other two levels' trade-offs follow Smith & Nair,
"Virtual Machines" (2005), §8.4, from memory (sources.toml: io-levels-smith-nair, not verified). The number of register
accesses in the I/O-operation path is the model's simplification (a real disk controller
needs more), so its trap count is a lower bound.
"""

from __future__ import annotations

from engine.virtualizability.vmm_stack import TYPE_I, PathScenario, Step

_LAYERS = TYPE_I.layers  # guest app, guest OS, VMM with its drivers, hardware

_CALL = Step("app", "call", "The app calls read()", "A guest application asks for a disk block.")
_TO_KERNEL = Step("guest_os", "syscall", "The guest kernel takes the system call",
                  "The guest's file system turns read() into a block request for its disk driver.")
_DISK = Step("hw", "device", "The VMM's driver reads the physical disk", "The real device does the I/O, driven by the VMM.")
_IRQ = Step("vmm", "interrupt", "Disk interrupt goes to the VMM", "The physical disk signals completion to the VMM, which owns it.")
_DONE = Step("app", "return", "read() returns to the app", "The application has its data.")

SYSCALL_LEVEL = PathScenario(
    id="syscall",
    name="System call level",
    also_known_as="the VMM intercepts the application's system calls",
    layers=_LAYERS,
    pros=("Fewest interceptions: one per system call, and the guest kernel's I/O path is skipped.",),
    cons=("The VMM must implement the guest OS's whole system-call interface (an OS-specific ABI), "
          "for every guest OS it supports.",),
    steps=(
        _CALL,
        Step("vmm", "trap", "The VMM intercepts the system call",
             "read() is caught by the VMM itself, which must understand the guest OS's system-call semantics."),
        _DISK,
        _IRQ,
        Step("app", "return", "The VMM returns read()'s result to the app",
             "The guest kernel never saw the request: the VMM emulated the whole call."),
    ),
)

DRIVER_LEVEL = PathScenario(
    id="driver",
    name="Device driver level",
    also_known_as="the VMM intercepts calls to the virtual device driver",
    layers=_LAYERS,
    pros=("Natural point for virtualization.", "No 'reverse engineering' required; works in practice for Linux and Windows guests."),
    cons=("Requires knowledge of the guest's device driver interface.",),
    steps=(
        _CALL,
        _TO_KERNEL,
        Step("vmm", "trap", "The VMM intercepts the virtual driver call",
             "The guest kernel calls its (virtual) disk driver; the VMM catches the call and converts the virtual "
             "device information to the corresponding physical device."),
        Step("hw", "device", "Redirected to the physical device's driver", "The VMM hands the request to the real disk's driver."),
        _IRQ,
        Step("guest_os", "inject", "The driver call returns to the guest kernel", "The VMM completes the virtual driver call with the data."),
        _DONE,
    ),
)

_REGISTER_ACCESS = "traps: the guest driver touches a device register with a privileged I/O instruction, and the VMM's device model emulates it"
IO_OPERATION_LEVEL = PathScenario(
    id="ioop",
    name="I/O operation level",
    also_known_as="the VMM intercepts every I/O instruction of the guest's driver",
    layers=_LAYERS,
    pros=("Works for any guest OS and unmodified drivers: only the device's hardware interface is emulated.",),
    cons=("Many traps: every register access of the driver enters the VMM.",
          "The VMM must infer whole operations from single register accesses ('reverse engineering' the device protocol)."),
    steps=(
        _CALL,
        _TO_KERNEL,
        Step("vmm", "trap", "OUT to the sector register traps", f"Register access 1 {_REGISTER_ACCESS}."),
        Step("guest_os", "return", "The VMM resumes the guest driver", "Nothing has been read yet: the VMM only recorded the sector number."),
        Step("vmm", "trap", "OUT to the command register traps",
             f"Register access 2 {_REGISTER_ACCESS}; now the VMM knows a whole read was requested."),
        _DISK,
        _IRQ,
        Step("guest_os", "inject", "The VMM injects a virtual disk interrupt", "The guest's interrupt handler runs its driver again."),
        Step("vmm", "trap", "IN from the status register traps", f"Register access 3 {_REGISTER_ACCESS}; the data is copied into guest memory."),
        Step("guest_os", "return", "The VMM resumes the guest driver", "The guest kernel completes the block request."),
        _DONE,
    ),
)

IO_LEVELS: dict[str, PathScenario] = {s.id: s for s in (SYSCALL_LEVEL, DRIVER_LEVEL, IO_OPERATION_LEVEL)}

SOURCES = {
    "driver": "Lecture slide 'I/O Virtualization at Device Driver Level'",
    "syscall": "The lecture lists this level only; pros and cons after Smith & Nair, Virtual Machines (2005), §8.4",
    "ioop": "The lecture lists this level only; pros and cons after Smith & Nair, Virtual Machines (2005), §8.4",
}
