"""Time of a quiz submit to the progress store while 50 students submit at once, on SQLite and PostgreSQL.

Run from anywhere: `python3 bench/bench_store.py`. Each of 50 threads is one student with a key of their own,
submitting 20 answers back to back (a graded try written as one row, as the quiz page does). Prints the
median, 95th percentile and slowest submit, the throughput, and how many answers were lost (must be 0), for
a SQLite file and for a PostgreSQL server started for the bench from Debian's packages. It measures; the
exit code is 1 only if an answer was lost.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.core.progress import Event  # noqa: E402
from engine.core.store import Store  # noqa: E402
from tests.postgres import temporary_cluster  # noqa: E402

STUDENTS, ANSWERS = 50, 20


def run(store: Store) -> tuple[list[float], float, int]:
    keys = [store.create_learner() for _ in range(STUDENTS)]
    before = store.count()
    times: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(STUDENTS)

    def student(key: str) -> None:
        mine = []
        barrier.wait()  # everyone starts together
        for i in range(ANSWERS):
            event = Event(f"q{i}", "2.1", "Which instruction traps?", "Trap and emulate, and the POPF problem", False,
                          False, 0, 0, "try", "CLI", 1.0, time.time())
            start = time.perf_counter()
            store.add(key, event)
            mine.append(time.perf_counter() - start)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=student, args=(k,)) for k in keys]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return times, wall, STUDENTS * ANSWERS - (store.count() - before)


def report(name: str, store: Store) -> int:
    times, wall, lost = run(store)
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"{name:>10}: {len(ms)} submits by {STUDENTS} students at once in {wall:.2f} s ({len(ms) / wall:,.0f}/s); "
          f"per submit median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, slowest {ms[-1]:.1f} ms; lost {lost}")
    return lost


def main() -> int:
    lost = report("SQLite", Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"))
    with temporary_cluster() as url:
        lost += report("PostgreSQL", Store(url))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
