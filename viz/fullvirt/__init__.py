"""Diagram and chart builders for Lecture 2.2, Full virtualization."""
