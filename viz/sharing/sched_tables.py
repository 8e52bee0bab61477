"""Table rows for the scheduling pages: the vCPUs of one frame, the metrics of a run, schedulers compared.

Plain functions of engine objects, so what the tables say is tested without a server.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from engine.sharing.sched import SchedState
from engine.sharing.sched_metrics import Metrics
from engine.sharing.sched_presets import SharedIOEffect

STATE_MARKS = {"running": "▶ running", "runnable": "⏳ runnable", "blocked": "⏸ blocked", "parked": "⛔ parked"}


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def frame_table(state: SchedState) -> list[dict[str, str]]:
    """One row per vCPU: its state and pCPU, and what the scheduler decides by (credit and priority, or budget)."""
    rows = []
    for v in state.vcpus:
        row = {"vCPU": v.name, "state": STATE_MARKS.get(v.state, v.state),
               "pCPU": "—" if v.pcpu is None else str(v.pcpu), "CPU used (ms)": f"{v.cpu_ms:.1f}"}
        if state.scheduler == "credit":
            row.update({"credit": f"{v.credit:.0f}", "priority": v.priority})
        elif state.scheduler == "credit2":
            row["credit (ms)"] = f"{v.credit:.2f}"
        elif state.scheduler == "rtds":
            row.update({"budget left (ms)": _ms(v.budget and round(v.budget, 2)), "deadline (ms)": _ms(v.deadline)})
        rows.append(row)
    return rows


def metric_rows(metrics: Metrics) -> list[dict[str, str]]:
    """Per VM: share against entitlement, wake-up latency and response time (mean / 95th percentile / max)."""
    return [{"VM": m.vm, "workload": m.workload, "weight": str(m.weight), "cap": f"{m.cap} %" if m.cap else "none",
             "share (pCPUs)": f"{m.share:.2f}", "entitled (pCPUs)": f"{m.entitlement:.2f}",
             "share ÷ entitled": f"{m.ratio:.0%}" if m.entitlement else "—",
             "wake-up latency (ms) mean / p95 / max": f"{m.latency.mean:.1f} / {m.latency.p95:.1f} / {m.latency.max:.1f}"
             if m.latency.count else "—",
             "response (ms) mean / p95": f"{m.response.mean:.1f} / {m.response.p95:.1f}" if m.response.count else "—",
             "deadline misses": str(m.deadline_misses)} for m in metrics.vms]


MEASURES = {"latency": "wake-up latency", "response": "response time"}


def compare_rows(results: Mapping[str, Metrics], measure: str = "latency") -> list[dict[str, str]]:
    """One row per scheduler on the same scenario: fairness, utilisation, idle time, switches, and the VM with the
    worst 95th-percentile ``measure`` ("latency" or "response")."""
    rows = []
    for label, m in results.items():
        spreads = [(getattr(vm, measure), vm.vm) for vm in m.vms if getattr(vm, measure).count]
        worst = max(spreads, key=lambda pair: pair[0].p95, default=None)
        rows.append({"scheduler": label, "Jain's index": f"{m.jain:.3f}", "guest utilisation": f"{m.utilisation:.0%}",
                     "idle": f"{m.idle:.0%}", "context switches": str(m.context_switches),
                     f"worst p95 {MEASURES[measure]} (ms)": f"{worst[0].p95:.1f} ({worst[1]})" if worst else "—",
                     "deadline misses": str(m.deadline_misses)})
    return rows


def effect_rows(effects: Sequence[SharedIOEffect]) -> list[dict[str, str]]:
    """Per guest: response time without → with Domain 0's I/O work: mean, extra delay, spread, p95 and worst."""
    return [{"guest": e.vm, "mean response, off → on (ms)": f"{e.off.mean:.2f} → {e.on.mean:.2f}",
             "extra delay (ms)": f"{e.extra_delay:+.2f}",
             "spread (std. dev.), off → on (ms)": f"{e.off.stdev:.2f} → {e.on.stdev:.2f}",
             "p95, off → on (ms)": f"{e.off.p95:.1f} → {e.on.p95:.1f}",
             "worst, off → on (ms)": f"{e.off.max:.1f} → {e.on.max:.1f}"} for e in effects]
