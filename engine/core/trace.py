"""The trace model every simulation returns.

A simulation never animates anything itself: it returns a :class:`Trace`, an immutable
sequence of :class:`Frame` objects. The UI only renders frames, so stepping backwards is
exact (it is just indexing) and the same inputs and seed always give the same animation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Iterator, Mapping, Sequence, TypeVar

S = TypeVar("S")


def freeze_mapping(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy, so a frame's counters cannot be changed after the fact."""
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class Frame(Generic[S]):
    """One step of a simulation.

    state:        a snapshot of the simulated machine (an immutable dataclass).
    event:        a short title of what happened ("POPF runs directly").
    explanation:  why it happened, in one or two sentences for the caption line.
    highlights:   names of diagram elements the renderer should emphasise.
    counters:     running totals (traps, transitions, ...) after this step.
    """

    state: S
    event: str
    explanation: str
    highlights: frozenset[str] = frozenset()
    counters: Mapping[str, int] = field(default_factory=lambda: freeze_mapping({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "highlights", frozenset(self.highlights))
        object.__setattr__(self, "counters", freeze_mapping(self.counters))

    @property
    def caption(self) -> str:
        """The text line shown under the animation."""
        return f"{self.event}: {self.explanation}" if self.explanation else self.event


class LazyFrames(Sequence[Frame[S]]):
    """An immutable sequence of frames that builds each frame when it is read.

    For a trace too large to hold as objects: a player reads one frame per step, and hundreds of thousands of live
    objects make every full pass of Python's garbage collector pause all sessions of the server (issue 15,
    engine.sharing.sched_worker). Equal to any sequence with equal frames."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Trace(Generic[S]):
    """An immutable, non-empty sequence of frames for one scenario (a tuple, or :class:`LazyFrames`)."""

    scenario: str
    frames: tuple[Frame[S], ...] | LazyFrames[S]
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.frames, LazyFrames):
            object.__setattr__(self, "frames", tuple(self.frames))
        if not self.frames:
            raise ValueError(f"trace {self.scenario!r} has no frames")

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> Frame[S]:
        return self.frames[index]

    def __iter__(self) -> Iterator[Frame[S]]:
        return iter(self.frames)

    def clamp(self, index: int) -> int:
        """The nearest valid frame index, so a stale bookmark still opens a frame."""
        return max(0, min(len(self.frames) - 1, index))


class TraceBuilder(Generic[S]):
    """Collects frames while a simulation runs and keeps the running counters."""

    def __init__(self, scenario: str, seed: int = 0, counters: Mapping[str, int] | None = None):
        self.scenario = scenario
        self.seed = seed
        self.counters: dict[str, int] = dict(counters or {})
        self._frames: list[Frame[S]] = []

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by

    def add(self, state: S, event: str, explanation: str = "", highlights: frozenset[str] | set[str] = frozenset()) -> None:
        self._frames.append(Frame(state, event, explanation, frozenset(highlights), self.counters))

    def build(self) -> Trace[S]:
        return Trace(self.scenario, tuple(self._frames), self.seed)
