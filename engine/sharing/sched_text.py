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

Xen's own spellings are read too (issue 14; sources.toml: xl-sched-units):

* xl.cfg names on a VM line: ``cpu_weight=`` (= ``weight=``), ``cap=``, ``vcpus=``, ``cpus="0-1"`` / ``"0,2-3"`` /
  ``"all"`` / ``["2", "3"]``, ``name="web"`` as the first word, ``key = value`` with spaces and quotes;
* xl commands, one a line, with or without ``xl``: ``xl sched-credit -d web -w 512 -c 50``,
  ``xl sched-credit2 -d web -w 512``, ``xl sched-rtds -d rt1 -v all -p 10000 -b 4000``,
  ``xl sched-credit -s -t 30 -r 1000`` (long options like ``--weight=512`` too). A command names a VM
  declared on its own line, or adds one with Xen's defaults.

Units. A bare time in this editor's own ``key=value`` syntax is in milliseconds; a bare time in an xl command is in
xl's unit: ``sched-rtds -p/-b`` and ``-r`` (rate limit) in µs, ``sched-credit -t`` (timeslice) in ms, as in xl(1).
Any time may carry its unit: ``us`` (or ``µs``), ``ms`` or ``s``. A bare value whose size suggests the other unit
(``period=10000``, i.e. 10 s, where xl's µs would give 10 ms) parses, with a warning from :func:`read_scenario`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from engine.sharing.sched_model import VM, Scenario, SchedulerConfigError, SharedIO, Workload, WORKLOADS
from engine.core.settings_text import key_values, switch, whole, wholes

HOST_KEYS = ("pcpus", "duration", "seed", "timeslice", "ratelimit", "boost")
DOM0_KEYS = ("io", "cost", "bursty", "pcpu")
VM_KEYS = ("vcpus", "weight", "cap", "workload", "burst", "wait", "pins", "period", "budget", "trace", "cpu_weight",
           "cpus")
XL_COMMANDS = ("sched-credit", "sched-credit2", "sched-rtds")
_UNITS = {"us": 0.001, "µs": 0.001, "μs": 0.001, "ms": 1.0, "s": 1000.0}
_TIME = re.compile(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(us|µs|μs|ms|s)?")
_SPACED_EQUALS = re.compile(r"\s*=\s*")
_CPU_RANGE = re.compile(r"(\d+)(?:-(\d+))?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
FORMAT = ("'host pcpus=<n> [duration=<ms>] [seed=<n>] [timeslice=<ms>] [ratelimit=<ms>] [boost=on|off]' first, "
          "optionally 'dom0 io=on|off [cost=<ms>] [bursty=on|off] [pcpu=<n>]', then one VM a line: "
          "'<name> [vcpus=<n>] [weight=<1-65535>] [cap=<%>] [workload=cpu|io|latency|trace] [burst=<ms>] "
          "[wait=<ms>] [pins=<p,p>] [period=<ms>] [budget=<ms>] [trace=run 5, block 20]'")


def _time(key: str, value: str, where: str, bare_unit: str = "ms") -> tuple[float, bool]:
    """``value`` as milliseconds, and whether it had a unit; a bare number is in ``bare_unit``."""
    match = _TIME.fullmatch(value.strip())
    if not match:
        raise SchedulerConfigError(f"{where}: {key}={value} must be a time, a number with an optional unit us, ms or s "
                                   f"(e.g. {key}=10ms or {key}=10000us; without a unit it is {bare_unit})")
    amount = float(match.group(1))
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise SchedulerConfigError(f"{where}: {key}={value} must be a finite number")
    unit = match.group(2)
    return amount * _UNITS[unit or bare_unit], unit is not None


def _whole_ms(key: str, value: str, where: str) -> int:
    ms, _ = _time(key, value, where)
    if ms != int(ms) or ms > 10**9:
        raise SchedulerConfigError(f"{where}: {key}={value} must be a whole number of milliseconds")
    return int(ms)


def _cpus(value: str, where: str) -> tuple[int, ...] | None:
    """xl.cfg's ``cpus=``: "all" (None: no pinning), "0-1", "0,2-3" or ["2", "3"], as a list of pCPUs."""
    text = value.strip().strip("[]").replace('"', "").replace("'", "")
    if text == "all":
        return None
    out: list[int] = []
    for part in text.split(","):
        match = _CPU_RANGE.fullmatch(part.strip())
        if not match:
            raise SchedulerConfigError(f"{where}: cpus={value} must be 'all' or a list of pCPUs like \"0-1\" or "
                                       "\"0,2-3\" (as in xl.cfg)")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        if high < low or high - low > 1024:
            raise SchedulerConfigError(f"{where}: cpus={value}: the range {part.strip()} must go from low to high")
        out += range(low, high + 1)
    return tuple(out)


def _normalise(raw: str) -> list[str]:
    """The words of a line, with xl.cfg's ``key = "value"`` spacing and quotes removed; ``trace=`` keeps its text."""
    text = _SPACED_EQUALS.sub("=", raw.split("#", 1)[0])
    trace = re.search(r"(?:^|\s)trace=", text)
    rest = ""
    if trace:
        text, rest = text[:trace.start()], text[trace.start():]
    words = []
    for word in re.sub(r",\s+", ",", text).split():  # ["2", "3"] stays one word
        key, eq, value = word.partition("=")
        words.append(key + eq + value.strip("\"'") if eq else word)
    return words + rest.split()


def _split_trace(words: list[str]) -> tuple[list[str], str | None]:
    """Words before ``trace=`` and the trace text (the rest of the line), or None without one."""
    for i, word in enumerate(words):
        if word.startswith("trace="):
            return words[:i], " ".join([word.removeprefix("trace="), *words[i + 1:]])
    return words, None


def _host(words: list[str], where: str, warnings: list[str]) -> dict[str, object]:
    given = key_values(words, HOST_KEYS, where, SchedulerConfigError)
    if "pcpus" not in given:
        raise SchedulerConfigError(f"{where}: the host needs pcpus=, e.g. 'host pcpus=2'")
    out: dict[str, object] = {"pcpus": whole("pcpus", given["pcpus"], where, SchedulerConfigError)}
    if "seed" in given:
        out["seed"] = whole("seed", given["seed"], where, SchedulerConfigError)
    for key, field in (("duration", "duration_ms"), ("timeslice", "timeslice_ms")):
        if key in given:
            out[field] = _whole_ms(key, given[key], where)
    if "ratelimit" in given:
        out["ratelimit_ms"], unit = _time("ratelimit", given["ratelimit"], where)
        if not unit and out["ratelimit_ms"] >= 100:  # type: ignore[operator]
            warnings.append(f"{where}: ratelimit={given['ratelimit']} has no unit, so it is read as ms; xl's -r "
                            f"(ratelimit_us) is in µs: for {given['ratelimit']} µs write ratelimit={given['ratelimit']}us")
    if "boost" in given:
        out["boost"] = switch("boost", given["boost"], where, SchedulerConfigError)
    return out


def _dom0(words: list[str], where: str) -> SharedIO:
    given = key_values(words, DOM0_KEYS, where, SchedulerConfigError)
    default = SharedIO()
    return SharedIO(
        switch("io", given.get("io", "on"), where, SchedulerConfigError),
        _time("cost", given["cost"], where)[0] if "cost" in given else default.cost_ms,
        switch("bursty", given["bursty"], where, SchedulerConfigError) if "bursty" in given else default.bursty,
        whole("pcpu", given["pcpu"], where, SchedulerConfigError) if "pcpu" in given else default.pcpu)


def _vm(name: str, words: list[str], where: str, warnings: list[str]) -> VM:
    words, trace = _split_trace(words)
    given = key_values(words, VM_KEYS, where, SchedulerConfigError)
    if "cpu_weight" in given:  # xl.cfg's name for the Credit weight
        if "weight" in given:
            raise SchedulerConfigError(f"{where}: weight= and cpu_weight= are the same setting; give one")
        given["weight"] = given.pop("cpu_weight")
    if "cpus" in given:
        if "pins" in given:
            raise SchedulerConfigError(f"{where}: cpus= and pins= both pin vCPUs; give one")
        cpus = _cpus(given.pop("cpus"), where)
        if cpus is not None:
            count = whole("vcpus", given["vcpus"], where, SchedulerConfigError) if "vcpus" in given else 1
            given["pins"] = ",".join(str(cpus[i % len(cpus)]) for i in range(max(1, min(count, 1024))))
            if len(cpus) > 1:
                warnings.append(f"{where}: cpus= is read as one pCPU per vCPU, round robin over the list "
                                f"(pins={given['pins']}); Xen lets every vCPU run on any pCPU of the set, this "
                                "simulator pins each vCPU to one")
    kind = given.get("workload", "trace" if trace is not None else "cpu")
    if kind not in WORKLOADS:
        raise SchedulerConfigError(f"{where}: unknown workload '{kind}' (use {', '.join(WORKLOADS)})")
    if (kind == "trace") != (trace is not None):
        raise SchedulerConfigError(f"{where}: workload=trace goes with trace=run <ms>, block <ms>, … at the end of the line")
    defaults = Workload()
    workload = Workload(kind,
                        _time("burst", given["burst"], where)[0] if "burst" in given else defaults.burst_ms,
                        _time("wait", given["wait"], where)[0] if "wait" in given else defaults.wait_ms,
                        trace or "")
    vm = VM(name, workload=workload)
    ints = {key: whole(key, given[key], where, SchedulerConfigError) for key in ("vcpus", "weight", "cap") if key in given}
    floats: dict[str, float] = {}
    for key in ("period", "budget"):
        if key in given:
            floats[f"{key}_ms"], unit = _time(key, given[key], where)
            if not unit and floats[f"{key}_ms"] >= 1000:
                warnings.append(
                    f"{where}: {key}={given[key]} has no unit, so it is read as ms ({floats[f'{key}_ms'] / 1000:g} s); "
                    f"xl sched-rtds gives periods and budgets in µs. Did you mean µs? Then write {key}={given[key]}us "
                    f"({floats[f'{key}_ms'] / 1000:g} ms)")
    pins = wholes("pins", given["pins"], where, SchedulerConfigError) if "pins" in given else ()
    return VM(vm.name, ints.get("vcpus", vm.vcpus), ints.get("weight", vm.weight), ints.get("cap", vm.cap), workload, pins,
              floats.get("period_ms", vm.period_ms), floats.get("budget_ms", vm.budget_ms))


# xl's options per command (xl(1); xl's own help text): what each sets. Flags take no value.
_XL_OPTIONS: dict[str, dict[str, str]] = {
    "sched-credit": {"-d": "domain", "--domain": "domain", "-w": "weight", "--weight": "weight", "-c": "cap",
                     "--cap": "cap", "-s": "schedparam", "--schedparam": "schedparam", "-t": "tslice",
                     "--tslice_ms": "tslice", "-r": "ratelimit", "--ratelimit_us": "ratelimit", "-p": "cpupool",
                     "--cpupool": "cpupool"},
    "sched-credit2": {"-d": "domain", "--domain": "domain", "-w": "weight", "--weight": "weight", "-c": "cap",
                      "--cap": "cap", "-s": "schedparam", "--schedparam": "schedparam", "-r": "ratelimit",
                      "--ratelimit_us": "ratelimit", "-p": "cpupool", "--cpupool": "cpupool"},
    "sched-rtds": {"-d": "domain", "--domain": "domain", "-v": "vcpuid", "--vcpuid": "vcpuid", "-p": "period",
                   "--period": "period", "-b": "budget", "--budget": "budget", "-c": "cpupool", "--cpupool": "cpupool"},
}
_XL_FLAGS = ("schedparam",)


def _xl_options(command: str, words: list[str], where: str) -> dict[str, str]:
    """``-d web -w 512 --cap=50`` -> {'domain': 'web', 'weight': '512', 'cap': '50'} for one xl command."""
    known, given = _XL_OPTIONS[command], {}
    i = 0
    while i < len(words):
        word = words[i]
        option, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if option not in known:
            raise SchedulerConfigError(f"{where}: xl {command} has no option '{option}' here (use "
                                       f"{', '.join(o for o in known if not o.startswith('--'))})")
        name = known[option]
        if name in _XL_FLAGS:
            value = "on"
        elif not eq:
            i += 1
            if i >= len(words) or words[i].startswith("-"):
                raise SchedulerConfigError(f"{where}: xl {command} {option} needs a value, e.g. {option} 512")
            value = words[i]
        if name in given:
            raise SchedulerConfigError(f"{where}: {option} is given twice")
        given[name] = value
        i += 1
    return given


def _xl_domain(given: dict[str, str], command: str, where: str) -> str:
    domain = given["domain"]
    if not _NAME.fullmatch(domain):
        raise SchedulerConfigError(f"{where}: -d {domain}: name the VM (a letter, then up to 15 letters, digits, - or "
                                   "_); the simulator has no domain ids")
    return domain


def _apply_xl(command: str, given: dict[str, str], where: str, host: dict[str, object], vms: dict[str, VM],
              warnings: list[str]) -> None:
    """Apply one xl command to the host (``-s``) or to a VM (``-d``), adding the VM with Xen's defaults if needed."""
    if "cpupool" in given:
        warnings.append(f"{where}: cpupools are not modelled (the whole host is one pool), so the cpupool is ignored")
    if "schedparam" in given:
        if "domain" in given:
            raise SchedulerConfigError(f"{where}: -s sets the scheduler's own parameters; set a VM's in another line")
        if "tslice" in given:
            host["timeslice_ms"] = _whole_ms("-t", given["tslice"], where)
        if "ratelimit" in given:
            host["ratelimit_ms"] = _time("-r", given["ratelimit"], where, bare_unit="us")[0]
        return
    if "domain" not in given:
        raise SchedulerConfigError(f"{where}: without -d this xl command only lists settings; write "
                                   f"'xl {command} -d <VM> ...' to set a VM's (or -s for the scheduler's)")
    name = _xl_domain(given, command, where)
    vm = vms.get(name) or VM(name)
    changes: dict[str, object] = {}
    for key in ("weight", "cap"):
        if key in given:
            changes[key] = whole(f"-{key[0]}", given[key], where, SchedulerConfigError)
    if command == "sched-rtds":
        vcpu = given.get("vcpuid", "all")
        if vcpu != "all" and not (vcpu == "0" and vm.vcpus == 1):
            raise SchedulerConfigError(f"{where}: -v {vcpu}: the simulator gives every vCPU of a VM the same period "
                                       "and budget; write -v all")
        for key, flag in (("period", "-p"), ("budget", "-b")):
            if key in given:
                ms, unit = _time(flag, given[key], where, bare_unit="us")
                changes[f"{key}_ms"] = ms
                if not unit and ms < 0.1:
                    warnings.append(f"{where}: {flag} {given[key]} is {given[key]} µs, as xl reads it (xl sched-rtds "
                                    f"takes µs). Did you mean ms? Then write {flag} {given[key]}000 (or {flag} "
                                    f"{given[key]}ms)")
    vms[name] = replace(vm, **changes)


def read_scenario(text: str) -> tuple[Scenario, tuple[str, ...]]:
    """Read the editor text into a :class:`Scenario`, with warnings about implausible units ('#' starts a comment).

    Errors name the line; warnings (a bare period of 10000 read as ms, say) do not stop the scenario."""
    host: dict[str, object] | None = None
    shared_io = SharedIO()
    vms: dict[str, VM] = {}
    commands: list[tuple[str, dict[str, str], str]] = []
    warnings: list[str] = []
    for number_, raw in enumerate(text.splitlines(), start=1):
        words = _normalise(raw)
        if not words:
            continue
        where = f"line {number_} ('{raw.strip()}')"
        if words[0] == "xl":
            words = words[1:]
            if not words or words[0] not in XL_COMMANDS:
                raise SchedulerConfigError(f"{where}: of xl's commands this editor reads {', '.join(XL_COMMANDS)}")
        head, rest = words[0], words[1:]
        if head.startswith("name="):  # xl.cfg: name="web" vcpus=2 ...
            head = head.removeprefix("name=")
        if host is None:
            if head != "host":
                raise SchedulerConfigError(f"{where}: the first line must describe the host, e.g. 'host pcpus=2'")
            host = _host(rest, where, warnings)
        elif head == "host":
            raise SchedulerConfigError(f"{where}: the host is described once, on the first line")
        elif head == "dom0":
            shared_io = _dom0(rest, where)
        elif head in XL_COMMANDS:
            commands.append((head, _xl_options(head, rest, where), where))
        elif not _NAME.fullmatch(head):
            raise SchedulerConfigError(f"{where}: '{head}' is not a VM name (a letter, then up to 15 letters, digits, - or _)")
        elif head in vms:
            raise SchedulerConfigError(f"{where}: a VM named '{head}' is already described; VM names are unique")
        else:
            vms[head] = _vm(head, rest, where, warnings)
    if host is None:
        raise SchedulerConfigError(f"the scenario is empty: write {FORMAT}")
    for command, given, where in commands:  # xl commands act on the VMs above or below them
        _apply_xl(command, given, where, host, vms, warnings)
    if not vms:
        raise SchedulerConfigError("the scenario has no VM: add a line like 'vm1 vcpus=2 weight=256'")
    return Scenario(vms=tuple(vms.values()), shared_io=shared_io, **host), tuple(warnings)  # type: ignore[arg-type]


def parse_scenario(text: str) -> Scenario:
    """Read the editor text into a :class:`Scenario` (see :func:`read_scenario`, which also gives warnings)."""
    return read_scenario(text)[0]


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
