"""The metrics and comparison blocks shared by the VM CPU scheduling and Shared I/O pages."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Sequence

import streamlit as st

from engine.sharing import sched, sched_worker
from engine.sharing.sched_metrics import Metrics
from engine.sharing.sched_presets import shared_io_effect
from engine.sharing.sched_model import WORKLOAD_LABELS, Scenario, SchedulerConfigError, validate
from engine.sharing.sched_text import format_scenario, parse_scenario, read_scenario
from ui import editor
from ui.escape import literal
from ui import theme as page_theme
from viz.sharing import sched_charts as charts
from viz.palette import vm_colours
from viz.vega import spec
from viz.sharing.sched_tables import compare_rows, effect_rows, metric_rows
from viz.sharing.shared_io_view import guest_rows, guest_view

JAIN = ("Jain's fairness index (Σx)² / (n·Σx²) over x = share ÷ entitlement per VM: 1.0 when every VM gets what its "
        "weight, cap and demand entitle it to, 1/n when one VM gets everything.")


def scenario_editor(name: str, base: Scenario, scheduler: str) -> Scenario:
    """An expander with the scenario as editable text; a mistake shows a message and keeps the last good scenario.

    The check runs the simulation too (cached, so the page's own call reuses it): a scenario within the editor's
    limits whose run still exceeds the engine's budget (sched.SimulationBudgetError) is refused like a typo."""

    def checked(text: str) -> Scenario:
        scenario = parse_scenario(text)
        validate(scenario, scheduler)
        played(scenario, scheduler)
        return scenario

    with st.expander("Edit the scenario (host, weights, caps, workloads, RTDS budgets, Domain 0)", expanded=False):
        text = st.text_area("Scenario", format_scenario(base), key=f"scenario_{name}", height=190)
        st.caption("First line `host pcpus=<n> [duration=<ms>] [seed=<n>] [timeslice=<ms>] [ratelimit=<ms>] "
                   "[boost=on|off]`; optionally `dom0 io=on|off [cost=<ms per I/O>] [bursty=on|off] [pcpu=<n>]`; then "
                   "one VM a line: `<name> [vcpus=<n>] [weight=<1–65535>] [cap=<% of a pCPU>] "
                   "[workload=cpu|io|latency|trace] [burst=<ms>] [wait=<ms>] [pins=<pCPU,…>] [period=<ms>] "
                   "[budget=<ms>] [trace=run 5, block 20]`. Workloads: "
                   + "; ".join(f"`{k}` {v}" for k, v in WORKLOAD_LABELS.items())
                   + " (for `latency`, `wait` is the wake-up period). `#` starts a comment.")
        st.caption("Xen's spellings work too: xl.cfg's `cpu_weight=`, `cap=`, `vcpus=`, `cpus=\"0-1\"` (read as one "
                   "pCPU per vCPU, round robin) and lines like `xl sched-credit -d web -w 512 -c 50`, "
                   "`xl sched-credit2 -d web -w 512`, `xl sched-rtds -d rt1 -v all -p 10000 -b 4000`, "
                   "`xl sched-credit -s -t 30 -r 1000`. **Units:** a bare time in `key=value` is in ms; in xl lines it "
                   "is xl's unit (RTDS `-p`/`-b` and `-r` in µs, `-t` in ms); any time may say `us`, `ms` or `s` "
                   "(`period=10000us`). Limits per run: at most 64 pCPUs, 128 vCPUs, pCPUs × seconds 240, "
                   "vCPUs × seconds 960, bursts and waits of at least 0.1 ms.")
    scenario = editor.parsed(text, checked, f"scenario_good_{name}_{scheduler}", format_scenario(base), "scenario")
    try:
        warnings = read_scenario(text)[1]
    except ValueError:  # the text did not parse: parsed() showed why, and there is nothing to warn about
        warnings = ()
    for warning in warnings:
        st.warning(literal(warning, limit=400), icon="⚠️")
    return scenario


# Streamlit hashes a dataclass argument field by field (milliseconds per call); a Scenario's repr names every field.
_BY_VALUE = {Scenario: repr}


# The runs shared by every session, bounded in bytes, not only in entries (issue 15): a run's size is estimated from
# its segments, bursts and frames; the least recently used runs go once the total passes CACHE_BYTES, and a run
# larger than half of it is returned but not kept. The engine's budget (sched.MAX_SEGMENTS) keeps every run under
# that half (the largest accepted, bench/bench_sched_worst.py, is about 120 MiB), so all are kept, at least two.
CACHE_BYTES = 384 * 2**20
_SEGMENT_BYTES, _BURST_BYTES, _VIEW_BYTES = 160, 150, 220  # a NamedTuple with two floats, in CPython 3.11, + its slot
_runs: OrderedDict[tuple[str, str], tuple[int, tuple]] = OrderedDict()
_runs_lock = threading.Lock()


def run_bytes(trace, result: sched.SchedResult) -> int:
    """About how many bytes a played run holds: its segments and bursts, and its frames (which share segments)."""
    if isinstance(trace.frames, sched_worker.PackedFrames):  # a worker's run: counted without building its frames
        frames = trace.frames.approx_bytes()
    else:
        frames = sum(len(f.state.segments) * 8 + len(f.state.vcpus) * _VIEW_BYTES for f in trace.frames)
    return len(result.segments) * _SEGMENT_BYTES + len(result.bursts) * _BURST_BYTES + frames


def played(scenario: Scenario, scheduler: str):
    """The animation (first window of the run) and the whole run's result, from the shared byte-bounded cache.

    A large run is computed in a worker process (engine.sharing.sched_worker) and comes back compact: no segments,
    its metrics precomputed, at most CHART_BURSTS bursts per VM."""
    key = (repr(scenario), scheduler)
    with _runs_lock:
        if key in _runs:
            _runs.move_to_end(key)
            return _runs[key][1]
    value = sched_worker.play(scenario, scheduler)  # outside the lock: other sessions' hits do not wait for it
    size = run_bytes(*value)
    if size <= CACHE_BYTES // 2:
        with _runs_lock:
            _runs[key] = (size, value)
            while sum(entry[0] for entry in _runs.values()) > CACHE_BYTES:
                _runs.popitem(last=False)
    return value


def cached_bytes() -> int:
    """The estimated bytes of the runs held now (for the bench and tests)."""
    with _runs_lock:
        return sum(entry[0] for entry in _runs.values())


# Charts of wake-ups draw one point per burst, sent to the browser as data: a run at the event limit has hundreds of
# thousands. A chart gets at most CHART_BURSTS per VM and run (sched.thin_bursts: every k-th in time order, plus each
# measure's fastest and slowest, so the box plot's whiskers stay right); the tables' figures use every burst.
CHART_BURSTS = sched_worker.CHART_BURSTS


def for_chart(result: sched.SchedResult) -> sched.SchedResult:
    """``result`` with its bursts thinned to at most about CHART_BURSTS per VM, for drawing."""
    bursts = sched.thin_bursts(result.bursts, CHART_BURSTS)
    return result if bursts is result.bursts else replace(result, bursts=bursts)


def result_of(scenario: Scenario, scheduler: str) -> sched.SchedResult:
    """The whole run, shared with the animation of the same scenario: one simulation per scenario and scheduler."""
    return played(scenario, scheduler)[1]


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=_BY_VALUE)
def metrics_of(scenario: Scenario, scheduler: str, _result: sched.SchedResult) -> Metrics:
    """The metrics of ``_result``, the run of ``scenario`` under ``scheduler`` (the cache key). They walk every
    segment of the run: once per run, not once per rerun."""
    return _result.metrics()


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=_BY_VALUE)
def shared_io_effect_of(scenario: Scenario, scheduler: str):
    """The run without and with Domain 0's I/O processing, and the effect on the other guests."""
    return shared_io_effect(scenario, scheduler)


