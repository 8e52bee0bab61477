"""Resource distribution among VMs on one physical node (lecture 2.4, "Resource Distribution Among VMs").

The slide's four rules, each modelled so a student can try to break it:

* storage space and main memory are **statically partitioned**: each VM gets a predefined fraction of the
  disk and of the RAM, so adding or growing a VM beyond what is free is refused, and the last good layout stays;
* CPUs are either **pinned** (each VM gets dedicated cores: no more vCPUs than cores, and a VM's idle core
  cannot be used by another VM) or **scheduled** (the VMM hands out time slots, so vCPUs may outnumber cores);
* I/O access is typically **first come, first served** (FCFS): one device serves requests in arrival order,
  so a VM that sends a burst makes the others wait.

A plan (the editable text) is replayed as a :class:`~engine.core.trace.Trace` of layouts, one frame per operation;
the FCFS device is replayed as a trace of queue states. :data:`SIMPLIFICATIONS` says what the model leaves out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal, Mapping, Sequence

from engine.core.settings_text import key_values, whole, wholes
from engine.core.trace import Trace, TraceBuilder


class PartitionError(ValueError):
    """A plan, layout or I/O request list cannot be used; the message names the line, VM and resource."""


CpuMode = Literal["pinned", "scheduled"]
CPU_MODES: dict[str, str] = {"pinned": "Pinned: each VM owns its cores", "scheduled": "Scheduled: time slots on all cores"}

# What the resources are called on screen, and their units (disk in GB, memory in GiB, as sold and as installed).
RESOURCES: dict[str, tuple[str, str]] = {"disk": ("disk", "GB"), "mem": ("memory", "GiB"), "vcpus": ("CPU", "vCPUs")}
MAX_DISK_GB = 100_000
MAX_MEM_GIB = 4_096
MAX_PCPUS = 32
MAX_VCPUS = 32
MAX_VMS = 7  # one Okabe–Ito colour each
MAX_IO_REQUESTS = 40
MAX_IO_TIME_MS = 10_000
MAX_PLAN_OPERATIONS = 60  # the player shows one frame per operation; more would not be read, only wait to be replayed

SIMPLIFICATIONS = (
    "Disk and memory are whole GB/GiB and are never over-committed (no thin provisioning, no ballooning, no memory "
    "sharing). Pinned vCPUs take the lowest free cores and keep them, one vCPU per core. A vCPU's load is the share of one core it "
    "would use if it had the core to itself; 'scheduled' assumes an ideal work-conserving scheduler with no switching "
    "cost, so its utilisation is an upper bound (the 'VM CPU scheduling' page simulates real schedulers). The I/O "
    "device serves one request at a time with a fixed service time, and its CPU cost to the VMM is not modelled here."
)
SOURCES = ("Lecture slides 'Resource Sharing & Performance Implications' and 'Resource Distribution Among VMs'; "
           "pinning and scheduling as on the slide, FCFS I/O as 'typically' used there.")

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
_KEYWORDS = frozenset({"host", "add", "resize", "remove"})


# --------------------------------------------------------------------------- host, VMs, layout

@dataclass(frozen=True)
class Host:
    """One physical node: disk in GB, memory in GiB, physical CPU cores."""

    disk: int
    mem: int
    pcpus: int

    def __post_init__(self) -> None:
        _check_range("host", "disk", self.disk, 1, MAX_DISK_GB)
        _check_range("host", "mem", self.mem, 1, MAX_MEM_GIB)
        _check_range("host", "pcpus", self.pcpus, 1, MAX_PCPUS)


@dataclass(frozen=True)
class VM:
    """A VM's predefined fractions: disk GB, memory GiB, vCPUs, and each vCPU's load (% of one core it would use)."""

    name: str
    disk: int
    mem: int
    vcpus: int
    load: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name) or self.name in _KEYWORDS:
            raise PartitionError(f"VM name {self.name!r}: use a letter, then up to 15 letters, digits, '-' or '_' "
                                 f"(not {', '.join(sorted(_KEYWORDS))})")
        owner = f"VM '{self.name}'"
        _check_range(owner, "disk", self.disk, 1, MAX_DISK_GB)
        _check_range(owner, "mem", self.mem, 1, MAX_MEM_GIB)
        _check_range(owner, "vcpus", self.vcpus, 1, MAX_VCPUS)
        load = tuple(self.load) or (100,) * self.vcpus
        if len(load) == 1:
            load = load * self.vcpus
        if len(load) != self.vcpus:
            raise PartitionError(f"VM '{self.name}': load gives {len(load)} values for {self.vcpus} vCPUs "
                                 "(give one value for all, or one per vCPU)")
        for value in load:
            _check_range(owner, "load", value, 0, 100)
        object.__setattr__(self, "load", load)

    def amount(self, resource: str) -> int:
        return int(getattr(self, resource))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(owner: str, key: str, value: object, low: int, high: int) -> None:
    if not _whole(value) or not low <= value <= high:  # type: ignore[operator]
        raise PartitionError(f"{owner}: {key} must be a whole number from {low} to {high}, got {value!r}")


@dataclass(frozen=True)
class Layout:
    """The host with its VMs, in the order they were created. Every reachable layout fits the host.

    Operations return a new layout or raise :class:`PartitionError` naming the resource, the amount requested and
    the amount free, so the caller keeps the last good layout.
    """

    host: Host
    vms: tuple[VM, ...] = ()
    cpu_mode: CpuMode = "pinned"
    pins: tuple[tuple[int, ...], ...] = ()  # pinned: each VM's cores, parallel to vms (default: lowest free, in order)

    def __post_init__(self) -> None:
        if self.cpu_mode not in CPU_MODES:
            raise PartitionError(f"CPU mode must be one of {', '.join(CPU_MODES)}, got {self.cpu_mode!r}")
        if self.cpu_mode == "scheduled" or not self.pins:
            object.__setattr__(self, "pins", self._default_pins())
        names = [vm.name for vm in self.vms]
        for name in names:
            if names.count(name) > 1:
                raise PartitionError(f"two VMs are called '{name}'")
        if len(self.vms) > MAX_VMS:
            raise PartitionError(f"at most {MAX_VMS} VMs fit this picture, got {len(self.vms)}")
        for resource in self.limited:
            if self.used(resource) > self.capacity(resource):
                raise PartitionError(f"the VMs need {self.used(resource)} {_unit(resource)} of {_label(resource)} "
                                     f"but the host has {self.capacity(resource)}")
        taken = [core for cores in self.pins for core in cores]
        if len(self.pins) != len(self.vms) or len(set(taken)) != len(taken) or \
                any(len(cores) != (vm.vcpus if self.cpu_mode == "pinned" else 0) or
                    any(not 0 <= c < self.host.pcpus for c in cores) for vm, cores in zip(self.vms, self.pins)):
            raise PartitionError("pins must give each VM as many distinct existing cores as it has vCPUs")

    def _default_pins(self) -> tuple[tuple[int, ...], ...]:
        if self.cpu_mode == "scheduled":
            return ((),) * len(self.vms)
        starts = [sum(vm.vcpus for vm in self.vms[:i]) for i in range(len(self.vms))]
        return tuple(tuple(range(start, start + vm.vcpus)) for start, vm in zip(starts, self.vms))

    def _free_cores(self, count: int, keep: tuple[int, ...] = ()) -> tuple[int, ...]:
        """``keep`` trimmed or grown by the lowest unpinned cores: a pinned VM never moves to other cores."""
        if self.cpu_mode == "scheduled":
            return ()
        taken = {c for cores in self.pins for c in cores}
        return (*keep[:count], *[c for c in range(self.host.pcpus) if c not in taken][:max(0, count - len(keep))])

    @property
    def limited(self) -> tuple[str, ...]:
        """The resources that cannot be over-committed: vCPUs only when pinned (scheduling time-shares cores)."""
        return ("disk", "mem", "vcpus") if self.cpu_mode == "pinned" else ("disk", "mem")

    def capacity(self, resource: str) -> int:
        return self.host.pcpus if resource == "vcpus" else int(getattr(self.host, resource))

    def used(self, resource: str) -> int:
        return sum(vm.amount(resource) for vm in self.vms)

    def free(self, resource: str) -> int:
        return self.capacity(resource) - self.used(resource)

    def vm(self, name: str) -> VM:
        for vm in self.vms:
            if vm.name == name:
                return vm
        known = ", ".join(v.name for v in self.vms) or "none yet"
        raise PartitionError(f"there is no VM '{name}' (VMs: {known})")

    def add(self, vm: VM) -> "Layout":
        if any(v.name == vm.name for v in self.vms):
            raise PartitionError(f"cannot add '{vm.name}': a VM with that name exists (resize or remove it)")
        if len(self.vms) >= MAX_VMS:
            raise PartitionError(f"cannot add '{vm.name}': at most {MAX_VMS} VMs")
        self._refuse_overcommit(f"cannot add '{vm.name}'", {r: vm.amount(r) for r in self.limited})
        return replace(self, vms=(*self.vms, vm), pins=(*self.pins, self._free_cores(vm.vcpus)))

    def resize(self, name: str, disk: int | None = None, mem: int | None = None, vcpus: int | None = None,
               load: Sequence[int] | None = None) -> "Layout":
        old = self.vm(name)
        new_vcpus = old.vcpus if vcpus is None else vcpus
        if load is None:
            if new_vcpus != old.vcpus and len(set(old.load)) > 1:
                raise PartitionError(f"cannot resize '{name}': its vCPUs have different loads {list(old.load)}; "
                                     f"give load= for the {new_vcpus} vCPUs")
            load = old.load[:1]
        new = VM(name, old.disk if disk is None else disk, old.mem if mem is None else mem, new_vcpus, tuple(load))
        growth = {r: new.amount(r) - old.amount(r) for r in self.limited}
        self._refuse_overcommit(f"cannot resize '{name}'", growth, old)
        return replace(self, vms=tuple(new if v.name == name else v for v in self.vms),
                       pins=tuple(self._free_cores(new.vcpus, cores) if v.name == name else cores
                                  for v, cores in zip(self.vms, self.pins)))

    def remove(self, name: str) -> "Layout":
        self.vm(name)
        keep = [i for i, v in enumerate(self.vms) if v.name != name]
        return replace(self, vms=tuple(self.vms[i] for i in keep), pins=tuple(self.pins[i] for i in keep))

    def _refuse_overcommit(self, what: str, extra: Mapping[str, int], old: VM | None = None) -> None:
        for resource, more in extra.items():
            if more > self.free(resource):
                unit, label = _unit(resource), _label(resource)
                change = (f"{label} {old.amount(resource)} → {old.amount(resource) + more} {unit} needs {more} more"
                          if old else f"{label} needs {more} {unit}")
                why = " (pinned: one dedicated core per vCPU)" if resource == "vcpus" else ""
                raise PartitionError(f"{what}: {change}{why}, but only {self.free(resource)} of "
                                     f"{self.capacity(resource)} {unit} are free")

    def pinning(self) -> tuple[tuple[str, int] | None, ...]:
        """For each physical core, the (VM, vCPU index) pinned to it, or None (always None when scheduled)."""
        cores: list[tuple[str, int] | None] = [None] * self.host.pcpus
        for vm, pinned in zip(self.vms, self.pins):
            for i, core in enumerate(pinned):
                cores[core] = (vm.name, i)
        return tuple(cores)

    def cores_of(self, name: str) -> tuple[int, ...]:
        return self.pins[self.vms.index(self.vm(name))]

    def summary(self) -> str:
        """One line of totals, as the caption under the picture."""
        parts = [f"{_label(r)} {self.used(r)}/{self.capacity(r)} {_unit(r)}" for r in ("disk", "mem")]
        vcpus = self.used("vcpus")
        parts.append(f"{vcpus} vCPUs on {self.host.pcpus} cores" +
                     (f" ({vcpus / self.host.pcpus:.2g} per core, time-shared)" if self.cpu_mode == "scheduled" else ""))
        return " · ".join(parts)


def _unit(resource: str) -> str:
    return RESOURCES[resource][1] if resource != "vcpus" else "cores"


def _label(resource: str) -> str:
    return RESOURCES[resource][0]


# --------------------------------------------------------------------------- CPU utilisation

@dataclass(frozen=True)
class Utilisation:
    """Core-time of the host over one interval, in cores (fractions of all pCPU time via the properties).

    used:        core-time the vCPUs actually run.
    idle_pinned: core-time idle on cores pinned to a VM, which no other VM may use (pinning's waste).
    idle_free:   core-time on cores nobody is pinned to (pinned), or left over (scheduled).
    unmet:       vCPU demand that found no core (scheduled with more demand than cores).
    """

    pcpus: int
    used: float
    idle_pinned: float
    idle_free: float
    unmet: float

    @property
    def utilisation(self) -> float:
        return self.used / self.pcpus

    @property
    def wasted(self) -> float:
        return self.idle_pinned / self.pcpus


def utilisation(layout: Layout) -> Utilisation:
    """Pinned: each vCPU uses its own core for its load, the rest of that core is lost to the others.
    Scheduled (ideal, work-conserving): the total load is spread over all cores, up to their number."""
    demand = sum(load for vm in layout.vms for load in vm.load) / 100
    pcpus = layout.host.pcpus
    if layout.cpu_mode == "pinned":
        pinned = layout.used("vcpus")
        return Utilisation(pcpus, demand, pinned - demand, float(pcpus - pinned), 0.0)
    used = min(demand, float(pcpus))
    return Utilisation(pcpus, used, 0.0, pcpus - used, demand - used)


def core_loads(layout: Layout) -> tuple[float, ...]:
    """Busy fraction of each core: its pinned vCPU's load, or (scheduled) the total load spread evenly."""
    if layout.cpu_mode == "pinned":
        loads = {vm.name: vm.load for vm in layout.vms}
        return tuple(loads[slot[0]][slot[1]] / 100 if slot else 0.0 for slot in layout.pinning())
    share = utilisation(layout).utilisation
    return (share,) * layout.host.pcpus


# --------------------------------------------------------------------------- plans: the editable text

@dataclass(frozen=True)
class Operation:
    """One line of a plan: add a VM, resize one (only the given settings change), or remove one."""

    line: int
    kind: Literal["add", "resize", "remove"]
    name: str
    settings: tuple[tuple[str, object], ...] = ()

    @property
    def text(self) -> str:
        words = [self.kind, self.name] + [f"{k}={_show(v)}" for k, v in self.settings]
        return " ".join(words)


@dataclass(frozen=True)
class Plan:
    host: Host
    operations: tuple[Operation, ...]


def _show(value: object) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


_VM_KEYS = ("disk", "mem", "vcpus", "load")
_HOST_KEYS = ("disk", "mem", "pcpus")
_FORMAT = ("'host disk=<GB> mem=<GiB> pcpus=<cores>' first, then one VM per line: "
           "'<name> disk=<GB> mem=<GiB> vcpus=<n> [load=<%>]', 'resize <name> mem=<GiB> …' or 'remove <name>'")


def _settings(words: Sequence[str], allowed: Sequence[str], where: str) -> dict[str, object]:
    given = key_values(words, allowed, where, PartitionError)
    return {key: wholes(key, value, where, PartitionError) if key == "load" else whole(key, value, where, PartitionError)
            for key, value in given.items()}


def _name(word: str, where: str) -> str:
    if not _NAME.fullmatch(word) or word in _KEYWORDS:
        raise PartitionError(f"{where}: '{word}' is not a VM name (a letter, then up to 15 letters, digits, - or _)")
    return word


def parse_plan(text: str) -> Plan:
    """Read the editable plan without eval: a host line, then add / resize / remove lines; '#' starts a comment.

    Errors name the line; over-commits are not parse errors (:func:`replay` refuses them, operation by operation).
    """
    host: Host | None = None
    operations: list[Operation] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"line {number} ('{raw.strip()}')"
        if host is None:
            if words[0] != "host":
                raise PartitionError(f"{where}: the first line must describe the host, e.g. "
                                     "'host disk=1000 mem=64 pcpus=8'")
            given = _settings(words[1:], _HOST_KEYS, where)
            missing = [k + "=" for k in _HOST_KEYS if k not in given]
            if missing:
                raise PartitionError(f"{where}: the host needs {', '.join(missing)}")
            try:
                host = Host(**given)  # type: ignore[arg-type]
            except PartitionError as exc:
                raise PartitionError(f"{where}: {exc}") from None
            continue
        if words[0] == "host":
            raise PartitionError(f"{where}: the host is described once, on the first line")
        kind = words[0] if words[0] in ("add", "resize", "remove") else "add"
        rest = words[1:] if words[0] in ("add", "resize", "remove") else words
        if not rest:
            raise PartitionError(f"{where}: which VM? Write {_FORMAT}")
        name = _name(rest[0], where)
        given = _settings(rest[1:], _VM_KEYS, where)
        if kind == "add":
            missing = [k + "=" for k in _VM_KEYS[:3] if k not in given]
            if missing:
                raise PartitionError(f"{where}: VM '{name}' needs {', '.join(missing)}")
        elif kind == "resize" and not given:
            raise PartitionError(f"{where}: resize {name} what? e.g. 'resize {name} mem=16'")
        elif kind == "remove" and given:
            raise PartitionError(f"{where}: 'remove {name}' takes no settings")
        operations.append(Operation(number, kind, name, tuple(given.items())))  # type: ignore[arg-type]
        if len(operations) > MAX_PLAN_OPERATIONS:
            raise PartitionError(f"line {number}: the plan has more than {MAX_PLAN_OPERATIONS} operations; at most "
                                 f"{MAX_PLAN_OPERATIONS} can be stepped through: shorten it")
    if host is None:
        raise PartitionError(f"the plan is empty: write {_FORMAT}")
    return Plan(host, tuple(operations))


def apply(layout: Layout, op: Operation) -> Layout:
    """One operation, or PartitionError saying why it is refused."""
    settings = dict(op.settings)
    if op.kind == "remove":
        return layout.remove(op.name)
    if op.kind == "resize":
        return layout.resize(op.name, **settings)  # type: ignore[arg-type]
    return layout.add(VM(op.name, **settings))  # type: ignore[arg-type]


def replay(plan: Plan, cpu_mode: CpuMode = "pinned") -> Trace[Layout]:
    """Apply the plan's operations in order, one frame each. A refused operation is a frame too: the layout
    stays as it was (the last good one) and the explanation says which resource, how much asked, how much free."""
    layout = Layout(plan.host, (), cpu_mode)
    builder: TraceBuilder[Layout] = TraceBuilder(f"plan:{cpu_mode}:{plan}", counters={"refused": 0})
    builder.add(layout, "Empty host", f"{plan.host.disk} GB disk, {plan.host.mem} GiB memory and {plan.host.pcpus} "
                f"cores, nothing allocated yet. CPU mode: {cpu_mode}.")
    for op in plan.operations:
        try:
            layout = apply(layout, op)
        except PartitionError as exc:
            builder.count("refused")
            builder.add(layout, f"Line {op.line}: {op.text} refused", f"{_capital(str(exc))}. The layout stays as it was.",
                        {op.name})
            continue
        builder.count({"add": "added", "resize": "resized", "remove": "removed"}[op.kind])
        builder.add(layout, f"Line {op.line}: {op.text}", _after(layout, op), {op.name})
    return builder.build()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _after(layout: Layout, op: Operation) -> str:
    free = f"now free: {layout.free('disk')} GB disk, {layout.free('mem')} GiB memory" + (
        f", {layout.free('vcpus')} cores" if layout.cpu_mode == "pinned" else "")
    if op.kind == "remove":
        return f"'{op.name}' is gone and its fixed fractions return to the host; {free}."
    vm = layout.vm(op.name)
    if layout.cpu_mode == "pinned":
        cores = layout.cores_of(op.name)
        cpu = f"pinned to core{'s' if len(cores) > 1 else ''} {', '.join(map(str, cores))}"
    else:
        cpu = f"{vm.vcpus} vCPU{'s' if vm.vcpus > 1 else ''} time-shared on all {layout.host.pcpus} cores"
    verb = "gets" if op.kind == "add" else "now has"
    return f"'{op.name}' {verb} {vm.disk} GB disk and {vm.mem} GiB memory, {cpu}; {free}."


def refusals(trace: Trace[Layout]) -> tuple[str, ...]:
    """The captions of the refused operations, for the page's error box."""
    return tuple(f.caption for f in trace if f.event.endswith("refused"))


def refusal_summary(trace: Trace[Layout], shown: int = 3) -> tuple[str, ...]:
    """What the page shows about refused operations: each one when there are at most ``shown``, else one summary
    ("37 operations refused; the first 3: ...") so a long plan does not draw a box per line."""
    refused = refusals(trace)
    if len(refused) <= shown:
        return refused
    return (f"{len(refused)} operations refused; the first {shown}:\n" + "\n".join(f"– {r}" for r in refused[:shown])
            + "\nStep through the plan below for the rest.",)


def plan_text(plan: Plan) -> str:
    """The editable text for a plan (inverse of :func:`parse_plan`, apart from comments and spacing)."""
    h = plan.host
    lines = [f"host disk={h.disk} mem={h.mem} pcpus={h.pcpus}"]
    lines += [op.text.removeprefix("add ") for op in plan.operations]
    return "\n".join(lines)


# --------------------------------------------------------------------------- FCFS I/O

@dataclass(frozen=True)
class IoRequest:
    """One I/O request: which VM, when it arrives (ms), how long the device needs for it (ms)."""

    vm: str
    number: int  # the VM's own request count, 1-based: 'web #2'
    arrival: int
    service: int

    @property
    def label(self) -> str:
        return f"{self.vm} #{self.number}"


@dataclass(frozen=True)
class Served:
    request: IoRequest
    start: int
    finish: int

    @property
    def wait(self) -> int:
        return self.start - self.request.arrival

    @property
    def response(self) -> int:
        return self.finish - self.request.arrival


def fcfs(requests: Sequence[IoRequest]) -> tuple[Served, ...]:
    """Serve in arrival order (ties: in the order given), one at a time, each to completion."""
    clock = 0
    served = []
    for r in sorted(requests, key=lambda r: r.arrival):  # sorted() is stable: ties keep the given order
        start = max(clock, r.arrival)
        clock = start + r.service
        served.append(Served(r, start, clock))
    return tuple(served)


def waits_by_vm(served: Sequence[Served]) -> dict[str, tuple[float, int]]:
    """VM -> (mean wait, longest wait) in ms, VMs in order of first arrival."""
    waits: dict[str, list[int]] = {}
    for s in served:
        waits.setdefault(s.request.vm, []).append(s.wait)
    return {vm: (sum(w) / len(w), max(w)) for vm, w in waits.items()}


@dataclass(frozen=True)
class VmWaits:
    """One VM's waits under FCFS (ms), and its mean wait if the busiest VM sent nothing (None for that VM)."""

    vm: str
    requests: int
    mean: float
    longest: int
    mean_without_busiest: float | None


def waits_table(requests: Sequence[IoRequest]) -> tuple[str, tuple[VmWaits, ...]]:
    """The VM that sends the most requests, and every VM's waits with and without it: the lecture's point that
    one VM's burst delays all the others, who cannot tell why."""
    counts = {vm: sum(r.vm == vm for r in requests) for vm in dict.fromkeys(r.vm for r in requests)}
    busiest = max(counts, key=counts.__getitem__)
    without = waits_by_vm(fcfs([r for r in requests if r.vm != busiest]))
    rows = tuple(VmWaits(vm, counts[vm], mean, longest, None if vm == busiest else without[vm][0])
                 for vm, (mean, longest) in waits_by_vm(fcfs(requests)).items())
    return busiest, rows


def parse_requests(text: str) -> tuple[IoRequest, ...]:
    """Lines '<vm> at=<ms> service=<ms> [count=<n>] [every=<ms>]': count requests, every ms apart (default 0:
    a burst all at once). '#' starts a comment. Errors name the line."""
    requests: list[IoRequest] = []
    counts: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"line {number} ('{raw.strip()}')"
        name = _name(words[0], where)
        given = _settings(words[1:], ("at", "service", "count", "every"), where)
        missing = [k + "=" for k in ("at", "service") if k not in given]
        if missing:
            raise PartitionError(f"{where}: a request needs {', '.join(missing)} (e.g. '{name} at=0 service=3')")
        at, service = int(given["at"]), int(given["service"])  # type: ignore[call-overload]
        count, every = int(given.get("count", 1)), int(given.get("every", 0))  # type: ignore[call-overload]
        for key, value, low, high in (("at", at, 0, MAX_IO_TIME_MS), ("service", service, 1, MAX_IO_TIME_MS),
                                      ("count", count, 1, MAX_IO_REQUESTS), ("every", every, 0, MAX_IO_TIME_MS)):
            if not low <= value <= high:
                raise PartitionError(f"{where}: {key}= must be from {low} to {high}, got {value}")
        for i in range(count):
            counts[name] = counts.get(name, 0) + 1
            requests.append(IoRequest(name, counts[name], at + i * every, service))
        if len(requests) > MAX_IO_REQUESTS:
            raise PartitionError(f"{where}: more than {MAX_IO_REQUESTS} requests in all")
        if len(counts) > MAX_VMS:
            raise PartitionError(f"{where}: at most {MAX_VMS} VMs")
    if not requests:
        raise PartitionError("no requests: write one line per VM, e.g. 'web at=0 service=3'")
    return tuple(requests)


@dataclass(frozen=True)
class IoState:
    """The device at one instant: the schedule is fixed in advance, the renderer shows it up to ``time``."""

    time: int
    served: tuple[Served, ...]  # the whole FCFS schedule, in service order
    serving: str | None  # label of the request on the device right now
    queue: tuple[str, ...]  # labels waiting, in FCFS order

    def done(self) -> tuple[Served, ...]:
        return tuple(s for s in self.served if s.finish <= self.time)


def fcfs_trace(requests: Sequence[IoRequest]) -> Trace[IoState]:
    """One frame each time the device picks the next request (plus the end): who arrived, who waits, for how long."""
    served = fcfs(requests)
    builder: TraceBuilder[IoState] = TraceBuilder(f"fcfs:{tuple(requests)}", counters={"served": 0, "waited_ms": 0})
    for i, s in enumerate(served):
        queue = tuple(o.request.label for o in served[i + 1:] if o.request.arrival <= s.start)
        arrived = [o.request.label for o in served if (served[i - 1].start if i else -1) < o.request.arrival <= s.start
                   and o is not s]
        idle = s.start > (served[i - 1].finish if i else 0)
        why = (f"{s.request.label} arrived at {s.request.arrival} ms and "
               + ("finds the device idle, so it starts at once" if s.wait == 0 else
                  f"waited {s.wait} ms behind earlier requests") + f"; it occupies the device for {s.request.service} ms.")
        if arrived:
            why += f" Arrived since the last pick: {', '.join(arrived)}."
        why += f" Waiting now: {', '.join(queue)}." if queue else " Nobody else is waiting."
        builder.count("waited_ms", s.wait)
        event = f"t = {s.start} ms: {s.request.label} starts" + (" (device was idle)" if idle and i else "")
        builder.add(IoState(s.start, served, s.request.label, queue), event, why, {s.request.vm})
        builder.count("served")
    end = served[-1].finish
    worst = max(served, key=lambda s: s.wait)
    builder.add(IoState(end, served, None, ()), f"t = {end} ms: all {len(served)} requests served",
                f"Strictly in arrival order, whoever sent them: the longest wait was {worst.request.label}'s "
                f"{worst.wait} ms.", frozenset())
    return builder.build()


# --------------------------------------------------------------------------- presets

@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    description: str
    text: str


PLAN_PRESETS: dict[str, Preset] = {p.id: p for p in (
    Preset("three-vms", "Three VMs share a node",
           "Each VM receives a predefined fraction of the disk and of the RAM; the rest stays free for later VMs.",
           "host disk=1000 mem=64 pcpus=8\n"
           "web   disk=100 mem=8  vcpus=2 load=30\n"
           "db    disk=400 mem=32 vcpus=4 load=60\n"
           "batch disk=200 mem=16 vcpus=2 load=100\n"),
    Preset("overcommit", "Growing until it does not fit",
           "Resizing is allowed while there is room. The memory over-commit is refused and the last good layout "
           "stays; with pinned CPUs the extra VM is refused for cores as well.",
           "host disk=1000 mem=64 pcpus=8\n"
           "web   disk=100 mem=8  vcpus=2 load=30\n"
           "db    disk=400 mem=32 vcpus=4 load=60\n"
           "resize web mem=16\n"
           "resize db mem=48   # refused: memory is statically partitioned\n"
           "batch disk=200 mem=8 vcpus=4 load=100\n"),
    Preset("idle-pinned", "Pinning wastes idle cores",
           "Two mostly idle VMs own six of the eight cores. Pinned, a busy VM that wants four cores does not fit, "
           "although the cores are idle; switch to scheduling and it fits.",
           "host disk=1000 mem=64 pcpus=8\n"
           "web    disk=100 mem=8  vcpus=4 load=10\n"
           "mail   disk=100 mem=8  vcpus=2 load=5\n"
           "render disk=200 mem=16 vcpus=4 load=100\n"),
    Preset("churn", "VMs come and go",
           "Removing a VM returns its fractions to the host, and a new VM can take them.",
           "host disk=500 mem=32 pcpus=4\n"
           "a disk=200 mem=16 vcpus=2\n"
           "b disk=200 mem=16 vcpus=2\n"
           "c disk=100 mem=8 vcpus=1   # refused: no memory left\n"
           "remove a\n"
           "c disk=100 mem=8 vcpus=1\n"
           "resize b vcpus=3\n"),
)}

IO_PRESETS: dict[str, Preset] = {p.id: p for p in (
    Preset("steady", "Three VMs, small requests",
           "Requests arrive spread out, so they rarely meet at the device and nobody waits long.",
           "web at=0 service=2 count=3 every=6\n"
           "db at=1 service=3 count=2 every=8\n"
           "mail at=3 service=1 count=2 every=7\n"),
    Preset("greedy-burst", "A greedy VM's burst delays the others",
           "One VM sends eight requests at once just before the others; FCFS serves its whole burst first.",
           "greedy at=0 service=3 count=8\n"
           "web at=1 service=1 count=2 every=5\n"
           "db at=2 service=2\n"),
)}


__all__ = [
    "CPU_MODES", "CpuMode", "Host", "IO_PRESETS", "IoRequest", "IoState", "Layout", "MAX_DISK_GB", "MAX_MEM_GIB",
    "MAX_PLAN_OPERATIONS", "MAX_VCPUS", "Operation", "PLAN_PRESETS",
    "PartitionError", "Plan", "Preset", "RESOURCES", "SIMPLIFICATIONS", "SOURCES", "Served", "Utilisation", "VM",
    "apply", "core_loads", "fcfs", "fcfs_trace", "parse_plan", "parse_requests", "plan_text", "refusal_summary", "refusals",
    "replay",
    "utilisation", "waits_by_vm",
]
