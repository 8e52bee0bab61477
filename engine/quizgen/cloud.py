"""Generated questions for section 2.5: the Amazon EC2 case study."""

from __future__ import annotations

from engine.quizgen import Generator

SECTION = "2.5"

GENERATORS: tuple[Generator, ...] = ()
