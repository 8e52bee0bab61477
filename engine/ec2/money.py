"""Formatting of amounts for captions: cents where they matter, fractions of a cent where they do not round away.

Amounts come from engines that bound their inputs, but a formatter must never print '$inf', '$nan' or a
300-digit number: amounts from a quadrillion on are shown in powers of ten, and a value that is not a
finite number says so.
"""

from __future__ import annotations

import math

HUGE = 1e15  # from here on, "$1.2e+15" reads better than sixteen digits with separators
NOT_A_NUMBER = "not a finite amount"


def usd(value: float) -> str:
    """'$1,742.20', '$0.0058' (tiny fees keep four decimals so they do not show as $0.00), '$3.4e+20'."""
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if abs(value) >= HUGE:
        return f"${value:.3g}"
    return f"${value:,.2f}" if value == 0 or abs(value) >= 1 else f"${value:,.4f}"


def number(value: float) -> str:
    """'20,000', '12.5', '0.25': thousands separated, no trailing zeros; '3.4e+20' for huge values."""
    if not math.isfinite(value):
        return NOT_A_NUMBER
    if abs(value) >= HUGE:
        return f"{value:.3g}"
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
