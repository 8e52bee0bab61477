import dataclasses

import pytest

from engine.core.trace import Frame, Trace, TraceBuilder


def build(n: int = 3) -> Trace[int]:
    tb: TraceBuilder[int] = TraceBuilder("demo", seed=7, counters={"steps": 0})
    for i in range(n):
        tb.count("steps")
        tb.add(i, f"step {i}", "because", {"x"})
    return tb.build()


def test_frames_are_immutable_snapshots():
    trace = build()
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace[0].event = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        trace[0].counters["steps"] = 99  # type: ignore[index]
    assert [f.counters["steps"] for f in trace] == [1, 2, 3]  # each frame keeps its own running total


def test_back_and_forward_is_exact_indexing():
    trace = build(5)
    forward = [trace[i] for i in range(5)]
    backward = [trace[i] for i in reversed(range(5))]
    assert forward == list(reversed(backward))
    assert trace.clamp(-3) == 0 and trace.clamp(99) == 4


def test_empty_trace_is_rejected():
    with pytest.raises(ValueError):
        Trace("nothing", ())


def test_caption_joins_event_and_explanation():
    assert Frame(0, "Trap", "LGDT is privileged").caption == "Trap: LGDT is privileged"
    assert build() == build()  # same inputs, same trace
