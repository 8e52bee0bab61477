"""Diagram and chart builders for Lecture 2.3, OS- and hardware-assisted virtualization."""
