"""Lecture 2.1, Virtualizability: VMM types, instruction classes, rings, trap and emulate."""