def metrics_section(scenario: Scenario, scheduler: str) -> None:
    """Fairness, utilisation and latency of a whole run: figures, the share chart, the per-VM table."""
    _metrics_section(scenario, scheduler, page_theme.chart_look())


# Sections cached with their elements (a rerun replays them instead of converting chart data again) take the chart
# look (size and scheme, ui/theme.py) as an argument: it is part of their key, so presenter mode gets its larger text.
@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=_BY_VALUE)
def _metrics_section(scenario: Scenario, scheduler: str, look: tuple[str, str]) -> None:
    result = result_of(scenario, scheduler)
    m = metrics_of(scenario, scheduler, result)
    colours = vm_colours([vm.name for vm in scenario.vms])
    st.header(f"Over the whole run ({result.duration / 1000:g} s of simulated time)")
    cells = st.columns(5)
    cells[0].metric("Jain's fairness index", f"{m.jain:.3f}", help=JAIN)
    cells[1].metric("Guest utilisation", f"{m.utilisation:.0%}", help="Guest CPU time ÷ (pCPUs × run time)")
    cells[2].metric("Domain 0 I/O", f"{m.io_utilisation:.0%}", help="CPU time spent processing guests' I/O")
    cells[3].metric("Idle", f"{m.idle:.0%}")
    cells[4].metric("Context switches", m.context_switches)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**CPU share per VM** against its entitlement (weight × vCPUs, limited by cap and demand)")
        st.vega_lite_chart(spec(charts.shares, charts.share_rows(m, colours)), width="stretch")
    with right:
        rows = charts.distribution_rows({sched.SCHEDULER_LABELS[scheduler]: for_chart(result)}, "latency")
        st.markdown("**Wake-up latency per VM** (wake-up → first run)")
        if rows:
            st.vega_lite_chart(spec(charts.distribution, rows), width="stretch")
        else:
            st.info("No vCPU in this scenario ever blocks, so there are no wake-ups to measure.")
    st.table(metric_rows(m))


