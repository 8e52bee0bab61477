"""The scheduling scenario as text a student edits: one host line, then one VM a line.

    host pcpus=2 duration=3000 seed=0 timeslice=30 ratelimit=1 boost=on
    dom0 io=on cost=1 bursty=on pcpu=0
    web weight=512 workload=latency burst=1 wait=20
    batch vcpus=2 cap=50
    rt1 period=10 budget=4
    mine workload=trace trace=run 5, block 20

Every setting but the VM name is optional and defaults to Xen's value (weight 256, no cap, RTDS
10/4 ms, a 30 ms Credit slice). ``trace=`` comes last and takes the rest of the line. The text is
read without eval; a mistake raises :class:`SchedulerConfigError` naming the line. Legal ranges
are checked afterwards by :func:`engine.sharing.sched_model.validate`, which knows the scheduler.
"""

from __future__ import annotations

import re

from engine.sharing.sched_model import VM, Scenario, SchedulerConfigError, SharedIO, Workload, WORKLOADS
from engine.core.settings_text import key_values, number, switch, whole, wholes

HOST_KEYS = ("pcpus", "duration", "seed", "timeslice", "ratelimit", "boost")
DOM0_KEYS = ("io", "cost", "bursty", "pcpu")
VM_KEYS = ("vcpus", "weight", "cap", "workload", "burst", "wait", "pins", "period", "budget", "trace")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
FORMAT = ("'host pcpus=<n> [duration=<ms>] [seed=<n>] [timeslice=<ms>] [ratelimit=<ms>] [boost=on|off]' first, "
          "optionally 'dom0 io=on|off [cost=<ms>] [bursty=on|off] [pcpu=<n>]', then one VM a line: "
          "'<name> [vcpus=<n>] [weight=<1-65535>] [cap=<%>] [workload=cpu|io|latency|trace] [burst=<ms>] "
          "[wait=<ms>] [pins=<p,p>] [period=<ms>] [budget=<ms>] [trace=run 5, block 20]'")


def _split_trace(words: list[str]) -> tuple[list[str], str | None]:
    """Words before ``trace=`` and the trace text (the rest of the line), or None without one."""
    for i, word in enumerate(words):
        if word.startswith("trace="):
            return words[:i], " ".join([word.removeprefix("trace="), *words[i + 1:]])
    return words, None


def _host(words: list[str], where: str) -> dict[str, object]:
    given = key_values(words, HOST_KEYS, where, SchedulerConfigError)
    if "pcpus" not in given:
        raise SchedulerConfigError(f"{where}: the host needs pcpus=, e.g. 'host pcpus=2'")
    out: dict[str, object] = {"pcpus": whole("pcpus", given["pcpus"], where, SchedulerConfigError)}
    for key, field in (("duration", "duration_ms"), ("seed", "seed"), ("timeslice", "timeslice_ms")):
        if key in given:
            out[field] = whole(key, given[key], where, SchedulerConfigError)
    if "ratelimit" in given:
        out["ratelimit_ms"] = number("ratelimit", given["ratelimit"], where, SchedulerConfigError)
    if "boost" in given:
        out["boost"] = switch("boost", given["boost"], where, SchedulerConfigError)
    return out


def _dom0(words: list[str], where: str) -> SharedIO:
    given = key_values(words, DOM0_KEYS, where, SchedulerConfigError)
    default = SharedIO()
    return SharedIO(
        switch("io", given.get("io", "on"), where, SchedulerConfigError),
        number("cost", given["cost"], where, SchedulerConfigError) if "cost" in given else default.cost_ms,
        switch("bursty", given["bursty"], where, SchedulerConfigError) if "bursty" in given else default.bursty,
        whole("pcpu", given["pcpu"], where, SchedulerConfigError) if "pcpu" in given else default.pcpu)


