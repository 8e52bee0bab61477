"""The metrics and comparison blocks shared by the VM CPU scheduling and Shared I/O pages."""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from engine import sched
from engine.sched_model import WORKLOAD_LABELS, Scenario, SchedulerConfigError, validate
from engine.sched_text import format_scenario, parse_scenario
from ui import editor
from viz import sched_charts as charts
from viz.vega import spec
from viz.sched_tables import compare_rows, metric_rows

JAIN = ("Jain's fairness index (Σx)² / (n·Σx²) over x = share ÷ entitlement per VM: 1.0 when every VM gets what its "
        "weight, cap and demand entitle it to, 1/n when one VM gets everything.")


def scenario_editor(name: str, base: Scenario, scheduler: str) -> Scenario:
    """An expander with the scenario as editable text; a mistake shows a message and keeps the last good scenario."""

    def checked(text: str) -> Scenario:
        scenario = parse_scenario(text)
        validate(scenario, scheduler)
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
    return editor.parsed(text, checked, f"scenario_good_{name}_{scheduler}", format_scenario(base), "scenario")


@st.cache_resource(show_spinner=False, max_entries=32)
def played(scenario: Scenario, scheduler: str):
    """The animation (first window of the run) and the whole run's result."""
    return sched.play(scenario, scheduler)


@st.cache_resource(show_spinner=False, max_entries=64)
def result_of(scenario: Scenario, scheduler: str) -> sched.SchedResult:
    return sched.run(scenario, scheduler)


def metrics_section(result: sched.SchedResult, colours: Mapping[str, str]) -> None:
    """Fairness, utilisation and latency of a whole run: figures, the share chart, the per-VM table."""
    m = result.metrics()
    st.subheader(f"Over the whole run ({result.duration / 1000:g} s of simulated time)")
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
        rows = charts.distribution_rows({sched.SCHEDULER_LABELS[result.scheduler]: result}, "latency")
        st.markdown("**Wake-up latency per VM** (wake-up → first run)")
        if rows:
            st.vega_lite_chart(spec(charts.distribution, rows), width="stretch")
        else:
            st.info("No vCPU in this scenario ever blocks, so there are no wake-ups to measure.")
    st.table(metric_rows(m))


def compare_schedulers(scenario: Scenario, key: str, measure: str = "latency") -> None:
    """The same scenario under several schedulers, side by side: a table and the latency (or response) spread."""
    st.subheader("The same scenario under other schedulers")
    chosen = st.multiselect("Schedulers to compare", list(sched.SCHEDULERS), default=list(sched.SCHEDULERS),
                            format_func=sched.SCHEDULER_LABELS.__getitem__, key=key)
    results = {}
    for scheduler in chosen:
        try:
            validate(scenario, scheduler)
        except SchedulerConfigError as exc:
            st.warning(f"{sched.SCHEDULER_LABELS[scheduler]} is left out: {exc}.")
            continue
        results[sched.SCHEDULER_LABELS[scheduler]] = result_of(scenario, scheduler)
    if not results:
        st.info("Pick at least one scheduler.")
        return
    st.table(compare_rows(results, measure))
    rows = charts.distribution_rows(results, measure)
    if rows:
        st.markdown(f"**{'Wake-up latency' if measure == 'latency' else 'Response time'} per VM and scheduler**")
        st.vega_lite_chart(spec(charts.distribution, rows), width="stretch")
    st.caption(JAIN)