def compare_schedulers(scenario: Scenario, key: str, measure: str = "latency", vms: Sequence[str] | None = None) -> None:
    """The same scenario under several schedulers, side by side: a table and the latency (or response) spread of
    ``vms`` (default: every VM that wakes up)."""
    st.header("The same scenario under other schedulers")
    chosen = st.multiselect("Schedulers to compare", list(sched.SCHEDULERS), default=list(sched.SCHEDULERS),
                            format_func=sched.SCHEDULER_LABELS.__getitem__, key=key)
    _comparison(scenario, tuple(chosen), measure, tuple(vms) if vms else None, page_theme.chart_look())


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=_BY_VALUE)
def _comparison(scenario: Scenario, chosen: tuple[str, ...], measure: str, vms: tuple[str, ...] | None,
                look: tuple[str, str]) -> None:
    """The table and chart of :func:`compare_schedulers`, cached with their elements (replayed on a rerun)."""
    results: dict[str, sched.SchedResult] = {}
    for scheduler in chosen:
        try:
            validate(scenario, scheduler)
            results[sched.SCHEDULER_LABELS[scheduler]] = result_of(scenario, scheduler)
        except SchedulerConfigError as exc:  # refused by its ranges, or over the engine's budget
            st.warning(f"{sched.SCHEDULER_LABELS[scheduler]} is left out: {literal(exc)}.")
            continue
    if not results:
        st.info("Pick at least one scheduler.")
        return
    st.table(compare_rows({label: metrics_of(scenario, r.scheduler, r) for label, r in results.items()}, measure))
    rows = charts.distribution_rows({label: for_chart(r) for label, r in results.items()}, measure, vms)
    if rows:
        st.markdown(f"**{'Wake-up latency' if measure == 'latency' else 'Response time'} per VM and scheduler**")
        st.vega_lite_chart(spec(charts.distribution, rows), width="stretch")
    st.caption(JAIN)


def _off_and_on(scenario: Scenario, scheduler: str) -> dict[str, sched.SchedResult]:
    _, off, on = shared_io_effect_of(scenario, scheduler)
    return {"I/O processing off": for_chart(off),
            f"I/O processing {'on, bursty' if scenario.shared_io.bursty else 'on'}": for_chart(on)}


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=_BY_VALUE)
def effect_table(scenario: Scenario, scheduler: str) -> None:
    """Extra delay and spread per guest without I/O of its own (drawn once, replayed on reruns)."""
    st.table(effect_rows(shared_io_effect_of(scenario, scheduler)[0]))


def response_chart(scenario: Scenario, scheduler: str) -> None:
    """Response times of those guests, without and with Domain 0's I/O work."""
    _response_chart(scenario, scheduler, page_theme.chart_look())


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=_BY_VALUE)
def _response_chart(scenario: Scenario, scheduler: str, look: tuple[str, str]) -> None:
    vms = [e.vm for e in shared_io_effect_of(scenario, scheduler)[0]]
    st.vega_lite_chart(spec(charts.distribution, charts.distribution_rows(_off_and_on(scenario, scheduler), "response",
                                                                         vms)), width="stretch")


def guest_chart(scenario: Scenario, scheduler: str, guest: str) -> None:
    """One guest's response times over time: all that the guest itself can see."""
    _guest_chart(scenario, scheduler, guest, page_theme.chart_look())


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=_BY_VALUE)
def _guest_chart(scenario: Scenario, scheduler: str, guest: str, look: tuple[str, str]) -> None:
    st.vega_lite_chart(spec(guest_view, guest_rows(_off_and_on(scenario, scheduler), guest)), width="stretch")


# A browser player's drawing costs about one Gantt row per segment per frame: the largest presets (400 frames × 800
# segments, 321,600) take 0.4-1 s to draw once on this machine's two shared cores and send about 0.5 MB. Its vCPU table
# differs in every frame, so each frame's rows are sent (about 130 bytes a row): presets send at most 1,600 (400 frames
# × 4 vCPUs). The bounds leave room for edited scenarios of that size and no more.
BROWSER_ROWS = 400_000
BROWSER_TABLE_ROWS = 4_000


def browser_sized(trace) -> bool:
    """Whether a scheduling trace is small enough for the browser's player (ui.player, ``client=True``).

    The browser's player builds every frame on the server before the first one shows, and sends them all: per frame
    the Gantt chart's rows (a segment that has ended is sent once, viz.vega.frames, but each frame's rows are built) and
    the vCPU table. Every preset is within the bounds (at most 400 frames × 800 segments and 4 vCPUs); a big edited
    host is not (64 pCPUs and 128 vCPUs: under RTDS 182 frames of up to 11,520 segments, two million rows to build;
    under Credit 42 frames of a 128-row table, 0.7 MB of tables; bench/bench_sched_worst.py measured another
    session's rerun at 250-280 ms while one drew it, 75 ms without), and plays on the server's player, which builds
    one frame a step."""
    last = trace[-1].state  # one frame built (sched_worker.PackedFrames builds frames when read)
    return (len(trace) * (len(last.segments) + len(last.vcpus)) <= BROWSER_ROWS
            and len(trace) * len(last.vcpus) <= BROWSER_TABLE_ROWS)
