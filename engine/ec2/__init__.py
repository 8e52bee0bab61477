"""Lecture 2.5, Case study Amazon EC2: regions, pricing, instance types, performance variance."""
