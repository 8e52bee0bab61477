"""Lecture 2.2, Full virtualization: binary translation, paging and the TLB, shadow page tables, I/O levels."""
