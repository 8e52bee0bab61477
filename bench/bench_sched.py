"""Speed of the VM CPU-scheduling simulator: 16 vCPUs on 4 pCPUs for 60 s of simulated time.

Run from anywhere: `python3 bench/bench_sched.py`. The scheduling pages recompute whole runs for
their metrics charts, so the budget is 2 s per scheduler for 60 simulated seconds at 1 ms (the
simulator is event-driven in µs, so it is at least that fine). Also times the animated path
(frames for the first 600 ms). Prints the times and a verdict, and exits 0 (it measures, it does
not gate).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.sched import SCHEDULERS, play, run  # noqa: E402
from engine.sched_model import VM, Scenario, SharedIO, Workload  # noqa: E402

BUDGET_S = 2.0
SIMULATED_MS = 60_000


def scenario() -> Scenario:
    """8 VMs × 2 vCPUs = 16 vCPUs on 4 pCPUs: CPU hogs, I/O-bound, latency-sensitive, one capped; shared I/O on."""
    kinds = [Workload("cpu"), Workload("io", 2, 8), Workload("latency", 1, 20), Workload("cpu")]
    vms = tuple(VM(f"vm{i}", 2, weight=256 * (1 + i % 2), cap=150 if i == 7 else 0, workload=kinds[i % 4])
                for i in range(8))
    return Scenario(4, vms, duration_ms=SIMULATED_MS, seed=1, shared_io=SharedIO(True, 0.5))


def cpu_bound() -> Scenario:
    """8 VMs × 2 CPU-bound vCPUs on 4 pCPUs, weights 256/512: only scheduling decisions, no I/O."""
    return Scenario(4, tuple(VM(f"vm{i}", 2, weight=256 * (1 + i % 2)) for i in range(8)), duration_ms=SIMULATED_MS)


def main() -> int:
    s = scenario()
    worst = 0.0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time suffers when others run; "
          "the verdict uses the process's CPU time)")
    print("CPU-bound only (16 vCPUs, 4 pCPUs, 60 s):")
    for scheduler in SCHEDULERS:
        cpu = time.process_time()
        result = run(cpu_bound(), scheduler)
        print(f"{scheduler:>8}: {time.process_time() - cpu:.2f} s CPU  segments {len(result.segments):,}  "
              f"Jain {result.metrics().jain:.3f}")
    print("Mixed (CPU-bound, I/O-bound, latency-sensitive, one capped VM, bursty Domain 0 I/O):")
    for scheduler in SCHEDULERS:
        start, cpu = time.perf_counter(), time.process_time()
        result = run(s, scheduler)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        worst = max(worst, used)
        m = result.metrics()
        print(f"{scheduler:>8}: {used:.2f} s CPU ({elapsed:.2f} s wall)  segments {len(result.segments):,}  "
              f"bursts {len(result.bursts):,}  utilisation {m.utilisation:.1%}  Jain {m.jain:.3f}  "
              f"context switches {m.context_switches:,}")
    for scheduler in SCHEDULERS:
        start = time.perf_counter()
        trace, _ = play(s, scheduler)
        print(f"{scheduler:>8} animated: {time.perf_counter() - start:.2f} s  {len(trace)} frames")
    print(f"slowest mixed run {worst:.2f} s CPU for {len(s.vcpu_names())} vCPUs on {s.pcpus} pCPUs, {SIMULATED_MS / 1000:.0f} s "
          f"simulated: {'within' if worst < BUDGET_S else 'OVER'} the {BUDGET_S:.0f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
