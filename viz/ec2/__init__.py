"""Diagram and chart builders for Lecture 2.5, Case study Amazon EC2."""
