"""Lecture 2.4, Resource sharing: partitioning, pinning and Xen's CPU schedulers."""
