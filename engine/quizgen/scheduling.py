"""Generated questions for section 2.4: resource sharing and VM CPU scheduling."""

from __future__ import annotations

from engine.quizgen import Generator

SECTION = "2.4"

GENERATORS: tuple[Generator, ...] = ()
