"""Diagram and chart builders for Lecture 2.4, Resource sharing."""