def _vm(name: str, words: list[str], where: str) -> VM:
    words, trace = _split_trace(words)
    given = key_values(words, VM_KEYS, where, SchedulerConfigError)
    kind = given.get("workload", "trace" if trace is not None else "cpu")
    if kind not in WORKLOADS:
        raise SchedulerConfigError(f"{where}: unknown workload '{kind}' (use {', '.join(WORKLOADS)})")
    if (kind == "trace") != (trace is not None):
        raise SchedulerConfigError(f"{where}: workload=trace goes with trace=run <ms>, block <ms>, … at the end of the line")
    defaults = Workload()
    workload = Workload(kind,
                        number("burst", given["burst"], where, SchedulerConfigError) if "burst" in given else defaults.burst_ms,
                        number("wait", given["wait"], where, SchedulerConfigError) if "wait" in given else defaults.wait_ms,
                        trace or "")
    vm = VM(name, workload=workload)
    ints = {key: whole(key, given[key], where, SchedulerConfigError) for key in ("vcpus", "weight", "cap") if key in given}
    floats = {f"{key}_ms": number(key, given[key], where, SchedulerConfigError) for key in ("period", "budget") if key in given}
    pins = wholes("pins", given["pins"], where, SchedulerConfigError) if "pins" in given else ()
    return VM(vm.name, ints.get("vcpus", vm.vcpus), ints.get("weight", vm.weight), ints.get("cap", vm.cap), workload, pins,
              floats.get("period_ms", vm.period_ms), floats.get("budget_ms", vm.budget_ms))


def parse_scenario(text: str) -> Scenario:
    """Read the editor text into a :class:`Scenario`; '#' starts a comment. Errors name the line."""
    host: dict[str, object] | None = None
    shared_io = SharedIO()
    vms: list[VM] = []
    for number_, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"line {number_} ('{raw.strip()}')"
        head, rest = words[0], words[1:]
        if host is None:
            if head != "host":
                raise SchedulerConfigError(f"{where}: the first line must describe the host, e.g. 'host pcpus=2'")
            host = _host(rest, where)
        elif head == "host":
            raise SchedulerConfigError(f"{where}: the host is described once, on the first line")
        elif head == "dom0":
            shared_io = _dom0(rest, where)
        elif not _NAME.fullmatch(head):
            raise SchedulerConfigError(f"{where}: '{head}' is not a VM name (a letter, then up to 15 letters, digits, - or _)")
        else:
            vms.append(_vm(head, rest, where))
    if host is None:
        raise SchedulerConfigError(f"the scenario is empty: write {FORMAT}")
    if not vms:
        raise SchedulerConfigError("the scenario has no VM: add a line like 'vm1 vcpus=2 weight=256'")
    return Scenario(vms=tuple(vms), shared_io=shared_io, **host)  # type: ignore[arg-type]


def _ms(value: float) -> str:
    return f"{value:g}"


def format_scenario(scenario: Scenario) -> str:
    """The editor text of a scenario; ``parse_scenario(format_scenario(s)) == s``. Defaults are left out."""
    s, base, vm0 = scenario, Scenario(1, ()), VM("x")
    host = [f"pcpus={s.pcpus}", f"duration={s.duration_ms}", f"seed={s.seed}"]
    host += [f"timeslice={s.timeslice_ms}"] if s.timeslice_ms != base.timeslice_ms else []
    host += [f"ratelimit={_ms(s.ratelimit_ms)}"] if s.ratelimit_ms != base.ratelimit_ms else []
    host += [f"boost={'on' if s.boost else 'off'}"] if s.boost != base.boost else []
    lines = ["host " + " ".join(host)]
    if s.shared_io != SharedIO():
        io = s.shared_io
        lines.append(f"dom0 io={'on' if io.enabled else 'off'} cost={_ms(io.cost_ms)} "
                     f"bursty={'on' if io.bursty else 'off'} pcpu={io.pcpu}")
    for vm in s.vms:
        words = [vm.name]
        words += [f"vcpus={vm.vcpus}"] if vm.vcpus != vm0.vcpus else []
        words += [f"weight={vm.weight}"] if vm.weight != vm0.weight else []
        words += [f"cap={vm.cap}"] if vm.cap != vm0.cap else []
        words += [f"pins={','.join(map(str, vm.pins))}"] if vm.pins else []
        words += [f"period={_ms(vm.period_ms)}"] if vm.period_ms != vm0.period_ms else []
        words += [f"budget={_ms(vm.budget_ms)}"] if vm.budget_ms != vm0.budget_ms else []
        w = vm.workload
        words += [f"workload={w.kind}"] if w.kind not in ("cpu", "trace") else []
        words += [f"burst={_ms(w.burst_ms)} wait={_ms(w.wait_ms)}"] if w.kind in ("io", "latency") else []
        words += [f"trace={w.trace}"] if w.kind == "trace" else []
        lines.append(" ".join(words))
    return "\n".join(lines)
