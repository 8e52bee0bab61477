"""Lecture 2.3, OS- and hardware-assisted virtualization: Xen, VT-x and the VMCS, nested paging."""
