"""Formatting of amounts for captions: cents where they matter, fractions of a cent where they do not round away."""

from __future__ import annotations


def usd(value: float) -> str:
    """'$1,742.20', '$0.0058' (tiny fees keep four decimals so they do not show as $0.00)."""
    return f"${value:,.2f}" if value == 0 or abs(value) >= 1 else f"${value:,.4f}"


def number(value: float) -> str:
    """'20,000', '12.5', '0.25': thousands separated, no trailing zeros."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text or "0"
