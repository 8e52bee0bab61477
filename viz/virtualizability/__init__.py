"""Diagram and chart builders for Lecture 2.1, Virtualizability."""
